package money

// Language is the language a caller database speaks to its callers in, as
// a BCP 47 tag: the amounts' phrases and every sentence of the call follow
// it.
type Language string

// The languages tonebase speaks.
const (
	EnGB Language = "en-GB"
	EnUS Language = "en-US"
	EsES Language = "es-ES"
	EsUS Language = "es-US"
	FrFR Language = "fr-FR"
	DeDE Language = "de-DE"
)

// Languages lists every language, the default first.
func Languages() []Language { return []Language{EnGB, EnUS, EsES, EsUS, FrFR, DeDE} }

// Currency is the ISO 4217 code of a caller database's amounts.
type Currency string

// The currencies tonebase reads amounts in.
const (
	GBP Currency = "GBP"
	USD Currency = "USD"
	EUR Currency = "EUR"
	CAD Currency = "CAD"
)

// Currencies lists every currency, the default first.
func Currencies() []Currency { return []Currency{GBP, USD, EUR, CAD} }

// Known reports whether l is one of Languages.
func (l Language) Known() bool {
	for _, k := range Languages() {
		if l == k {
			return true
		}
	}
	return false
}

// Known reports whether c is one of Currencies.
func (c Currency) Known() bool {
	for _, k := range Currencies() {
		if c == k {
			return true
		}
	}
	return false
}

// Symbol is how a page marks an amount in c: the shortest sign a reader
// cannot take for another of Currencies.
func (c Currency) Symbol() string {
	switch c {
	case USD:
		return "US$"
	case CAD:
		return "CA$"
	case EUR:
		return "€"
	}
	return "£"
}
