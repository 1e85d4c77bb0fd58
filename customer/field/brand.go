package field

import "strconv"

// Brand is a card's scheme, as its issuer identification number (the
// leading digits) tells it.
type Brand int

// Card brands. BrandOther is a number of no brand below: such cards can
// be stored through wires that leave brands to the processor.
const (
	BrandOther Brand = iota
	BrandVisa
	BrandMastercard
	BrandAmex
	BrandDiscover
	BrandJCB
	BrandDiners
)

// String names the brand in words, for messages.
func (b Brand) String() string {
	switch b {
	case BrandVisa:
		return "Visa"
	case BrandMastercard:
		return "Mastercard"
	case BrandAmex:
		return "American Express"
	case BrandDiscover:
		return "Discover"
	case BrandJCB:
		return "JCB"
	case BrandDiners:
		return "Diners Club"
	}
	return "another brand"
}

// CodeLen is the length of the brand's card security code: four digits
// on the front of an American Express card, three on the back of the others.
func (b Brand) CodeLen() int {
	if b == BrandAmex {
		return 4
	}
	return 3
}

// CardBrand tells a card's brand from its leading digits (at least six,
// so a masked number, 400300xxxx6781, is enough) by the ranges the
// schemes publish.
func CardBrand(d string) Brand {
	if len(d) < 6 || !AllDigits(d[:6]) {
		return BrandOther
	}
	p := func(n int) int { v, _ := strconv.Atoi(d[:n]); return v }
	in := func(n, lo, hi int) bool { v := p(n); return v >= lo && v <= hi }
	switch {
	case d[0] == '4':
		return BrandVisa
	case in(2, 51, 55), in(4, 2221, 2720):
		return BrandMastercard
	case in(2, 34, 34), in(2, 37, 37):
		return BrandAmex
	case in(4, 6011, 6011), in(3, 644, 649), in(2, 65, 65), in(6, 622126, 622925):
		return BrandDiscover
	case in(4, 3528, 3589):
		return BrandJCB
	case in(3, 300, 305), in(4, 3095, 3095), in(2, 36, 36), in(2, 38, 39):
		return BrandDiners
	}
	return BrandOther
}
