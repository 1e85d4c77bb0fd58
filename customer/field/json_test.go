package field

import "testing"

func TestDataAfter(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string
		end  int64
		at   int64
		more bool
	}{
		{"nothing after", `{}`, 2, 2, false},
		{"JSON whitespace after", "{} \t\r\n", 2, 6, false},
		{"a vertical tab is not JSON whitespace", "{}\v", 2, 2, true},
		{"a form feed is not JSON whitespace", "{} \f", 2, 3, true},
		{"a second object", `{} {}`, 2, 3, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at, more := DataAfter([]byte(tc.body), tc.end)
			if at != tc.at || more != tc.more {
				t.Fatalf("DataAfter = %d, %v; want %d, %v", at, more, tc.at, tc.more)
			}
		})
	}
}

func TestInvalidUTF8At(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want int
	}{
		{"valid", "Zürich", len("Zürich")},
		{"a stray byte", "Z\xffrich", 1},
		{"a cut sequence", "ab\xc3", 2},
		{"empty", "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := InvalidUTF8At([]byte(tc.in)); got != tc.want {
				t.Fatalf("InvalidUTF8At(%q) = %d, want %d", tc.in, got, tc.want)
			}
		})
	}
}
