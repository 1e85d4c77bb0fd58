package customer

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// textFault says why s cannot be stored as free text (names, addresses,
// descriptions), or "" when it can. Control characters (C0, DEL, C1) have
// no place in a one-line value and break every screen and file it is shown
// in; invalid UTF-8 would be stored as U+FFFD, so not as sent.
func textFault(s string) string {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			return "is not valid UTF-8"
		case unicode.IsControl(r):
			return fmt.Sprintf("holds the control character U+%04X; only printable text is stored", r)
		}
		i += n
	}
	return ""
}

// idFault is textFault for references people match on (customer, invoice
// and identification numbers): it also refuses the invisible format
// characters (unicode.Cf: zero-width spaces and joiners, bidi marks, word
// joiners, the BOM, the soft hyphen), which would make two references that
// look the same two different ones. Free text keeps them: zero-width
// joiners belong to some scripts and to emoji.
func idFault(s string) string {
	if f := textFault(s); f != "" {
		return f
	}
	for _, r := range s {
		if unicode.Is(unicode.Cf, r) {
			return fmt.Sprintf("holds the invisible character U+%04X, so it would differ from the same number without it", r)
		}
	}
	return ""
}
