package web

import "strconv"

// spreadsheetSafe returns a refused line's cell as a spreadsheet will not
// evaluate it. The rejected-lines file repeats what a merchant sent, and a
// cell such as =HYPERLINK(…) or @SUM(…) would run as a formula when an
// admin opens the file: a leading quote makes it text (OWASP's advice for
// CSV injection). A signed number (-5.00, +44 20…) is left alone, since it
// is data a spreadsheet reads as a number and the line must re-import as
// it was.
func spreadsheetSafe(cell string) string {
	if cell == "" {
		return cell
	}
	switch cell[0] {
	case '=', '@', '\t', '\r', '\n':
		return "'" + cell
	case '+', '-':
		if _, err := strconv.ParseFloat(cell, 64); err == nil || isPhone(cell) {
			return cell
		}
		return "'" + cell
	}
	return cell
}

// isPhone reports a +44 20 7946 0000 style number, digits and spaces only.
func isPhone(s string) bool {
	if len(s) < 2 || s[0] != '+' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && c != ' ' {
			return false
		}
	}
	return true
}

// spreadsheetSafeRecord neutralises every cell of a rejected line.
func spreadsheetSafeRecord(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = spreadsheetSafe(c)
	}
	return out
}
