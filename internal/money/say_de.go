package money

// German number words; read-only tables, not state.
var (
	deOnes = [...]string{"null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun", "zehn",
		"elf", "zwölf", "dreizehn", "vierzehn", "fünfzehn", "sechzehn", "siebzehn", "achtzehn", "neunzehn"}
	deTens = [...]string{"", "", "zwanzig", "dreißig", "vierzig", "fünfzig", "sechzig", "siebzig", "achtzig", "neunzig"}
)

// germanUnits are a currency's names in German; after a number they do
// not change (zwölf Euro, zwei Pfund), but for the penny.
func germanUnits(cur Currency) unitNames {
	switch cur {
	case USD, CAD:
		return unitNames{"Dollar", "Dollar", "Cent", "Cent"}
	case EUR:
		return unitNames{"Euro", "Euro", "Cent", "Cent"}
	}
	return unitNames{"Pfund", "Pfund", "Penny", "Pence"}
}

// appendGerman appends minor units in German: "zwölf Euro und fünfzig
// Cent", "ein Euro", "eine Million Euro".
func appendGerman(dst []byte, cur Currency, minor int64) []byte {
	u := germanUnits(cur)
	n := uint64(minor)
	if minor < 0 {
		dst = append(dst, "minus "...)
		n = -n
	}
	major, cents := n/100, n%100
	if major > 0 || cents == 0 {
		dst = appendGermanNumber(dst, major)
		dst = append(dst, ' ')
		dst = append(dst, plural(u.major, u.majors, major)...)
	}
	if cents > 0 {
		if major > 0 {
			dst = append(dst, " und "...)
		}
		dst = appendGermanNumber(dst, cents)
		dst = append(dst, ' ')
		dst = append(dst, plural(u.minor, u.minors, cents)...)
	}
	return dst
}

// appendGermanNumber spells n as it stands before a noun: "ein" alone,
// "eins" ending a longer number (hunderteins), millions as nouns of their
// own (eine Million, zwei Millionen).
func appendGermanNumber(dst []byte, n uint64) []byte {
	if n == 0 {
		return append(dst, "null"...)
	}
	if n == 1 {
		return append(dst, "ein"...)
	}
	start := len(dst)
	for _, s := range [...]struct {
		size      uint64
		one, many string
	}{{1_000_000_000_000, "eine Billion", "Billionen"}, {1_000_000_000, "eine Milliarde", "Milliarden"}, {1_000_000, "eine Million", "Millionen"}} {
		if n >= s.size {
			if len(dst) > start {
				dst = append(dst, ' ')
			}
			if q := n / s.size; q == 1 {
				dst = append(dst, s.one...)
			} else {
				dst = appendGermanCompound(dst, q, false)
				dst = append(dst, ' ')
				dst = append(dst, s.many...)
			}
			n %= s.size
		}
	}
	if n > 0 {
		if len(dst) > start {
			dst = append(dst, ' ')
		}
		dst = appendGermanCompound(dst, n, true)
	}
	return dst
}

// appendGermanCompound spells 1..999,999 as one word. ending says whether
// the word ends the number, where a final 1 is "eins"; before Millionen
// and inside tausend it is "ein".
func appendGermanCompound(dst []byte, n uint64, ending bool) []byte {
	if n >= 1000 {
		dst = appendGermanBelowThousand(dst, n/1000, false)
		dst = append(dst, "tausend"...)
		n %= 1000
		if n == 0 {
			return dst
		}
	}
	return appendGermanBelowThousand(dst, n, ending)
}

func appendGermanBelowThousand(dst []byte, n uint64, ending bool) []byte {
	if h := n / 100; h > 0 {
		if h == 1 {
			dst = append(dst, "ein"...)
		} else {
			dst = append(dst, deOnes[h]...)
		}
		dst = append(dst, "hundert"...)
		n %= 100
	}
	switch t, u := n/10, n%10; {
	case n == 0:
	case n == 1:
		if ending {
			dst = append(dst, "eins"...)
		} else {
			dst = append(dst, "ein"...)
		}
	case n < 20:
		dst = append(dst, deOnes[n]...)
	case u == 0:
		dst = append(dst, deTens[t]...)
	default:
		if u == 1 {
			dst = append(dst, "ein"...)
		} else {
			dst = append(dst, deOnes[u]...)
		}
		dst = append(dst, "und"...)
		dst = append(dst, deTens[t]...)
	}
	return dst
}
