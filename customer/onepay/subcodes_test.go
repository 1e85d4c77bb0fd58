package onepay

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestSubCodesDocumented: every sub code this wire answers has its row in
// the README's table, and the table lists no code the wire does not have.
func TestSubCodesDocumented(t *testing.T) {
	src, err := os.ReadFile("subcodes.go")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(readme), "### OnePay Customer API")
	section, _, _ = strings.Cut(section, "\n### ")
	codes := regexp.MustCompile(`(?m)^\s+sub\w+\s+= "(\d{3})"`).FindAllStringSubmatch(string(src), -1)
	rows := regexp.MustCompile("(?m)^\\| `(\\d{3})` \\|").FindAllStringSubmatch(section, -1)
	if len(codes) < 20 || len(rows) == 0 {
		t.Fatalf("found %d codes and %d rows: the test does not find them", len(codes), len(rows))
	}
	documented := map[string]bool{}
	for _, r := range rows {
		documented[r[1]] = true
	}
	for _, c := range codes {
		if !documented[c[1]] {
			t.Errorf("sub code %s has no row in the README's table", c[1])
		}
		delete(documented, c[1])
	}
	for c := range documented {
		t.Errorf("the README's table lists %s, which the wire does not answer", c)
	}
}
