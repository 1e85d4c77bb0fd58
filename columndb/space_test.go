package columndb

import (
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
)

var errNoRoom = errors.New("test: no room")

// fakeSpace refuses every write while full, and counts what it is asked.
type fakeSpace struct {
	full  atomic.Bool
	asks  atomic.Int64
	bytes atomic.Int64
}

func (f *fakeSpace) Reserve(n int64) error {
	f.asks.Add(1)
	if f.full.Load() {
		return errNoRoom
	}
	f.bytes.Add(n)
	return nil
}

// A store whose disk is full refuses every write and keeps answering
// reads; once there is room again, writes resume.
func TestApplyAsksForSpace(t *testing.T) {
	space := &fakeSpace{}
	s, err := Open(Options{InMemory: true, RowCacheBytes: 8 << 20, TxnRows: 4, Space: space})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tb := debtors(t, s, "ivr/12")
	mustUpsert(t, s, tb, debtor(tb, "colA", "111111", "colB", "01011990"))
	if space.asks.Load() == 0 || space.bytes.Load() == 0 {
		t.Fatalf("writes asked %d times for %d bytes", space.asks.Load(), space.bytes.Load())
	}
	many := func(from int) []Row {
		var rows []Row
		for i := range 20 { // five transactions
			rows = append(rows, debtor(tb, "colA", fmt.Sprint(200000+from+i), "colB", "01011990"))
		}
		return rows
	}
	space.full.Store(true)
	writes := []struct {
		name  string
		write func() error
	}{
		{"upsert", func() error { _, err := s.Upsert(tb, many(0)[:1]); return err }},
		{"bulk upsert", func() error { _, err := s.Upsert(tb, many(0)); return err }},
		{"delete", func() error { _, err := s.Delete(tb, []Row{debtor(tb, "colA", "111111")}); return err }},
		{"document", func() error { return s.PutDoc("c", "k", 1, false) }},
		{"sequence", func() error { _, err := s.NextID("seq", 0); return err }},
		{"drop", func() error { return s.Apply(&Batch{Drops: [][]byte{tablePrefix(spaceRow, tb.Number)}}) }},
	}
	for _, w := range writes {
		t.Run(w.name, func(t *testing.T) {
			if err := w.write(); !errors.Is(err, errNoRoom) {
				t.Fatalf("got %v, want the space's refusal", err)
			}
		})
	}
	asks := space.asks.Load()
	if r, err := s.Get(tb, "111111"); err != nil {
		t.Fatalf("read on a full disk: %v", err)
	} else if v, _ := r.Get(1); v != "01011990" {
		t.Fatalf("colB = %q", v)
	}
	if _, err := s.Get(tb, "200000"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a refused row was stored: %v", err)
	}
	if space.asks.Load() != asks {
		t.Fatal("a read asked for space")
	}
	space.full.Store(false)
	if res := mustUpsert(t, s, tb, many(100)...); res.Inserted != 20 {
		t.Fatalf("after room was made: %+v", res)
	}
}
