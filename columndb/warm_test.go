package columndb

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

func openWarm(t *testing.T, dir string, budget int64) *Store {
	t.Helper()
	s, err := Open(Options{Dir: dir, RowCacheBytes: budget, WarmRowCache: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// fillTables makes tables of rows each and deletes every seventh row, so
// the store holds tombstones the warm-up must not bring back.
func fillTables(t *testing.T, s *Store, tables, rows int) (live int) {
	t.Helper()
	for n := range tables {
		tb := debtors(t, s, fmt.Sprint("warm", n))
		batch := make([]Row, 0, rows)
		for i := range rows {
			batch = append(batch, debtor(tb, "colA", fmt.Sprintf("%06d", i), "colB", "01021990", "colC", fmt.Sprint(100+i)))
		}
		mustUpsert(t, s, tb, batch...)
		var gone []Row
		for i := 0; i < rows; i += 7 {
			gone = append(gone, debtor(tb, "colA", fmt.Sprintf("%06d", i)))
		}
		if _, err := s.Delete(tb, gone); err != nil {
			t.Fatal(err)
		}
		live += rows - len(gone)
	}
	return live
}

func TestWarmRowCache(t *testing.T) {
	tests := []struct {
		name         string
		budget       int64
		tables, rows int
		wantComplete int
		wantFull     bool
		wantEveryRow bool
		closeAtOnce  bool
	}{
		{"everything fits", 8 << 20, 3, 700, 3, false, true, false},
		{"no rows", 8 << 20, 0, 0, 0, false, true, false},
		{"cache too small", 32 << 10, 2, 3000, 0, true, false, false},
		{"closed while warming", 64 << 20, 2, 20000, 0, false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openStore(t, dir)
			live := fillTables(t, s, tt.tables, tt.rows)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s = openWarm(t, dir, tt.budget)
			if tt.closeAtOnce {
				if err := s.Close(); err != nil { // must stop the warm-up, not race it
					t.Fatal(err)
				}
				return
			}
			st := s.WarmStats()
			if st.Err != nil || st.Complete != tt.wantComplete || st.Full != tt.wantFull {
				t.Fatalf("warm-up: %+v, want %d complete tables, full %v", st, tt.wantComplete, tt.wantFull)
			}
			// A full cache may since have lost rows the warm-up put in.
			if n, _ := s.rows.size(); n > st.Rows || (!st.Full && n != st.Rows) {
				t.Fatalf("cache holds %d rows, warm-up reported %d", n, st.Rows)
			}
			if tt.wantEveryRow && st.Rows != live {
				t.Fatalf("warmed %d rows, the store holds %d", st.Rows, live)
			}
			for n := range tt.tables {
				tb, err := s.GetTable(1, fmt.Sprint("warm", n))
				if err != nil {
					t.Fatal(err)
				}
				if got := s.rows.isComplete(tb.Number); got != (tt.wantComplete > 0) {
					t.Fatalf("table %d complete = %v", n, got)
				}
				checkCacheAgainstBadger(t, s, tb, tt.rows+10)
			}
		})
	}
}

// TestWarmRowCacheBesideWrites reopens a store again and again and writes
// to it while the warm-up runs: afterwards every cached row is Badger's
// row, and a table marked complete has every row cached.
func TestWarmRowCacheBesideWrites(t *testing.T) {
	const rows = 4000
	dir := t.TempDir()
	s := openStore(t, dir)
	fillTables(t, s, 1, rows)
	rnd := rand.New(rand.NewPCG(1, 2))
	for round := range 6 {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s = openWarm(t, dir, 8<<20)
		tb, err := s.GetTable(1, "warm0")
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 40 {
				var up, del []Row
				for range 20 {
					inv := fmt.Sprintf("%06d", rnd.IntN(rows+200))
					if rnd.IntN(3) == 0 {
						del = append(del, debtor(tb, "colA", inv))
					} else {
						up = append(up, debtor(tb, "colA", inv, "colB", "01021990", "colC", fmt.Sprint(round*1000+rnd.IntN(1000))))
					}
				}
				if _, err := s.Upsert(tb, up); err != nil {
					t.Error(err)
					return
				}
				if _, err := s.Delete(tb, del); err != nil {
					t.Error(err)
					return
				}
			}
		}()
		st := s.WarmStats()
		wg.Wait()
		if st.Err != nil {
			t.Fatal(st.Err)
		}
		t.Logf("round %d: %+v", round, st)
		checkCacheAgainstBadger(t, s, tb, rows+200)
	}
}

// checkCacheAgainstBadger compares every cached row of tb's first keys with
// what Badger holds, reading Badger directly, not through the cache.
func checkCacheAgainstBadger(t *testing.T, s *Store, tb *Table, keys int) {
	t.Helper()
	complete := s.rows.isComplete(tb.Number)
	err := s.view(func(txn *badger.Txn) error {
		for i := range keys {
			key := appendTuple(appendRowPrefix(nil, tb.Number), fmt.Sprintf("%06d", i))
			var stored []byte
			item, err := txn.Get(key)
			switch {
			case errors.Is(err, badger.ErrKeyNotFound):
			case err != nil:
				return err
			default:
				if stored, err = item.ValueCopy(nil); err != nil {
					return err
				}
			}
			cached, _, hit := s.rows.get(key, nil)
			switch {
			case hit && stored == nil:
				t.Errorf("key %d: cached, but deleted in Badger", i)
			case hit && !bytes.Equal(cached, stored):
				t.Errorf("key %d: cached %q, Badger holds %q", i, cached, stored)
			case !hit && stored != nil && complete:
				t.Errorf("key %d: table marked complete, but the row is not cached", i)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestWarmPassesOverOversizeRow: a row too large to cache leaves its own
// table incomplete and nothing else: the warm-up goes on to the next rows
// and tables, and marks the others complete.
func TestWarmPassesOverOversizeRow(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	for _, name := range []string{"before", "big", "after"} {
		tb := debtors(t, s, name)
		rows := []Row{}
		for i := range 300 {
			rows = append(rows, debtor(tb, "colA", fmt.Sprintf("%06d", i), "colB", "01021990", "colC", "100"))
		}
		if name == "big" { // 20,000 digits: past a quarter of a 64 KiB shard ring
			rows[150] = debtor(tb, "colA", "000150", "colB", "01021990", "colF", strings.Repeat("7", 20000))
		}
		mustUpsert(t, s, tb, rows...)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openWarm(t, dir, 4<<20) // 64 KiB a shard
	st := s.WarmStats()
	if st.Err != nil || st.Full || st.Complete != 2 || st.Rows != 899 {
		t.Fatalf("warm-up: %+v, want 899 rows and 2 complete tables, not full", st)
	}
	for _, tt := range []struct {
		table    string
		complete bool
	}{{"before", true}, {"big", false}, {"after", true}} {
		tb, err := s.GetTable(1, tt.table)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.rows.isComplete(tb.Number); got != tt.complete {
			t.Errorf("%s: complete = %v, want %v", tt.table, got, tt.complete)
		}
		checkCacheAgainstBadger(t, s, tb, 310)
	}
}

// TestWarmMarksEmptyTablesComplete: a table with no rows at a restart is
// complete once the warm-up has run, so its first upload learns that its
// rows are new without reading Badger; a full cache marks none.
func TestWarmMarksEmptyTablesComplete(t *testing.T) {
	tests := []struct {
		name     string
		budget   int64
		complete bool
	}{
		{"cache with room", 8 << 20, true},
		{"cache filled by another table", 32 << 10, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openStore(t, dir)
			fillTables(t, s, 1, 3000)
			debtors(t, s, "empty")
			emptied := debtors(t, s, "emptied")
			mustUpsert(t, s, emptied, debtor(emptied, "colA", "111111", "colB", "01021990"))
			if _, err := s.Delete(emptied, []Row{debtor(emptied, "colA", "111111")}); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s = openWarm(t, dir, tt.budget)
			if st := s.WarmStats(); st.Err != nil || st.Full == tt.complete {
				t.Fatalf("warm-up: %+v", st)
			}
			for _, name := range []string{"empty", "emptied"} {
				tb, err := s.GetTable(1, name)
				if err != nil {
					t.Fatal(err)
				}
				if got := s.rows.isComplete(tb.Number); got != tt.complete {
					t.Fatalf("%s: complete = %v, want %v", name, got, tt.complete)
				}
				res := mustUpsert(t, s, tb, debtor(tb, "colA", "222222", "colB", "01021990"))
				if res.Inserted != 1 {
					t.Fatalf("%s: first upload after the restart: %+v", name, res)
				}
				checkCacheAgainstBadger(t, s, tb, 10)
			}
		})
	}
}
