package money

// Spanish number words; read-only tables, not state.
var (
	esOnes = [...]string{"cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez",
		"once", "doce", "trece", "catorce", "quince", "dieciséis", "diecisiete", "dieciocho", "diecinueve", "veinte",
		"veintiuno", "veintidós", "veintitrés", "veinticuatro", "veinticinco", "veintiséis", "veintisiete", "veintiocho", "veintinueve"}
	esTens     = [...]string{"", "", "", "treinta", "cuarenta", "cincuenta", "sesenta", "setenta", "ochenta", "noventa"}
	esHundreds = [...]string{"", "ciento", "doscientos", "trescientos", "cuatrocientos", "quinientos", "seiscientos",
		"setecientos", "ochocientos", "novecientos"}
)

// spanishUnits are a currency's names in Spanish, and whether the major
// unit is feminine (una libra, doscientas libras).
func spanishUnits(cur Currency) (unitNames, bool) {
	switch cur {
	case USD, CAD:
		return unitNames{"dólar", "dólares", "centavo", "centavos"}, false
	case EUR:
		return unitNames{"euro", "euros", "céntimo", "céntimos"}, false
	}
	return unitNames{"libra", "libras", "penique", "peniques"}, true
}

// appendSpanish appends minor units in Spanish: "doce euros con
// cincuenta céntimos", "un millón de euros", "veintiuna libras".
func appendSpanish(dst []byte, cur Currency, minor int64) []byte {
	u, fem := spanishUnits(cur)
	n := uint64(minor)
	if minor < 0 {
		dst = append(dst, "menos "...)
		n = -n
	}
	major, cents := n/100, n%100
	if major > 0 || cents == 0 {
		dst = appendSpanishNumber(dst, major, fem, true)
		if major%1_000_000 == 0 && major > 0 {
			dst = append(dst, " de"...) // un millón de euros
		}
		dst = append(dst, ' ')
		dst = append(dst, plural(u.major, u.majors, major)...)
	}
	if cents > 0 {
		if major > 0 {
			dst = append(dst, " con "...)
		}
		dst = appendSpanishNumber(dst, cents, false, true)
		dst = append(dst, ' ')
		dst = append(dst, plural(u.minor, u.minors, cents)...)
	}
	return dst
}

func plural(one, many string, n uint64) string {
	if n == 1 {
		return one
	}
	return many
}

// appendSpanishNumber spells n; before a noun (noun) a final "uno" is
// "un", or "una" for a feminine noun, whose hundreds agree too.
func appendSpanishNumber(dst []byte, n uint64, fem, noun bool) []byte {
	if n == 0 {
		return append(dst, "cero"...)
	}
	start := len(dst)
	sep := func() {
		if len(dst) > start {
			dst = append(dst, ' ')
		}
	}
	scales := [...]struct {
		size      uint64
		one, many string
	}{{1_000_000_000_000, "un billón", "billones"}, {1_000_000, "un millón", "millones"}}
	for _, s := range scales {
		if n >= s.size {
			sep()
			if q := n / s.size; q == 1 {
				dst = append(dst, s.one...)
			} else {
				dst = appendSpanishNumber(dst, q, false, true) // millón is a masculine noun
				dst = append(dst, ' ')
				dst = append(dst, s.many...)
			}
			n %= s.size
		}
	}
	if n >= 1000 {
		sep()
		if q := n / 1000; q > 1 {
			// "mil" is no noun: "veintiún mil", "doscientas mil libras".
			dst = appendSpanishBelowThousand(dst, q, fem, true)
			dst = append(dst, ' ')
		}
		dst = append(dst, "mil"...)
		n %= 1000
	}
	if n > 0 {
		sep()
		dst = appendSpanishBelowThousand(dst, n, fem, noun)
	}
	return dst
}

func appendSpanishBelowThousand(dst []byte, n uint64, fem, noun bool) []byte {
	h, rest := n/100, n%100
	if h > 0 {
		switch {
		case h == 1 && rest == 0:
			dst = append(dst, "cien"...)
		case fem && h > 1:
			w := esHundreds[h]
			dst = append(dst, w[:len(w)-2]...)
			dst = append(dst, "as"...)
		default:
			dst = append(dst, esHundreds[h]...)
		}
		if rest == 0 {
			return dst
		}
		dst = append(dst, ' ')
	}
	var w string
	switch {
	case rest < 30:
		w = esOnes[rest]
	default:
		w = esTens[rest/10]
		if rest%10 != 0 {
			w += " y " + esOnes[rest%10]
		}
	}
	if noun && rest%10 == 1 && rest != 11 {
		// uno → un / una before a noun; veintiuno → veintiún / veintiuna.
		w = w[:len(w)-1]
		switch {
		case fem:
			w += "a"
		case rest == 21:
			w = "veintiún"
		}
	}
	return append(dst, w...)
}
