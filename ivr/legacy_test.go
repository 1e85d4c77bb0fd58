package ivr

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/money"
)

// legacyCatalogKey is where the store keeps a table's schema: 'c', the
// tenant, the table's name (columndb's key layout, in the README).
func legacyCatalogKey(tenant int64, name string) []byte {
	return append(binary.BigEndian.AppendUint64([]byte{'c'}, uint64(tenant)), name...)
}

// A data folder written by the build before the caller rules left the
// engine opens with every role and digit range intact: the schema below is
// byte for byte what that build stored for the guide's database. Its
// rules still hold on the way in (a 5-digit invoice is refused), callers
// are found, and a narrower range is still refused once rows exist.
func TestLegacyDataFolder(t *testing.T) {
	const stored = `{"tenant":1234,"name":"ivr/0000000001","description":"Debtors","columns":[` +
		`{"id":"colA","name":"Invoice Number","type":"numeric","visible":true,"required":true,"primary_key":true,"ivr_field":"ref1","min_dtmf":6,"max_dtmf":6},` +
		`{"id":"colB","name":"Date of Birth","type":"date","format":"DDMMYYYY","visible":false,"required":true,"primary_key":false,"ivr_field":"ref2","min_dtmf":8,"max_dtmf":8},` +
		`{"id":"colC","name":"Balance","type":"currency","visible":true,"required":true,"primary_key":false,"ivr_field":"balance"}` +
		`],"created":"2026-01-02T03:04:05Z","updated":"2026-01-02T03:04:05Z","number":3}`
	dir := t.TempDir()
	store, err := columndb.Open(columndb.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Apply(&columndb.Batch{Ops: []columndb.Op{{Key: legacyCatalogKey(1234, "ivr/0000000001"), Value: []byte(stored)}}, Sync: true}); err != nil {
		t.Fatal(err)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	store, err = columndb.Open(columndb.Options{Dir: dir, RowCacheBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	cat := NewCatalog(store)
	s := NewService(store, cat, fakeClients{}, Config{})
	t.Cleanup(s.Close)

	db, err := cat.Get(1234, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := []Column{
		{ID: "colA", Name: "Invoice Number", Type: columndb.TypeNumeric, Visible: true, Required: true, PrimaryKey: true, IVRField: RoleRef1, MinDTMF: 6, MaxDTMF: 6},
		{ID: "colB", Name: "Date of Birth", Type: columndb.TypeDate, Format: columndb.DDMMYYYY, Required: true, IVRField: RoleRef2, MinDTMF: 8, MaxDTMF: 8},
		{ID: "colC", Name: "Balance", Type: columndb.TypeCurrency, Visible: true, Required: true, IVRField: RoleBalance},
	}
	if len(db.Columns) != len(want) {
		t.Fatalf("columns %+v", db.Columns)
	}
	for i := range want {
		if db.Columns[i] != want[i] {
			t.Errorf("column %d = %+v, want %+v", i, db.Columns[i], want[i])
		}
	}

	var problems RowProblems
	if err := s.SaveRow(1234, 1, map[string]string{"colA": "12345", "colB": "01021990", "colC": "£1"}); !errors.As(err, &problems) || problems["colA"] != "expected 6 digits, got 5" {
		t.Fatalf("a 5-digit invoice: %v", err)
	}
	if err := s.SaveRow(1234, 1, map[string]string{"colA": "123456", "colB": "01021990", "colC": "£12.50"}); err != nil {
		t.Fatal(err)
	}
	params := map[string]string{"ref1": "123456", "ref2": "01021990#"}
	res, err := s.Lookup(1234, 1, Query{Param: func(k string) (string, bool) { v, ok := params[k]; return v, ok }})
	if err != nil || res.Status != StatusFound {
		t.Fatalf("lookup = %+v, %v", res, err)
	}
	if a, ok := res.Record.Amounts(); !ok || money.Say(a.Balance) != "twelve pounds and fifty pence" {
		t.Fatalf("lookup amounts = %+v, %v", a, ok)
	}

	spec := DatabaseSpec{Description: db.Description, Columns: append([]Column(nil), db.Columns...)}
	spec.Columns[0].MinDTMF, spec.Columns[0].MaxDTMF = 5, 5
	_, err = cat.Update(1234, 1, spec)
	ps, _ := columndb.ProblemsOf(err)
	if !errors.Is(err, ErrConflict) || len(ps) != 1 || ps[0].Column != "colA" || ps[0].Field != "max_dtmf" {
		t.Fatalf("narrowing a legacy range with rows stored: %v (%+v), want ErrConflict on colA's max_dtmf", err, ps)
	}
}
