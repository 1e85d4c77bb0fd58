package columndb

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"testing"
)

// openStore opens a store in dir (in memory when dir is empty) and closes it
// when the test ends, unless the test closed it first.
func openStore(t testing.TB, dir string) *Store {
	t.Helper()
	// The row cache is on, as serve runs: every test also checks that it
	// agrees with the store.
	s, err := Open(Options{Dir: dir, InMemory: dir == "", RowCacheBytes: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			s.Close()
		}
	})
	return s
}

// reopen closes s and opens the same directory again.
func reopen(t *testing.T, s *Store, dir string) *Store {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return openStore(t, dir)
}

// debtors creates the guide's caller database (plus an optional account
// column) with a lookup index over its first two columns, as a caller
// database keyed elsewhere has.
func debtors(t testing.TB, s *Store, name string, extra ...Index) *Table {
	t.Helper()
	cols := append(guideColumns(), Column{ID: "colF", Name: "Account", Type: TypeNumeric})
	NormalizeColumns(cols)
	idx := Index{Name: LookupIndex, Columns: []string{"colA", "colB"}}
	tb, err := s.CreateTable(Table{Tenant: 1, Name: name, Columns: cols, Indexes: append([]Index{idx}, extra...)})
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// debtor builds a row of the guide table from id=value pairs.
func debtor(t *Table, kv ...string) Row {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return rowOf(t, m)
}

func mustUpsert(t testing.TB, s *Store, tb *Table, rows ...Row) UpsertResult {
	t.Helper()
	res, err := s.Upsert(tb, rows)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Invalid) > 0 {
		t.Fatalf("Upsert refused rows: %+v", res.Invalid)
	}
	return res
}

func wantCount(t *testing.T, s *Store, tb *Table, want int64) {
	t.Helper()
	if n, err := s.RowCount(tb); err != nil || n != want {
		t.Fatalf("RowCount = %d, %v; want %d", n, err, want)
	}
}

// lookupPKs returns the primary keys (colA) of the rows an index finds.
func lookupPKs(t *testing.T, s *Store, tb *Table, index string, vals ...string) []string {
	t.Helper()
	rows, err := s.Lookup(tb, index, vals, 10)
	if err != nil {
		t.Fatalf("Lookup(%s, %q): %v", index, vals, err)
	}
	var pks []string
	for _, r := range rows {
		v, _ := r.Get(0)
		pks = append(pks, v)
	}
	return pks
}

func TestStoreModes(t *testing.T) {
	for _, mode := range []struct {
		name string
		dir  func(*testing.T) string
	}{
		{"on disk", func(t *testing.T) string { return t.TempDir() }},
		{"in memory", func(*testing.T) string { return "" }},
	} {
		t.Run(mode.name, func(t *testing.T) {
			s := openStore(t, mode.dir(t))
			tb := debtors(t, s, "ivr/12")
			mustUpsert(t, s, tb,
				debtor(tb, "colA", "123456", "colB", "01021990", "colC", "1250"),
				debtor(tb, "colA", "654321", "colB", "02021990", "colC", "99"))
			wantCount(t, s, tb, 2)
			if got := lookupPKs(t, s, tb, LookupIndex, "123456", "01021990"); !slices.Equal(got, []string{"123456"}) {
				t.Fatalf("lookup = %q", got)
			}
			if err := s.DropTable(1, "ivr/12"); err != nil {
				t.Fatal(err)
			}
			tb = debtors(t, s, "ivr/12")
			wantCount(t, s, tb, 0)
			if got := lookupPKs(t, s, tb, LookupIndex, "123456", "01021990"); len(got) != 0 {
				t.Fatalf("dropped row found through the new table's index: %q", got)
			}
		})
	}
}

func TestCreateTable(t *testing.T) {
	s := openStore(t, "")
	tb := debtors(t, s, "ivr/12")
	if tb.Number == 0 || tb.Created.IsZero() || !tb.Created.Equal(tb.Updated) {
		t.Fatalf("new table: number %d created %v updated %v", tb.Number, tb.Created, tb.Updated)
	}
	got, err := s.GetTable(1, "ivr/12")
	if err != nil || got.Number != tb.Number || len(got.Columns) != 6 {
		t.Fatalf("GetTable = %+v, %v", got, err)
	}
	if _, err := s.GetTable(1, "ivr/13"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetTable of a missing table: %v, want ErrNotFound", err)
	}
	if _, err := s.GetTable(2, "ivr/12"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetTable of another tenant's table: %v, want ErrNotFound", err)
	}
	if _, err := s.CreateTable(Table{Tenant: 1, Name: "ivr/12", Columns: guideColumns()}); !errors.Is(err, ErrExists) {
		t.Fatalf("second create: %v, want ErrExists", err)
	}
	other, err := s.CreateTable(Table{Tenant: 2, Name: "ivr/12", Columns: guideColumns()})
	if err != nil || other.Number == tb.Number {
		t.Fatalf("same name for another tenant: %+v, %v", other, err)
	}
	canon, err := s.CreateTable(Table{Tenant: 1, Name: "canon", Columns: []Column{{ID: "cola", Type: "TEXT", PrimaryKey: true}}})
	if err != nil || canon.Columns[0].ID != "colA" || canon.Columns[0].Type != TypeText {
		t.Fatalf("columns not canonicalised: %+v, %v", canon, err)
	}
}

func TestCreateTableInvalid(t *testing.T) {
	pk := Column{ID: "colA", Type: TypeText, PrimaryKey: true, Required: true}
	for _, tt := range []struct {
		name string
		t    Table
	}{
		{"empty name", Table{Columns: []Column{pk}}},
		{"nul in name", Table{Name: "a\x00b", Columns: []Column{pk}}},
		{"no primary key", Table{Name: "t", Columns: []Column{{ID: "colA", Type: TypeText}}}},
		{"no columns", Table{Name: "t"}},
		{"duplicate ids", Table{Name: "t", Columns: []Column{pk, {ID: "COLA", Type: TypeText}}}},
		{"empty id", Table{Name: "t", Columns: []Column{pk, {Type: TypeText}}}},
		{"unknown type", Table{Name: "t", Columns: []Column{pk, {ID: "colB", Type: "blob"}}}},
		{"index over missing column", Table{Name: "t", Columns: []Column{pk}, Indexes: []Index{{Name: "x", Columns: []string{"colB"}}}}},
		{"too many indexes", Table{Name: "t", Columns: []Column{pk}, Indexes: make([]Index, 251)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := openStore(t, "")
			_, err := s.CreateTable(tt.t)
			var se *SchemaError
			if !errors.As(err, &se) || len(se.Problems) == 0 {
				t.Fatalf("CreateTable = %v, want *SchemaError", err)
			}
			if tables, _ := s.ListTables(0, ""); len(tables) != 0 {
				t.Fatalf("refused table stored: %+v", tables)
			}
		})
	}
}

func TestListTables(t *testing.T) {
	s := openStore(t, "")
	cols := func() []Column { return []Column{{ID: "colA", Type: TypeText, PrimaryKey: true, Required: true}} }
	for _, tn := range []struct {
		tenant int64
		name   string
	}{{1, "ivr/2"}, {1, "ivr/10"}, {1, "customers"}, {2, "ivr/1"}, {256, "ivr/3"}} {
		if _, err := s.CreateTable(Table{Tenant: tn.tenant, Name: tn.name, Columns: cols()}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		tenant int64
		prefix string
		want   []string
	}{
		{1, "ivr/", []string{"ivr/10", "ivr/2"}},
		{1, "", []string{"customers", "ivr/10", "ivr/2"}},
		{1, "ivr/1", []string{"ivr/10"}},
		{2, "", []string{"ivr/1"}},
		{256, "", []string{"ivr/3"}},
		{3, "", nil},
		{1, "x", nil},
	} {
		tables, err := s.ListTables(tt.tenant, tt.prefix)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, tb := range tables {
			names = append(names, tb.Name)
			if _, ok := tb.ColumnIndex("colA"); !ok {
				t.Errorf("listed table %s has no column index", tb.Name)
			}
		}
		if !slices.Equal(names, tt.want) {
			t.Errorf("ListTables(%d, %q) = %q, want %q", tt.tenant, tt.prefix, names, tt.want)
		}
	}
}

func TestDropTable(t *testing.T) {
	s := openStore(t, t.TempDir())
	tb := debtors(t, s, "ivr/12")
	keep := debtors(t, s, "ivr/13")
	for _, x := range []*Table{tb, keep} {
		mustUpsert(t, s, x,
			debtor(x, "colA", "111111", "colB", "01011990"),
			debtor(x, "colA", "222222", "colB", "02011990"))
	}
	if err := s.DropTable(1, "ivr/12"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetTable(1, "ivr/12"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetTable after drop: %v", err)
	}
	if err := s.DropTable(1, "ivr/12"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second drop: %v, want ErrNotFound", err)
	}
	again := debtors(t, s, "ivr/12")
	if again.Number == tb.Number {
		t.Fatalf("recreated table reuses number %d", tb.Number)
	}
	wantCount(t, s, again, 0)
	if page, err := s.Scan(again, "", "", 10); err != nil || len(page.Rows) != 0 {
		t.Fatalf("recreated table scan = %d rows, %v", len(page.Rows), err)
	}
	if _, err := s.Get(again, "111111"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("old row visible in recreated table: %v", err)
	}
	// The neighbour is untouched.
	wantCount(t, s, keep, 2)
	if got := lookupPKs(t, s, keep, LookupIndex, "222222", "02011990"); !slices.Equal(got, []string{"222222"}) {
		t.Fatalf("neighbour lookup = %q", got)
	}
}

func TestSequences(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	next := func(name string, start, want int64) {
		t.Helper()
		if got, err := s.NextID(name, start); err != nil || got != want {
			t.Fatalf("NextID(%s, %d) = %d, %v; want %d", name, start, got, err, want)
		}
	}
	next("client", 0, 1)
	next("client", 0, 2)
	next("client", 100, 101) // a start beyond the last jumps ahead
	next("client", 0, 102)   // and never goes back
	next("dbid", 1000, 1001) // sequences are independent
	if err := s.ReserveID("customer", 50); err != nil {
		t.Fatal(err)
	}
	next("customer", 0, 51)
	if err := s.ReserveID("customer", 10); err != nil { // below the last: no effect
		t.Fatal(err)
	}
	next("customer", 0, 52)
	if err := s.ReserveID("customer", 52); err != nil {
		t.Fatal(err)
	}
	next("customer", 0, 53)
	s = reopen(t, s, dir)
	next("client", 0, 103)
	next("customer", 0, 54)
}

type client struct {
	Name string `json:"name"`
	Cid  int64  `json:"cid"`
}

func TestDocs(t *testing.T) {
	s := openStore(t, "")
	if err := s.PutDoc("clients", "1234", client{"Acme", 1234}, true); err != nil {
		t.Fatal(err)
	}
	if err := s.PutDoc("clients", "1234", client{"Other", 1234}, true); !errors.Is(err, ErrExists) {
		t.Fatalf("create over existing: %v, want ErrExists", err)
	}
	if err := s.PutDoc("clients", "1234", client{"Acme Ltd", 1234}, false); err != nil {
		t.Fatal(err)
	}
	var c client
	if err := s.GetDoc("clients", "1234", &c); err != nil || c != (client{"Acme Ltd", 1234}) {
		t.Fatalf("GetDoc = %+v, %v", c, err)
	}
	if err := s.GetDoc("clients", "9999", &c); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetDoc missing: %v, want ErrNotFound", err)
	}
	var wrong []int
	if err := s.GetDoc("clients", "1234", &wrong); err == nil || errors.Is(err, ErrNotFound) {
		t.Fatalf("GetDoc into the wrong type: %v", err)
	}
	if err := s.PutDoc("clients", "bad", func() {}, false); err == nil {
		t.Fatal("PutDoc of an unencodable value succeeded")
	}
	// Neighbouring collections whose names share a prefix stay apart.
	for _, kv := range []struct{ coll, key string }{{"clients", "0042"}, {"clients", "5"}, {"clientsX", "1"}, {"client", "s"}} {
		if err := s.PutDoc(kv.coll, kv.key, client{Name: kv.coll + "/" + kv.key}, false); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]string{}
	var order []string
	err := s.EachDoc("clients", func(k string, v []byte) error {
		var c client
		if err := json.Unmarshal(v, &c); err != nil {
			return err
		}
		got[k] = c.Name
		order = append(order, k)
		return nil
	})
	want := map[string]string{"0042": "clients/0042", "1234": "Acme Ltd", "5": "clients/5"}
	if err != nil || !maps.Equal(got, want) || !slices.Equal(order, []string{"0042", "1234", "5"}) {
		t.Fatalf("EachDoc = %q in order %q, %v; want %q", got, order, err, want)
	}
	stop := errors.New("stop")
	calls := 0
	if err := s.EachDoc("clients", func(string, []byte) error { calls++; return stop }); !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("EachDoc stopping: %v after %d calls", err, calls)
	}
	if err := s.DeleteDoc("clients", "1234"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteDoc("clients", "1234"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v, want ErrNotFound", err)
	}
	if err := s.GetDoc("clients", "1234", &c); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetDoc after delete: %v", err)
	}
	if err := s.PutDoc("clients", "1234", client{"Back", 1}, true); err != nil {
		t.Fatalf("create after delete: %v", err)
	}
}

func TestDurability(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	tb := debtors(t, s, "ivr/12", Index{Name: "byAccount", Columns: []string{"colF"}})
	mustUpsert(t, s, tb,
		debtor(tb, "colA", "123456", "colB", "01021990", "colC", "1250", "colF", "77"),
		debtor(tb, "colA", "654321", "colB", "02021990", "colF", "77"),
		debtor(tb, "colA", "000001", "colB", "03021990"))
	if _, err := s.Delete(tb, []Row{debtor(tb, "colA", "000001")}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutDoc("clients", "1", client{"Acme", 1}, true); err != nil {
		t.Fatal(err)
	}
	s = reopen(t, s, dir)
	tb2, err := s.GetTable(1, "ivr/12")
	if err != nil {
		t.Fatal(err)
	}
	if tb2.Number != tb.Number || !slices.Equal(tb2.Columns, tb.Columns) || len(tb2.Indexes) != 2 {
		t.Fatalf("schema after reopen: %+v", tb2)
	}
	wantCount(t, s, tb2, 2)
	r, err := s.Get(tb2, "123456")
	if err != nil {
		t.Fatal(err)
	}
	if m := r.Map(tb2); m["colC"] != "1250" || m["colB"] != "01021990" {
		t.Fatalf("row after reopen: %q", m)
	}
	if _, err := s.Get(tb2, "000001"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted row after reopen: %v", err)
	}
	if got := lookupPKs(t, s, tb2, LookupIndex, "654321", "02021990"); !slices.Equal(got, []string{"654321"}) {
		t.Fatalf("lookup after reopen = %q", got)
	}
	if got := lookupPKs(t, s, tb2, "byAccount", "77"); !slices.Equal(got, []string{"123456", "654321"}) {
		t.Fatalf("secondary lookup after reopen = %q", got)
	}
	var c client
	if err := s.GetDoc("clients", "1", &c); err != nil || c.Name != "Acme" {
		t.Fatalf("doc after reopen: %+v, %v", c, err)
	}
	if other := debtors(t, s, "ivr/13"); other.Number <= tb.Number {
		t.Fatalf("table number %d reused after reopen (had %d)", other.Number, tb.Number)
	}
}

// TestOpenWithWrongKey: an encrypted store opened with another key, or with
// none, is refused with ErrWrongKey, which serve turns into advice.
func TestOpenWithWrongKey(t *testing.T) {
	dir := t.TempDir()
	key := bytes.Repeat([]byte{7}, 32)
	s, err := Open(Options{Dir: dir, EncryptionKey: key})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		key  []byte
	}{
		{"no key", nil},
		{"another key", bytes.Repeat([]byte{8}, 32)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(Options{Dir: dir, EncryptionKey: tt.key})
			if err == nil {
				s.Close()
				t.Fatal("opened")
			}
			if !errors.Is(err, ErrWrongKey) {
				t.Fatalf("error %v, want ErrWrongKey", err)
			}
		})
	}
	s, err = Open(Options{Dir: dir, EncryptionKey: key})
	if err != nil {
		t.Fatalf("the right key: %v", err)
	}
	s.Close()
}

// TestOpenHeldStore: a folder another open store holds is refused with
// ErrLocked, which a command turns into "stop tonebase serve first"; once
// it is closed the folder opens.
func TestOpenHeldStore(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if again, err := Open(Options{Dir: dir}); !errors.Is(err, ErrLocked) {
		if again != nil {
			again.Close()
		}
		t.Fatalf("a held folder: %v, want ErrLocked", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(Options{Dir: dir})
	if err != nil {
		t.Fatalf("after the holder closed: %v", err)
	}
	s.Close()
}
