package field

import (
	"bytes"
	"unicode/utf8"
)

// jsonSpace is the whitespace RFC 8259 allows between tokens: these four
// bytes only. bytes.TrimSpace would also pass a vertical tab or a form
// feed, which no JSON reader accepts.
const jsonSpace = " \t\r\n"

// DataAfter reports whether body holds more than JSON whitespace after
// offset end (where a decoder stopped reading its one value), and the
// offset of the first such byte.
func DataAfter(body []byte, end int64) (int64, bool) {
	rest := body[end:]
	left := bytes.TrimLeft(rest, jsonSpace)
	return end + int64(len(rest)-len(left)), len(left) > 0
}

// InvalidUTF8At is the offset of the first byte of b that is not valid
// UTF-8 (len(b) when there is none).
func InvalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(b)
}
