package ivr

import "strings"

var (
	ones = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
		"eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"}
	tens = []string{"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}
)

// SayPounds renders minor units as British English a TTS engine reads
// naturally: no platform speaks pounds and pence for you.
func SayPounds(minor int64) string {
	var b strings.Builder
	if minor < 0 {
		b.WriteString("minus ")
		minor = -minor
	}
	pounds, pence := minor/100, minor%100
	if pounds > 0 || pence == 0 {
		b.WriteString(words(pounds))
		if pounds == 1 {
			b.WriteString(" pound")
		} else {
			b.WriteString(" pounds")
		}
	}
	if pence > 0 {
		if pounds > 0 {
			b.WriteString(" and ")
		}
		b.WriteString(words(pence))
		if pence == 1 {
			b.WriteString(" penny")
		} else {
			b.WriteString(" pence")
		}
	}
	return b.String()
}

// words spells a non-negative number the British way ("one hundred and five").
func words(n int64) string {
	if n < 20 {
		return ones[n]
	}
	scales := []struct {
		size int64
		name string
	}{{1_000_000_000_000, "trillion"}, {1_000_000_000, "billion"}, {1_000_000, "million"}, {1000, "thousand"}}
	var parts []string
	for _, s := range scales {
		if n >= s.size {
			parts = append(parts, words(n/s.size)+" "+s.name)
			n %= s.size
		}
	}
	if n >= 100 {
		parts = append(parts, ones[n/100]+" hundred")
		n %= 100
	}
	if n > 0 {
		if len(parts) > 0 {
			parts = append(parts, "and")
		}
		if n < 20 {
			parts = append(parts, ones[n])
		} else if n%10 == 0 {
			parts = append(parts, tens[n/10])
		} else {
			parts = append(parts, tens[n/10]+"-"+ones[n%10])
		}
	}
	return strings.Join(parts, " ")
}
