package columndb

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

func TestApply(t *testing.T) {
	tests := []struct {
		name  string
		batch func(tb *Table) *Batch
		check func(t *testing.T, s *Store, tb *Table)
	}{
		{"row put reaches reads and the row cache", func(tb *Table) *Batch {
			r := debtor(tb, "colA", "123456", "colB", "01021990")
			pk, _, _ := tb.pkBytes(r)
			return &Batch{Ops: []Op{{Key: rowKey(tb.Number, pk), Value: encodeRow(nil, tb, r)}}, Sync: true}
		}, func(t *testing.T, s *Store, tb *Table) {
			r, err := s.Get(tb, "123456")
			if err != nil {
				t.Fatal(err)
			}
			if v, _ := r.Get(1); v != "01021990" {
				t.Fatalf("colB = %q", v)
			}
			pk, _, _ := tb.pkBytes(r)
			if _, _, ok := s.rows.get(rowKey(tb.Number, pk), nil); !ok {
				t.Fatal("row not in the row cache")
			}
		}},
		{"row delete leaves the row cache", func(tb *Table) *Batch {
			pk := appendTuple(nil, "111111")
			return &Batch{Ops: []Op{{Key: rowKey(tb.Number, pk), Delete: true}}}
		}, func(t *testing.T, s *Store, tb *Table) {
			if _, err := s.Get(tb, "111111"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Get after delete: %v", err)
			}
		}},
		{"drops run after the ops", func(tb *Table) *Batch {
			return &Batch{Ops: []Op{{Key: docKey("c", "k"), Value: []byte(`1`)}},
				Drops: [][]byte{tablePrefix(spaceRow, tb.Number)}}
		}, func(t *testing.T, s *Store, tb *Table) {
			var v int
			if err := s.GetDoc("c", "k", &v); err != nil || v != 1 {
				t.Fatalf("doc = %d, %v", v, err)
			}
			if _, err := s.Get(tb, "111111"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("row survived its range's drop: %v", err)
			}
		}},
		{"empty batch", func(*Table) *Batch { return &Batch{Sync: true} }, func(t *testing.T, s *Store, tb *Table) {
			if _, err := s.Get(tb, "111111"); err != nil {
				t.Fatalf("empty batch changed a row: %v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openStore(t, "")
			tb := debtors(t, s, "ivr/12")
			mustUpsert(t, s, tb, debtor(tb, "colA", "111111", "colB", "01011990"))
			if err := s.Apply(tt.batch(tb)); err != nil {
				t.Fatalf("Apply: %v", err)
			}
			tt.check(t, s, tb)
		})
	}
}

// A batch too large for one transaction is refused whole.
func TestApplyAllOrNothing(t *testing.T) {
	s := openStore(t, "")
	b := &Batch{}
	big := make([]byte, 64<<10) // under Badger's value threshold: an in-memory store keeps values inline
	for i := range 400 {
		b.Put(docKey("c", fmt.Sprintf("%04d", i)), big)
	}
	if err := s.Apply(b); err == nil {
		t.Fatal("a batch past Badger's transaction limit was applied")
	}
	n := 0
	_ = s.EachDoc("c", func(string, []byte) error { n++; return nil })
	if n != 0 {
		t.Fatalf("%d puts of a refused batch stored", n)
	}
}

// Every write method is a preparer over Apply: a batch holds everything
// it needs, so the ops one store applied, applied to another, give the
// same keys and values.
func TestBatchesReplay(t *testing.T) {
	a := openStore(t, "")
	tb := debtors(t, a, "ivr/12")
	mustUpsert(t, a, tb, debtor(tb, "colA", "111111", "colB", "01011990", "colC", "100"),
		debtor(tb, "colA", "222222", "colB", "02011990"))
	if _, err := a.Delete(tb, []Row{debtor(tb, "colA", "222222")}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.NextID("seq", 10); err != nil {
		t.Fatal(err)
	}
	if err := a.PutDoc("c", "k", map[string]int{"x": 1}, true); err != nil {
		t.Fatal(err)
	}
	// Replay everything a holds as one batch into b: the keys are the state.
	b := openStore(t, "")
	var batch Batch
	err := a.view(func(txn *badgerTxn) error {
		it := txn.NewIterator(badgerIteratorOptions())
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			batch.Put(it.Item().KeyCopy(nil), v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Apply(&batch); err != nil {
		t.Fatal(err)
	}
	got, err := b.GetTable(1, "ivr/12")
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := b.RowCount(got); n != 1 {
		t.Fatalf("replayed row count %d, want 1", n)
	}
	if got := lookupPKs(t, b, got, LookupIndex, "111111", "01011990"); !slices.Equal(got, []string{"111111"}) {
		t.Fatalf("replayed lookup = %v", got)
	}
	if id, err := b.NextID("seq", 0); err != nil || id != 12 {
		t.Fatalf("replayed sequence gives %d, %v; want 12", id, err)
	}
}

type badgerTxn = badger.Txn

func badgerIteratorOptions() badger.IteratorOptions {
	return badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 16}
}
