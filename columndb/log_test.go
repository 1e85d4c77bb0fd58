package columndb

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// debit returns a ModifyFunc taking n off colC (the balance), refusing to
// go below zero, with the entry "seq:n".
func debit(tb *Table, n int64) ModifyFunc {
	return func(cur Row, found bool, seq uint64) (Row, []byte, error) {
		if !found {
			return Row{}, nil, ErrNotFound
		}
		pos, _ := tb.ColumnIndex("colC")
		v, _ := cur.Get(pos)
		bal, _ := strconv.ParseInt(v, 10, 64)
		if bal < n {
			return Row{}, nil, errBelowZero
		}
		next := CloneRow(cur)
		next.Set(pos, strconv.FormatInt(bal-n, 10))
		return next, fmt.Appendf(nil, "%d:%d", seq, n), nil
	}
}

var errBelowZero = errors.New("would go below zero")

func balance(t *testing.T, s *Store, tb *Table, pk string) string {
	t.Helper()
	r, err := s.Get(tb, pk)
	if err != nil {
		t.Fatal(err)
	}
	pos, _ := tb.ColumnIndex("colC")
	v, _ := r.Get(pos)
	return v
}

func TestModify(t *testing.T) {
	s := openStore(t, "")
	tb := debtors(t, s, "ivr/1")
	mustUpsert(t, s, tb, debtor(tb, "colA", "123456", "colB", "01021990", "colC", "1250"))

	e, err := s.Modify(tb, []string{"123456"}, "PSP-1", debit(tb, 250))
	if err != nil {
		t.Fatal(err)
	}
	if e.Seq != 1 || string(e.Value) != "1:250" || e.Key != "PSP-1" {
		t.Fatalf("entry = %+v", e)
	}
	if got := balance(t, s, tb, "123456"); got != "1000" {
		t.Fatalf("balance %s, want 1000", got)
	}
	tests := []struct {
		name    string
		pk, key string
		fn      ModifyFunc
		want    error
		balance string
	}{
		{name: "key used again", pk: "123456", key: "PSP-1", fn: debit(tb, 1), want: ErrLogKeyUsed, balance: "1000"},
		{name: "refused by fn", pk: "123456", key: "PSP-2", fn: debit(tb, 5000), want: errBelowZero, balance: "1000"},
		{name: "no such row", pk: "999999", key: "PSP-3", fn: debit(tb, 1), want: ErrNotFound, balance: "1000"},
		{name: "primary key changed", pk: "123456", key: "PSP-4", fn: func(cur Row, _ bool, _ uint64) (Row, []byte, error) {
			next := CloneRow(cur)
			next.Set(0, "654321")
			return next, nil, nil
		}, want: ErrInvalidRow, balance: "1000"},
		{name: "panics", pk: "123456", key: "PSP-6", fn: func(Row, bool, uint64) (Row, []byte, error) {
			panic("a bug in the change")
		}, want: ErrModifyPanicked, balance: "1000"},
		{name: "no key", pk: "123456", fn: debit(tb, 100), balance: "900"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Modify(tb, []string{tt.pk}, tt.key, tt.fn)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Modify = %v, want %v", err, tt.want)
			}
			if got := balance(t, s, tb, "123456"); got != tt.balance {
				t.Fatalf("balance %s, want %s", got, tt.balance)
			}
		})
	}
	var used *LogKeyError
	_, err = s.Modify(tb, []string{"123456"}, "PSP-1", debit(tb, 1))
	if !errors.As(err, &used) || used.Entry.Seq != 1 || string(used.Entry.Value) != "1:250" {
		t.Fatalf("reused key: %v, want the first entry", err)
	}
	got, err := s.LogByKey(tb, "PSP-1")
	if err != nil || got.Seq != 1 || got.PK[0] != "123456" {
		t.Fatalf("LogByKey = %+v, %v", got, err)
	}
	if _, err := s.LogByKey(tb, "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("LogByKey(nope) = %v, want ErrNotFound", err)
	}
	es, more, err := s.LogAfter(tb, 0, 10)
	if err != nil || more || len(es) != 2 || es[1].Seq != 2 || es[1].Key != "" {
		t.Fatalf("LogAfter = %+v, %v, %v", es, more, err)
	}

	// A schema changed since the table was read is stale, as for upserts.
	next := *tb
	next.Description = "changed"
	if _, err := s.UpdateTable(next); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Modify(tb, []string{"123456"}, "PSP-5", debit(tb, 1)); !errors.Is(err, ErrStale) {
		t.Fatalf("stale table: %v, want ErrStale", err)
	}
}

// TestModifyConcurrent debits one row from many goroutines, each key
// twice: the balance never goes below zero, no key debits twice, and every
// debit made is in the log.
func TestModifyConcurrent(t *testing.T) {
	s := openStore(t, "")
	tb := debtors(t, s, "ivr/1")
	mustUpsert(t, s, tb, debtor(tb, "colA", "123456", "colB", "01021990", "colC", "1000"))
	const workers, each = 16, 20 // 320 tries of 7 at 1000: 142 can succeed
	var mu sync.Mutex
	made := map[string]uint64{}
	var wg sync.WaitGroup
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				key := fmt.Sprintf("k%d", (g*each+i)/2) // two goroutines' worth of tries share a key
				e, err := s.Modify(tb, []string{"123456"}, key, debit(tb, 7))
				switch {
				case err == nil:
					mu.Lock()
					if _, dup := made[key]; dup {
						t.Errorf("key %s debited twice", key)
					}
					made[key] = e.Seq
					mu.Unlock()
				case errors.Is(err, ErrLogKeyUsed), errors.Is(err, errBelowZero):
				default:
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	left, _ := strconv.Atoi(balance(t, s, tb, "123456"))
	if left < 0 || left != 1000-7*len(made) {
		t.Fatalf("balance %d after %d debits of 7 from 1000", left, len(made))
	}
	if len(made) != 1000/7 {
		t.Fatalf("%d debits succeeded, want %d: the row ran dry early", len(made), 1000/7)
	}
	es, _, err := s.LogAfter(tb, 0, 1000)
	if err != nil || len(es) != len(made) {
		t.Fatalf("log holds %d entries (%v), want %d", len(es), err, len(made))
	}
	for i, e := range es {
		if e.Seq != uint64(i+1) || made[e.Key] != e.Seq {
			t.Fatalf("entry %d = %+v, made as %d", i, e, made[e.Key])
		}
	}
}

// TestLogOverwritten: an entry is overwritten once something other than
// the log writes its row, and stays so; a rewrite of the same values or an
// admin moving columns is no write.
func TestLogOverwritten(t *testing.T) {
	s := openStore(t, "")
	tb := debtors(t, s, "ivr/1")
	row := func(pk, bal string) Row { return debtor(tb, "colA", pk, "colB", "01021990", "colC", bal) }
	mustUpsert(t, s, tb, row("111111", "1000"), row("222222", "1000"), row("333333", "1000"))
	mod := func(pk string, n int64) {
		t.Helper()
		if _, err := s.Modify(tb, []string{pk}, "", debit(tb, n)); err != nil {
			t.Fatal(err)
		}
	}
	mod("111111", 100) // 1 and 2: then uploaded over
	mod("111111", 100)
	mod("222222", 100) // 3: untouched
	mod("333333", 100) // 4: then the same values uploaded again
	mustUpsert(t, s, tb, row("111111", "1000"), row("333333", "900"))
	mod("111111", 50) // 5: after the upload
	mod("333333", 50) // 6
	want := map[uint64]bool{1: true, 2: true, 3: false, 4: false, 5: false, 6: false}
	check := func(when string) {
		t.Helper()
		es, _, err := s.LogAfter(tb, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			if e.Overwritten != want[e.Seq] {
				t.Errorf("%s: entry %d overwritten=%v, want %v", when, e.Seq, e.Overwritten, want[e.Seq])
			}
		}
	}
	check("after the upload")

	// Moving a column changes the encoding, not the row.
	next := *tb
	next.Columns = slices.Clone(tb.Columns)
	next.Columns[1], next.Columns[2] = next.Columns[2], next.Columns[1]
	tb2, err := s.UpdateTable(next)
	if err != nil {
		t.Fatal(err)
	}
	tb = tb2
	check("after moving a column")

	if _, err := s.Delete(tb, []Row{row("222222", "")}); err != nil {
		t.Fatal(err)
	}
	want[3] = true
	mustUpsert(t, s, tb, debtor(tb, "colA", "111111", "colC", "1"))
	want[5] = true
	check("after a delete and an upload")

	// Paging starts after the cursor.
	es, more, err := s.LogAfter(tb, 2, 2)
	if err != nil || !more || len(es) != 2 || es[0].Seq != 3 || es[1].Seq != 4 {
		t.Fatalf("LogAfter(2, 2) = %+v, %v, %v", es, more, err)
	}
}

// TestLogDurableAndDropped: the log and its keys survive a reopen and go
// with the table.
func TestLogDurableAndDropped(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	tb := debtors(t, s, "ivr/1")
	mustUpsert(t, s, tb, debtor(tb, "colA", "123456", "colB", "01021990", "colC", "1000"))
	if _, err := s.Modify(tb, []string{"123456"}, "PSP-1", debit(tb, 1)); err != nil {
		t.Fatal(err)
	}
	s = reopen(t, s, dir)
	tb, err := s.GetTable(1, "ivr/1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Modify(tb, []string{"123456"}, "PSP-1", debit(tb, 1)); !errors.Is(err, ErrLogKeyUsed) {
		t.Fatalf("after reopen: %v, want ErrLogKeyUsed", err)
	}
	e, err := s.Modify(tb, []string{"123456"}, "PSP-2", debit(tb, 1))
	if err != nil || e.Seq != 2 {
		t.Fatalf("after reopen: %+v, %v; want entry 2", e, err)
	}
	if err := s.DropTable(1, "ivr/1"); err != nil {
		t.Fatal(err)
	}
	tb = debtors(t, s, "ivr/1")
	if es, _, err := s.LogAfter(tb, 0, 10); err != nil || len(es) != 0 {
		t.Fatalf("a new table under the old name has log %+v, %v", es, err)
	}
	if _, err := s.LogByKey(tb, "PSP-1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("dropped key: %v", err)
	}
}

// TestLogInBackup: a backup carries the log, its keys and its marks.
func TestLogInBackup(t *testing.T) {
	s := openStore(t, "")
	tb := debtors(t, s, "ivr/1")
	mustUpsert(t, s, tb, debtor(tb, "colA", "123456", "colB", "01021990", "colC", "1000"))
	if _, err := s.Modify(tb, []string{"123456"}, "PSP-1", debit(tb, 1)); err != nil {
		t.Fatal(err)
	}
	mustUpsert(t, s, tb, debtor(tb, "colA", "123456", "colC", "1000"))
	var buf bytes.Buffer
	if _, err := s.Backup(&buf); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := Restore(Options{Dir: dir}, &buf); err != nil {
		t.Fatal(err)
	}
	r := openStore(t, dir)
	rt, err := r.GetTable(1, "ivr/1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Modify(rt, []string{"123456"}, "PSP-1", debit(rt, 1)); !errors.Is(err, ErrLogKeyUsed) {
		t.Fatalf("restored key: %v, want ErrLogKeyUsed", err)
	}
	es, _, err := r.LogAfter(rt, 0, 10)
	if err != nil || len(es) != 1 || !es[0].Overwritten {
		t.Fatalf("restored log %+v, %v; want the entry, overwritten", es, err)
	}
}

// TestModifyCombined: modifications queued while the table's lock is held
// are decided together, in order, each seeing the ones before it: two
// debits of one row both land, a key taken earlier in the batch answers
// with that entry, and a refused one leaves the rest alone.
func TestModifyCombined(t *testing.T) {
	s := openStore(t, "")
	tb := debtors(t, s, "ivr/1")
	mustUpsert(t, s, tb, debtor(tb, "colA", "123456", "colB", "01021990", "colC", "100"),
		debtor(tb, "colA", "654321", "colB", "01021990", "colC", "100"))
	lock := s.tableLock(tb.Number)
	lock.Lock()
	type try struct {
		pk, key string
		n       int64
	}
	tries := []try{{"123456", "a", 30}, {"123456", "b", 30}, {"123456", "a", 1}, {"654321", "c", 500}, {"123456", "d", 40}, {"123456", "e", 1}}
	type result struct {
		e   LogEntry
		err error
	}
	results := make([]chan result, len(tries))
	q := s.modQueue(tb.Number)
	for i, tr := range tries {
		results[i] = make(chan result, 1)
		go func() {
			e, err := s.Modify(tb, []string{tr.pk}, tr.key, debit(tb, tr.n))
			results[i] <- result{e, err}
		}()
		for { // queued in this order
			q.mu.Lock()
			n := len(q.reqs)
			q.mu.Unlock()
			if n == i+1 {
				break
			}
			time.Sleep(time.Millisecond)
		}
	}
	lock.Unlock()
	var got []string
	for i := range tries {
		r := <-results[i]
		var used *LogKeyError
		switch {
		case r.err == nil:
			got = append(got, fmt.Sprintf("%s:%d", r.e.Key, r.e.Seq))
		case errors.As(r.err, &used):
			got = append(got, fmt.Sprintf("used by %d", used.Entry.Seq))
		case errors.Is(r.err, errBelowZero):
			got = append(got, "below zero")
		default:
			t.Fatal(r.err)
		}
	}
	// 100 - 30 - 30 = 40, then d takes the last 40 and e finds nothing.
	want := "a:1 b:2 used by 1 below zero d:3 below zero"
	if strings.Join(got, " ") != want {
		t.Fatalf("got %q, want %q", strings.Join(got, " "), want)
	}
	if b := balance(t, s, tb, "123456"); b != "0" {
		t.Fatalf("balance %s, want 0", b)
	}
	es, _, err := s.LogAfter(tb, 0, 10)
	if err != nil || len(es) != 3 || es[2].Overwritten {
		t.Fatalf("log %+v, %v", es, err)
	}
}
