package ivr

import (
	"strings"
	"testing"
)

func TestReadCSVLines(t *testing.T) {
	in := "a,b\n\n\"c\nd\",e\nx\"y,z\n\"q\",r\r\n"
	type rec struct {
		line   int
		fields string
		bad    bool
	}
	var got []rec
	err := readCSV(strings.NewReader(in), func(line int, f []string, err error) error {
		got = append(got, rec{line, strings.Join(f, "|"), err != nil})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []rec{{1, "a|b", false}, {3, "c\nd|e", false}, {5, "", true}, {6, "q|r", false}}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("record %d: got %v want %v", i, got[i], want[i])
		}
	}
}

// FuzzReadCSV checks that no input panics the reader or makes line numbers
// run backwards, and that plain digit files read as split on commas.
func FuzzReadCSV(f *testing.F) {
	f.Add("012345,01021990,£12.50\n")
	f.Add("\"a\"\"b\",c\r\n\"open\n")
	f.Add("\xef\xbb\xbf1,2\n3")
	f.Fuzz(func(t *testing.T, in string) {
		last := 0
		var lines [][]string
		err := readCSV(strings.NewReader(in), func(line int, fields []string, err error) error {
			if line < last || line < 1 {
				t.Fatalf("line %d after %d", line, last)
			}
			last = line
			if err == nil {
				lines = append(lines, append([]string(nil), fields...))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Trim(in, "0123456789,\n") != "" {
			return
		}
		var want [][]string
		for _, l := range strings.Split(in, "\n") {
			if l != "" {
				want = append(want, strings.Split(l, ","))
			}
		}
		if len(want) != len(lines) {
			t.Fatalf("%q: got %q want %q", in, lines, want)
		}
		for i := range want {
			if strings.Join(want[i], ",") != strings.Join(lines[i], ",") {
				t.Fatalf("%q: got %q want %q", in, lines, want)
			}
		}
	})
}
