package region

import (
	"strings"
	"testing"
)

func TestCountry(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"US", "US"}, {"usa", "US"}, {"United States", "US"}, {"united  states of america", "US"},
		{"CA", "CA"}, {"CAN", "CA"}, {"canada", "CA"}, {"GBR", "GB"}, {"UK", "GB"}, {"Deutschland", ""},
		{"", ""}, {"XX", ""}, {"840", ""}, {"Cote d'Ivoire", "CI"}, {"Ivory Coast", "CI"},
	} {
		got, ok := Country(tc.in)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("Country(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
}

func TestState(t *testing.T) {
	for _, tc := range []struct{ country, in, want string }{
		{US, "CA", "CA"}, {US, "california", "CA"}, {US, "dc", "DC"}, {US, "District of Columbia", "DC"},
		{US, "Puerto Rico", "PR"}, {US, "GU", "GU"}, {US, "ON", ""}, {US, "Ontario", ""},
		{CA, "Ontario", "ON"}, {CA, "on", "ON"}, {CA, "Québec", "QC"}, {CA, "NY", ""}, {CA, "", ""},
		{"GB", "Kent", ""},
	} {
		got, ok := State(tc.country, tc.in)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("State(%s, %q) = %q, %v; want %q", tc.country, tc.in, got, ok, tc.want)
		}
	}
}

// TestTablesAreWellFormed catches a mistyped line: every country has a
// two- and a three-letter code, and no code or name names two countries.
func TestTablesAreWellFormed(t *testing.T) {
	seen := map[string]string{}
	lines := strings.Split(countries, "\n")
	if len(lines) != 249 {
		t.Errorf("%d countries, ISO 3166-1 has 249", len(lines))
	}
	for _, line := range lines {
		f := strings.SplitN(line, " ", 3)
		if len(f) != 3 || len(f[0]) != 2 || len(f[1]) != 3 || strings.ToUpper(f[0]) != f[0] || strings.ToUpper(f[1]) != f[1] {
			t.Fatalf("malformed line %q", line)
		}
		for _, k := range []string{f[0], f[1], fold(f[2])} {
			if prev, dup := seen[k]; dup {
				t.Errorf("%q names both %s and %s", k, prev, f[0])
			}
			seen[k] = f[0]
		}
	}
	for _, line := range strings.Split(aliases, "\n") {
		a2, _, _ := strings.Cut(line, " ")
		if Name(a2) == "" {
			t.Errorf("alias %q names no country", line)
		}
	}
	if len(lookup().states[US]) < 2*56 || len(lookup().states[CA]) < 2*13 {
		t.Errorf("states: %d US, %d CA", len(lookup().states[US]), len(lookup().states[CA]))
	}
}
