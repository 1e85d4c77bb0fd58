package columndb

import (
	"bytes"
	"slices"
	"sort"
	"testing"
)

func TestTupleRoundTrip(t *testing.T) {
	for _, tt := range []struct {
		name string
		vals []string
	}{
		{"one value", []string{"123456"}},
		{"empty value", []string{""}},
		{"two values", []string{"123456", "01021990"}},
		{"empty between", []string{"a", "", "b"}},
		{"nul inside", []string{"a\x00b"}},
		{"nul only", []string{"\x00"}},
		{"nul then one", []string{"\x00\x01"}},
		{"nul then ff", []string{"\x00\xff", "\xff"}},
		{"trailing nul", []string{"ab\x00", "\x00"}},
		{"utf8", []string{"Zoë", "£12"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			enc := appendTuple(nil, tt.vals...)
			got, ok := decodeTuple(enc)
			if !ok || !slices.Equal(got, tt.vals) {
				t.Fatalf("decodeTuple(appendTuple(%q)) = %q, %v", tt.vals, got, ok)
			}
			prefixed := appendTuple([]byte("prefix"), tt.vals...)
			if !bytes.Equal(prefixed[len("prefix"):], enc) {
				t.Fatalf("appendTuple ignores dst: %q", prefixed)
			}
		})
	}
}

func TestTupleEncoding(t *testing.T) {
	for _, tt := range []struct {
		vals []string
		want string
	}{
		{nil, ""},
		{[]string{""}, "\x00\x01"},
		{[]string{"ab"}, "ab\x00\x01"},
		{[]string{"a\x00b", "c"}, "a\x00\xffb\x00\x01c\x00\x01"},
	} {
		if got := appendTuple(nil, tt.vals...); string(got) != tt.want {
			t.Errorf("appendTuple(%q) = %q, want %q", tt.vals, got, tt.want)
		}
	}
}

func TestDecodeTupleRejects(t *testing.T) {
	for name, in := range map[string]string{
		"unterminated":         "abc",
		"lone nul at end":      "abc\x00",
		"bad escape":           "a\x00\x02",
		"escaped nul no end":   "a\x00\xff",
		"value after last end": "a\x00\x01b",
	} {
		t.Run(name, func(t *testing.T) {
			if got, ok := decodeTuple([]byte(in)); ok {
				t.Fatalf("decodeTuple(%q) = %q, want failure", in, got)
			}
		})
	}
}

// compareTuples is the order the encoding must keep: value by value, a
// shorter tuple first when it is a prefix of the other.
func compareTuples(a, b []string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := bytes.Compare([]byte(a[i]), []byte(b[i])); c != 0 {
			return c
		}
	}
	return len(a) - len(b)
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func TestTupleOrder(t *testing.T) {
	values := []string{"", "\x00", "\x00\x00", "\x00\x01", "\x00\xff", "\x01", "a", "a\x00", "a\x00b",
		"a\x01", "ab", "b", "\xff", "\xff\x00", "123456", "1234567"}
	var tuples [][]string
	for _, a := range values {
		tuples = append(tuples, []string{a})
		for _, b := range values {
			tuples = append(tuples, []string{a, b})
		}
	}
	for _, a := range tuples {
		for _, b := range tuples {
			want := sign(compareTuples(a, b))
			got := sign(bytes.Compare(appendTuple(nil, a...), appendTuple(nil, b...)))
			if got != want {
				t.Fatalf("order of %q vs %q: encodings compare %d, tuples %d", a, b, got, want)
			}
		}
	}
	// Sorting by encoding and by tuple gives the same sequence.
	byEnc := slices.Clone(tuples)
	sort.SliceStable(byEnc, func(i, j int) bool {
		return bytes.Compare(appendTuple(nil, byEnc[i]...), appendTuple(nil, byEnc[j]...)) < 0
	})
	byVal := slices.Clone(tuples)
	sort.SliceStable(byVal, func(i, j int) bool { return compareTuples(byVal[i], byVal[j]) < 0 })
	for i := range byEnc {
		if !slices.Equal(byEnc[i], byVal[i]) {
			t.Fatalf("position %d: by encoding %q, by value %q", i, byEnc[i], byVal[i])
		}
	}
}

// A tuple's encoding never is a prefix of another tuple's of the same arity
// unless they are equal, so index prefixes on values are exact.
func TestTuplePrefixFree(t *testing.T) {
	a := appendTuple(nil, "12")
	b := appendTuple(nil, "123")
	if bytes.HasPrefix(b, a) || bytes.HasPrefix(a, b) {
		t.Fatalf("%q and %q are prefixes", a, b)
	}
}

func FuzzTuple(f *testing.F) {
	f.Add("a", "b", []byte("a\x00\x01"))
	f.Add("a\x00", "", []byte("\x00\xff\x00\x01"))
	f.Add("", "\x00\x01", []byte("\x00"))
	f.Add("\xff", "\x00\xff", []byte("x\x00\x02"))
	f.Fuzz(func(t *testing.T, a, b string, raw []byte) {
		for _, vals := range [][]string{{a}, {b}, {a, b}, {b, a}, {a, "", b}} {
			got, ok := decodeTuple(appendTuple(nil, vals...))
			if !ok || !slices.Equal(got, vals) {
				t.Fatalf("round trip of %q = %q, %v", vals, got, ok)
			}
		}
		for _, p := range [][2][]string{{{a}, {b}}, {{a, b}, {b, a}}, {{a, b}, {a}}, {{a, ""}, {a, b}}} {
			want := sign(compareTuples(p[0], p[1]))
			if got := sign(bytes.Compare(appendTuple(nil, p[0]...), appendTuple(nil, p[1]...))); got != want {
				t.Fatalf("order of %q vs %q: encodings %d, tuples %d", p[0], p[1], got, want)
			}
		}
		// Any byte string either fails to decode or is the canonical
		// encoding of what it decodes to.
		if vals, ok := decodeTuple(raw); ok {
			if enc := appendTuple(nil, vals...); !bytes.Equal(enc, raw) {
				t.Fatalf("decodeTuple(%q) = %q, which encodes as %q", raw, vals, enc)
			}
		}
	})
}
