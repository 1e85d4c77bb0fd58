package customer

import (
	"fmt"

	"github.com/tonebase/tonebase/customer/field"
	"github.com/tonebase/tonebase/customer/region"
)

// AddressStyle is which rules a wire's addresses follow. Each wire checks
// the fields it is sent by its own rules; what it was not sent is never
// checked, so a record made through one wire stays editable through another.
type AddressStyle int

const (
	// StyleUS is the zero style: a 2-letter state and a US ZIP code, the
	// country as sent.
	StyleUS AddressStyle = iota
	// StyleInternational takes any country's address: the country as an
	// ISO 3166 code or English name, stored as alpha-2; a state code from
	// the country's list for the United States and Canada (a name is read
	// into its code), free text elsewhere; the postal code as written.
	StyleInternational
	// StyleLoose takes state, zip and phone of any country checked for
	// length and text only, for a wire whose document checks their formats
	// itself by the country (OnePay's: see onepay's address rules).
	StyleLoose
)

// Limits of the international style's parts that differ from the US one's.
const (
	maxIntlState = 50
	maxIntlZip   = 20
)

// checkIntlPart is checkAddressPart for StyleInternational: the parts whose
// rules differ, and false for the parts that share the US style's.
func checkIntlPart(part, v string) (stored, code, reason string, handled bool) {
	if v == "" {
		return "", "", "", part == PartState || part == PartZip || part == PartCountry
	}
	switch part {
	case PartCountry:
		c, ok := region.Country(v)
		if !ok {
			return "", CodeInvalid, "is not a country: give its ISO 3166 code (CA, CAN) or its English name", true
		}
		return c, "", "", true
	case PartState, PartZip:
		limit := map[string]int{PartState: maxIntlState, PartZip: maxIntlZip}[part]
		if field.Len(v) > limit {
			return "", CodeTooLong, fmt.Sprintf("longer than %d characters", limit), true
		}
		if f := textFault(v); f != "" {
			return "", CodeNotAllowed, f, true
		}
		return v, "", "", true
	}
	return "", "", "", false
}

// checkRegion holds the rule that spans a record's fields: a United States
// or Canadian address has one of that country's state codes. It runs on
// the resulting address whenever the request sent its state or country,
// whichever it sent, and stores a state given by name as its code.
func checkRegion(a *Address, in *AddressInput, side string, p *problems) {
	if !in.State.Set && !in.Country.Set {
		return
	}
	country, ok := region.Country(a.Country)
	if !ok || !region.NeedsState(country) {
		return
	}
	code, ok := region.State(country, a.State)
	if !ok {
		p.add(AddressField(side, PartState), CodeInvalid, "a %s address needs a valid 2-letter %s code",
			region.Name(country), map[string]string{region.US: "state", region.CA: "province"}[country])
		return
	}
	a.State = code
}
