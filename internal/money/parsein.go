package money

import (
	"fmt"
	"strings"
)

// symbols are how a currency's amounts may be marked, longest first.
func symbols(cur Currency) []string {
	switch cur {
	case USD:
		return []string{"US$", "$"}
	case CAD:
		return []string{"CA$", "C$", "$"}
	case EUR:
		return []string{"€"}
	}
	return []string{"£"}
}

// decimalComma reports whether lang writes 12,50 where English writes 12.50.
func decimalComma(lang Language) bool { return lang == EsES || lang == FrFR || lang == DeDE }

// NotAmountIn is why ParseCurrencyIn refuses an amount, in the forms that
// language and currency accept.
func NotAmountIn(lang Language, cur Currency) error {
	if lang == EnGB && cur == GBP {
		return ErrNotAmount
	}
	sym := symbols(cur)[0]
	point, thousands := "12.50", "1,234.56"
	if decimalComma(lang) {
		point, thousands = "12,50", "1.234,56"
	}
	return notAmountIn{fmt.Sprintf("not an amount: use %s (%s%s, %s, %s) or whole %s (1250)", cur, sym, point, point, thousands, englishUnits(cur).minors)}
}

// notAmountIn is ErrNotAmount in another currency's words.
type notAmountIn struct{ msg string }

func (e notAmountIn) Error() string        { return e.msg }
func (e notAmountIn) Is(target error) bool { return target == ErrNotAmount }

// ParseCurrencyIn reads an amount as a database of this language and
// currency is uploaded: the currency's symbol before or after it
// (€12,50, 12,50 €), the language's decimal comma or point and its
// thousands separator (1.234,56 in German, 1 234,56 in French); a bare
// whole number is still minor units. Another currency's symbol is refused.
// In en-GB pounds it is ParseCurrency.
func ParseCurrencyIn(lang Language, cur Currency, raw string) (int64, error) {
	if lang == EnGB && cur == GBP {
		return ParseCurrency(raw)
	}
	s := strings.TrimSpace(raw)
	neg := false
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		neg, s = true, rest
	}
	marked := false
	for _, sym := range symbols(cur) {
		if rest, ok := strings.CutPrefix(s, sym); ok {
			marked, s = true, strings.TrimSpace(rest)
			break
		}
		if rest, ok := strings.CutSuffix(s, sym); ok {
			marked, s = true, strings.TrimSpace(rest)
			break
		}
	}
	if !neg {
		if rest, ok := strings.CutPrefix(s, "-"); ok { // €-12,50
			neg, s = true, rest
		}
	}
	// Rewritten in ParseCurrency's own grammar, which then checks the
	// groups, the places and the size once for every language.
	var b strings.Builder
	b.Grow(len(s) + 3)
	if neg {
		b.WriteByte('-')
	}
	if marked {
		b.WriteString("£")
	}
	dec, group := byte('.'), byte(',')
	if decimalComma(lang) {
		dec, group = ',', '.'
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			b.WriteByte(c)
		case c == dec:
			b.WriteByte('.')
		case c == group:
			b.WriteByte(',')
		case lang == FrFR && c == ' ':
			b.WriteByte(',')
		case lang == FrFR && strings.HasPrefix(s[i:], "\u00a0"): // no-break space
			b.WriteByte(',')
			i += len("\u00a0") - 1
		case lang == FrFR && strings.HasPrefix(s[i:], "\u202f"): // narrow no-break space
			b.WriteByte(',')
			i += len("\u202f") - 1
		default:
			return 0, NotAmountIn(lang, cur)
		}
	}
	minor, err := ParseCurrency(b.String())
	if err == ErrNotAmount {
		return 0, NotAmountIn(lang, cur)
	}
	return minor, err
}
