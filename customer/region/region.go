// Package region names countries and the states and provinces of the two
// countries whose postal services require them (the United States and
// Canada): ISO 3166-1 alpha-2 and alpha-3 codes and English names, any
// case, read into alpha-2 and two-letter state codes. Pure and immutable.
package region

import (
	"strings"
	"sync"
	"unicode"
)

// US and CA are the two countries whose addresses need a state code.
const (
	US = "US"
	CA = "CA"
)

// tables are the lookups, keyed by folded text: built once from the
// constants, never changed after, so sharing them is safe.
type tables struct {
	country map[string]string
	names   map[string]string // alpha-2 → English short name
	states  map[string]map[string]string
}

var lookup = sync.OnceValue(func() tables {
	t := tables{country: map[string]string{}, names: map[string]string{},
		states: map[string]map[string]string{US: {}, CA: {}}}
	for _, line := range strings.Split(countries, "\n") {
		a2, rest, _ := strings.Cut(line, " ")
		a3, name, _ := strings.Cut(rest, " ")
		t.country[fold(a2)], t.country[fold(a3)], t.country[fold(name)] = a2, a2, a2
		t.names[a2] = name
	}
	for _, line := range strings.Split(aliases, "\n") {
		a2, name, _ := strings.Cut(line, " ")
		t.country[fold(name)] = a2
	}
	for c, list := range map[string]string{US: usStates, CA: caProvinces} {
		for _, line := range strings.Split(list, "\n") {
			code, name, _ := strings.Cut(line, " ")
			t.states[c][fold(code)], t.states[c][fold(name)] = code, code
		}
	}
	return t
})

// fold is the form names are compared in: lower case, spaces collapsed,
// so "united  STATES" is "United States".
func fold(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), unicode.IsSpace), " ")
}

// Country returns the alpha-2 code of a country given by its alpha-2 or
// alpha-3 code or its English name, in any case.
func Country(s string) (string, bool) {
	c, ok := lookup().country[fold(s)]
	return c, ok
}

// Name is a country's English short name, "" for an unknown code.
func Name(alpha2 string) string { return lookup().names[alpha2] }

// NeedsState reports whether a country's addresses take a state code from
// a fixed list.
func NeedsState(alpha2 string) bool { return alpha2 == US || alpha2 == CA }

// State returns the two-letter code of a US state or territory or a
// Canadian province given by its code or name, in any case; false when s
// is none of that country's, a state of the other country included.
func State(alpha2, s string) (string, bool) {
	c, ok := lookup().states[alpha2][fold(s)]
	return c, ok
}
