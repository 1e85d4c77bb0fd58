package money

// Number words, indexed by value; read-only tables, not state.
var (
	ones = [...]string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
		"eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"}
	tens   = [...]string{"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}
	scales = [...]struct {
		size int64
		name string
	}{{1_000_000_000_000_000, "quadrillion"}, {1_000_000_000_000, "trillion"}, {1_000_000_000, "billion"},
		{1_000_000, "million"}, {1000, "thousand"}}
)

// Say renders minor units as British English a TTS engine reads
// naturally: no platform speaks pounds and pence for you.
func Say(minor int64) string { return string(AppendSay(nil, minor)) }

// AppendSay appends Say(minor) to dst without allocating.
func AppendSay(dst []byte, minor int64) []byte {
	return appendEnglish(dst, englishUnits(GBP), minor, true)
}

// appendEnglish appends minor units in English; british puts "and"
// before the tens ("one hundred and five"), as the US does not.
func appendEnglish(dst []byte, u unitNames, minor int64, british bool) []byte {
	n := uint64(minor)
	if minor < 0 {
		dst = append(dst, "minus "...)
		n = -n // two's complement: right for math.MinInt64 too
	}
	major, minorPart := n/100, n%100
	if major > 0 || minorPart == 0 {
		dst = appendWords(dst, major, british)
		dst = append(dst, ' ')
		if major == 1 {
			dst = append(dst, u.major...)
		} else {
			dst = append(dst, u.majors...)
		}
	}
	if minorPart > 0 {
		if major > 0 {
			dst = append(dst, " and "...)
		}
		dst = appendWords(dst, minorPart, british)
		dst = append(dst, ' ')
		if minorPart == 1 {
			dst = append(dst, u.minor...)
		} else {
			dst = append(dst, u.minors...)
		}
	}
	return dst
}

// appendWords spells a number in English, the British way ("one hundred
// and five", "two thousand and one") or the American ("one hundred five").
func appendWords(dst []byte, n uint64, british bool) []byte {
	if n < 20 {
		return append(dst, ones[n]...)
	}
	start := len(dst)
	sep := func() {
		if len(dst) > start {
			dst = append(dst, ' ')
		}
	}
	for _, s := range scales {
		if n >= uint64(s.size) {
			sep()
			dst = appendWords(dst, n/uint64(s.size), british)
			dst = append(dst, ' ')
			dst = append(dst, s.name...)
			n %= uint64(s.size)
		}
	}
	if n >= 100 {
		sep()
		dst = append(dst, ones[n/100]...)
		dst = append(dst, " hundred"...)
		n %= 100
	}
	if n > 0 {
		if british && len(dst) > start {
			dst = append(dst, " and"...)
		}
		sep()
		switch {
		case n < 20:
			dst = append(dst, ones[n]...)
		case n%10 == 0:
			dst = append(dst, tens[n/10]...)
		default:
			dst = append(dst, tens[n/10]...)
			dst = append(dst, '-')
			dst = append(dst, ones[n%10]...)
		}
	}
	return dst
}
