package columndb

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// legacySchema is a caller database's schema as the build before owner
// attributes stored it: the caller roles sit among the engine's keys.
const legacySchema = `{"tenant":1001,"name":"ivr/0000000001","description":"Debtors","columns":[` +
	`{"id":"colA","name":"Invoice Number","type":"numeric","visible":true,"required":true,"primary_key":true,"ivr_field":"ref1","min_dtmf":6,"max_dtmf":6},` +
	`{"id":"colB","name":"Date of Birth","type":"date","format":"DDMMYYYY","visible":false,"required":true,"primary_key":false,"ivr_field":"ref2","min_dtmf":8,"max_dtmf":8},` +
	`{"id":"colC","name":"Balance","type":"currency","visible":true,"required":true,"primary_key":false,"ivr_field":"balance"}` +
	`],"created":"2026-01-02T03:04:05Z","updated":"2026-01-02T03:04:05Z","number":7}`

func TestLegacySchemaKeepsOwnerKeys(t *testing.T) {
	var tb Table
	if err := json.Unmarshal([]byte(legacySchema), &tb); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		id    string
		attrs map[string]string
	}{
		{"colA", map[string]string{"ivr_field": `"ref1"`, "min_dtmf": "6", "max_dtmf": "6"}},
		{"colB", map[string]string{"ivr_field": `"ref2"`, "min_dtmf": "8", "max_dtmf": "8"}},
		{"colC", map[string]string{"ivr_field": `"balance"`}},
	}
	for i, w := range want {
		c := tb.Columns[i]
		got := map[string]string{}
		for k, v := range c.Attrs.Map() {
			got[k] = string(v)
		}
		if c.ID != w.id || len(got) != len(w.attrs) {
			t.Fatalf("column %d: %s %v, want %s %v", i, c.ID, got, w.id, w.attrs)
		}
		for k, v := range w.attrs {
			if got[k] != v {
				t.Errorf("%s: attr %s = %s, want %s", c.ID, k, got[k], v)
			}
		}
	}
	if c := tb.Columns[1]; c.Type != TypeDate || c.Format != DDMMYYYY || !c.Required || c.Visible || c.PrimaryKey {
		t.Errorf("engine fields of colB: %+v", c)
	}
	// Stored again, the schema says the same: an older build reads it too.
	b, err := json.Marshal(&tb)
	if err != nil {
		t.Fatal(err)
	}
	var back, orig map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal([]byte(legacySchema), &orig)
	if gb, _ := json.Marshal(back); string(gb) != func() string { ob, _ := json.Marshal(orig); return string(ob) }() {
		t.Fatalf("schema changed through a round trip:\n got %s\nwant %s", b, legacySchema)
	}
}

func TestLegacySchemaStoredAndReopened(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	// Written as the older build wrote it: straight into the catalog.
	key := catalogKey(1001, "ivr/0000000001")
	if err := s.Apply(&Batch{Ops: []Op{{Key: key, Value: []byte(legacySchema)}}, Sync: true}); err != nil {
		t.Fatal(err)
	}
	s = reopen(t, s, dir)
	tb, err := s.GetTable(1001, "ivr/0000000001")
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := tb.Columns[0].Attrs.Get("min_dtmf"); !ok || string(v) != "6" {
		t.Fatalf("min_dtmf after reopening = %s, %v", v, ok)
	}
}

func TestMakeAttrs(t *testing.T) {
	tests := []struct {
		name    string
		in      map[string]json.RawMessage
		want    string
		wantErr string
	}{
		{"none", nil, "", ""},
		{"sorted and compacted", map[string]json.RawMessage{"b": json.RawMessage(` 2 `), "a": json.RawMessage(`"x"`)}, `{"a":"x","b":2}`, ""},
		{"engine's key", map[string]json.RawMessage{"Type": json.RawMessage(`"x"`)}, "", "name taken"},
		{"not JSON", map[string]json.RawMessage{"a": json.RawMessage(`{`)}, "", "not a JSON value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := MakeAttrs(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("MakeAttrs = %v, want error %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || a.raw != tt.want {
				t.Fatalf("MakeAttrs = %q, %v; want %q", a.raw, err, tt.want)
			}
		})
	}
}

func FuzzColumnJSON(f *testing.F) {
	f.Add(`{"id":"colA","name":"A","type":"numeric","visible":true,"required":true,"primary_key":true,"ivr_field":"ref1","min_dtmf":6}`)
	f.Add(`{"id":"colB","type":"date","format":"DDMMYYYY","x":[1,{"y":null}]}`)
	f.Add(`{"ID":"colC","Type":"text"}`)
	f.Fuzz(func(t *testing.T, in string) {
		var c Column
		if err := json.Unmarshal([]byte(in), &c); err != nil {
			return
		}
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("Marshal of %+v from %s: %v", c, in, err)
		}
		var again Column
		if err := json.Unmarshal(b, &again); err != nil || again != c {
			t.Fatalf("round trip of %s: %s gives %+v, %v; want %+v", in, b, again, err, c)
		}
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range c.Attrs.Map() {
				if !yield(k) {
					return
				}
			}
		})
		for _, k := range keys {
			if knownColumnKey(k) {
				t.Fatalf("engine key %q folded into attrs from %s", k, in)
			}
		}
	})
}
