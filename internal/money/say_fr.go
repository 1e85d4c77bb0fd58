package money

// French number words; read-only tables, not state.
var (
	frOnes = [...]string{"zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix",
		"onze", "douze", "treize", "quatorze", "quinze", "seize", "dix-sept", "dix-huit", "dix-neuf"}
	frTens = [...]string{"", "", "vingt", "trente", "quarante", "cinquante", "soixante", "soixante", "quatre-vingt", "quatre-vingt"}
)

// frenchUnits are a currency's names in French, and whether the major
// unit is feminine (une livre).
func frenchUnits(cur Currency) (unitNames, bool) {
	switch cur {
	case USD, CAD:
		return unitNames{"dollar", "dollars", "cent", "cents"}, false
	case EUR:
		return unitNames{"euro", "euros", "centime", "centimes"}, false
	}
	return unitNames{"livre", "livres", "penny", "pence"}, true
}

// appendFrench appends minor units in French: "douze euros et cinquante
// centimes", "un million d'euros", "vingt et une livres".
func appendFrench(dst []byte, cur Currency, minor int64) []byte {
	u, fem := frenchUnits(cur)
	n := uint64(minor)
	if minor < 0 {
		dst = append(dst, "moins "...)
		n = -n
	}
	major, cents := n/100, n%100
	if major > 0 || cents == 0 {
		dst = appendFrenchNumber(dst, major, fem)
		if major%1_000_000 == 0 && major > 0 {
			if startsWithVowel(u.majors) {
				dst = append(dst, " d'"...) // un million d'euros
			} else {
				dst = append(dst, " de "...)
			}
		} else {
			dst = append(dst, ' ')
		}
		dst = append(dst, plural(u.major, u.majors, major)...)
	}
	if cents > 0 {
		if major > 0 {
			dst = append(dst, " et "...)
		}
		dst = appendFrenchNumber(dst, cents, false)
		dst = append(dst, ' ')
		dst = append(dst, plural(u.minor, u.minors, cents)...)
	}
	return dst
}

func startsWithVowel(s string) bool {
	return s != "" && (s[0] == 'e' || s[0] == 'a' || s[0] == 'o' || s[0] == 'i' || s[0] == 'u')
}

// appendFrenchNumber spells n, "un" ending it as "une" for a feminine noun.
func appendFrenchNumber(dst []byte, n uint64, fem bool) []byte {
	if n == 0 {
		return append(dst, "zéro"...)
	}
	start := len(dst)
	sep := func() {
		if len(dst) > start {
			dst = append(dst, ' ')
		}
	}
	for _, s := range [...]struct {
		size uint64
		name string
	}{{1_000_000_000_000, "billion"}, {1_000_000_000, "milliard"}, {1_000_000, "million"}} {
		if n >= s.size {
			sep()
			q := n / s.size
			// million is a noun: "quatre-vingts millions", "deux cents millions".
			dst = appendFrenchBelowThousand(dst, q, false, true)
			dst = append(dst, ' ')
			dst = append(dst, s.name...)
			if q > 1 {
				dst = append(dst, 's')
			}
			n %= s.size
		}
	}
	if n >= 1000 {
		sep()
		if q := n / 1000; q > 1 {
			// mille is no noun: "quatre-vingt mille", "deux cent mille".
			dst = appendFrenchBelowThousand(dst, q, false, false)
			dst = append(dst, ' ')
		}
		dst = append(dst, "mille"...)
		n %= 1000
	}
	if n > 0 {
		sep()
		dst = appendFrenchBelowThousand(dst, n, fem, true)
	}
	return dst
}

// appendFrenchBelowThousand spells 1..999; final says whether nothing
// follows but a noun, where quatre-vingts and deux cents take their s.
func appendFrenchBelowThousand(dst []byte, n uint64, fem, final bool) []byte {
	h, rest := n/100, n%100
	if h > 0 {
		if h > 1 {
			dst = append(dst, frOnes[h]...)
			dst = append(dst, ' ')
		}
		dst = append(dst, "cent"...)
		if h > 1 && rest == 0 && final {
			dst = append(dst, 's')
		}
		if rest == 0 {
			return dst
		}
		dst = append(dst, ' ')
	}
	one := "un"
	if fem {
		one = "une"
	}
	t, u := rest/10, rest%10
	switch {
	case rest == 1:
		dst = append(dst, one...)
	case rest < 20:
		dst = append(dst, frOnes[rest]...)
	case t == 7 || t == 9:
		// soixante-dix…, quatre-vingt-dix…: the tens of 60 or 80 and 10–19.
		dst = append(dst, frTens[t]...)
		if t == 7 && u == 1 {
			dst = append(dst, " et "...)
		} else {
			dst = append(dst, '-')
		}
		dst = append(dst, frOnes[10+u]...)
	case u == 0:
		dst = append(dst, frTens[t]...)
		if t == 8 && final {
			dst = append(dst, 's') // quatre-vingts
		}
	case u == 1 && t != 8:
		dst = append(dst, frTens[t]...)
		dst = append(dst, " et "...)
		dst = append(dst, one...)
	default:
		dst = append(dst, frTens[t]...)
		dst = append(dst, '-')
		if u == 1 {
			dst = append(dst, one...) // quatre-vingt-un
		} else {
			dst = append(dst, frOnes[u]...)
		}
	}
	return dst
}
