package ivr

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

type parsedRow struct {
	fields map[string]string
	kinds  map[string]int
	ok     bool
}

func parseAll(body string) ([]parsedRow, error) {
	var rows []parsedRow
	err := parseRows([]byte(body), func(i int, fields []rawField, ok bool) {
		r := parsedRow{fields: map[string]string{}, kinds: map[string]int{}, ok: ok}
		for _, f := range fields {
			r.fields[f.key], r.kinds[f.key] = f.val, f.kind
		}
		rows = append(rows, r)
	})
	return rows, err
}

func TestParseRows(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		rows   int
		check  func(t *testing.T, rows []parsedRow)
		syntax bool
	}{
		{"one row", `{"colA":"123456"}`, 1, func(t *testing.T, r []parsedRow) {
			if r[0].fields["colA"] != "123456" {
				t.Fatal(r)
			}
		}, false},
		{"batch with whitespace", " [ {\"colA\" : \"1\"} ,\n{\"colA\":\"2\"} ]\n", 2, nil, false},
		{"empty batch", `[]`, 0, nil, false},
		{"number keeps its text", `{"colC":12.50,"colD":-0.5e2}`, 1, func(t *testing.T, r []parsedRow) {
			if r[0].fields["colC"] != "12.50" || r[0].kinds["colC"] != kindNumber || r[0].fields["colD"] != "-0.5e2" {
				t.Fatal(r)
			}
		}, false},
		{"escapes", `{"colF":"a\"b\\c\u00a3\ud83d\ude00\n"}`, 1, func(t *testing.T, r []parsedRow) {
			if r[0].fields["colF"] != "a\"b\\c£😀\n" {
				t.Fatalf("%q", r[0].fields["colF"])
			}
		}, false},
		{"null and nested values", `{"colA":null,"colB":{"x":[1,true]},"colC":false}`, 1, func(t *testing.T, r []parsedRow) {
			if r[0].kinds["colA"] != kindNull || r[0].kinds["colB"] != kindOther || r[0].kinds["colC"] != kindOther {
				t.Fatal(r)
			}
		}, false},
		{"element that is not an object", `[{"colA":"1"},7,"x"]`, 3, func(t *testing.T, r []parsedRow) {
			if !r[0].ok || r[1].ok || r[2].ok {
				t.Fatal(r)
			}
		}, false},
		{"trailing document", `{"colA":"1"}{"colA":"2"}`, 0, nil, true},
		{"trailing garbage", `[{"colA":"1"}] x`, 0, nil, true},
		{"truncated", `[{"colA":"1"`, 0, nil, true},
		{"bare string", `"colA"`, 0, nil, true},
		{"leading zero number", `{"colA":0123}`, 0, nil, true},
		{"control character", "{\"colA\":\"a\x01\"}", 0, nil, true},
		{"invalid utf8", "{\"colA\":\"\xff\"}", 0, nil, true},
		{"lone surrogate", `{"colA":"\ud800"}`, 0, nil, true},
		{"trailing comma", `[{"colA":"1"},]`, 0, nil, true},
		{"deep nesting", `{"colA":` + repeat("[", 100) + repeat("]", 100) + `}`, 0, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := parseAll(tt.body)
			var syn *SyntaxError
			if tt.syntax {
				if !errors.As(err, &syn) {
					t.Fatalf("want a syntax error, got %v (%d rows)", err, len(rows))
				}
				return
			}
			if err != nil || len(rows) != tt.rows {
				t.Fatalf("got %d rows, %v; want %d", len(rows), err, tt.rows)
			}
			if tt.check != nil {
				tt.check(t, rows)
			}
		})
	}
}

func repeat(s string, n int) string {
	out := ""
	for i := 0; i < n; i++ {
		out += s
	}
	return out
}

// FuzzParseRows holds the upload parser to encoding/json: whatever it
// accepts is valid JSON, and every string value it reads, and every
// number's literal, is the one encoding/json reads.
func FuzzParseRows(f *testing.F) {
	for _, s := range []string{`{"colA":"1"}`, `[{"colA":"1","colB":2.5},{"x":null}]`, `[]`, `{"a":"\u00e9"}`, `[{"a":{"b":[1,2]}}]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		rows, err := parseAll(string(body))
		if err != nil {
			return
		}
		if !json.Valid(body) {
			t.Fatalf("accepted invalid JSON %q", body)
		}
		var doc any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			t.Fatal(err)
		}
		objs, isArray := doc.([]any)
		if !isArray {
			objs = []any{doc}
		}
		if len(objs) != len(rows) {
			t.Fatalf("%d rows, encoding/json sees %d", len(rows), len(objs))
		}
		for i, o := range objs {
			m, ok := o.(map[string]any)
			if !ok {
				continue
			}
			for k, v := range m {
				// Both keep the last of duplicate keys, so values must agree.
				want, isStr := v.(string)
				if n, isNum := v.(json.Number); isNum {
					want, isStr = string(n), true // a number's literal, as written
				}
				if isStr && rows[i].fields[k] != want {
					t.Fatalf("row %d %q = %q, encoding/json reads %q", i, k, rows[i].fields[k], want)
				}
			}
		}
	})
}
