package columndb

import (
	"bytes"
	"errors"
	"fmt"
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

func TestRowCacheFollowsWrites(t *testing.T) {
	s := openStore(t, "")
	tb := debtors(t, s, "cache")
	get := func(inv string) (string, bool) {
		t.Helper()
		r, err := s.Get(tb, inv)
		if errors.Is(err, ErrNotFound) {
			return "", false
		}
		if err != nil {
			t.Fatal(err)
		}
		v, _ := r.Get(2)
		return v, true
	}
	steps := []struct {
		name    string
		do      func()
		balance string
		found   bool
	}{
		{"inserted", func() { mustUpsert(t, s, tb, debtor(tb, "colA", "123456", "colB", "01021990", "colC", "1250")) }, "1250", true},
		{"read again from the cache", func() {}, "1250", true},
		{"updated", func() { mustUpsert(t, s, tb, debtor(tb, "colA", "123456", "colC", "300")) }, "300", true},
		{"deleted", func() {
			if _, err := s.Delete(tb, []Row{debtor(tb, "colA", "123456")}); err != nil {
				t.Fatal(err)
			}
		}, "", false},
		{"inserted again", func() { mustUpsert(t, s, tb, debtor(tb, "colA", "123456", "colB", "01021990", "colC", "100")) }, "100", true},
	}
	for _, st := range steps {
		st.do()
		if v, ok := get("123456"); ok != st.found || v != st.balance {
			t.Fatalf("%s: got %q found=%v, want %q found=%v", st.name, v, ok, st.balance, st.found)
		}
	}
	if n, _ := s.rows.size(); n != 1 {
		t.Fatalf("cache holds %d rows, want 1", n)
	}
	if err := s.DropTable(tb.Tenant, tb.Name); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.rows.size(); n != 0 {
		t.Fatalf("cache holds %d rows of a dropped table", n)
	}
}

// A restarted store starts with an empty cache and fills it from reads.
func TestRowCacheFillsFromReads(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	tb := debtors(t, s, "fill")
	mustUpsert(t, s, tb, debtor(tb, "colA", "111111", "colB", "01021990", "colC", "12.50"))
	s = reopen(t, s, dir)
	tb, err := s.GetTable(1, "fill")
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := s.rows.size(); n != 0 {
		t.Fatalf("a reopened store's cache holds %d rows", n)
	}
	for range 2 {
		if _, err := s.Get(tb, "111111"); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := s.rows.size(); n != 1 {
		t.Fatalf("cache holds %d rows after a read, want 1", n)
	}
}

func TestRowCacheStaysInBudget(t *testing.T) {
	s, err := Open(Options{InMemory: true, RowCacheBytes: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tb := debtors(t, s, "budget")
	var rows []Row
	for i := range 5000 {
		rows = append(rows, debtor(tb, "colA", fmt.Sprintf("%06d", i), "colB", "01021990", "colC", "12.50"))
	}
	mustUpsert(t, s, tb, rows...)
	if n, b := s.rows.size(); b > 64<<10 || n == 0 || n == 5000 {
		t.Fatalf("cache holds %d rows in %d bytes; budget 64 KiB", n, b)
	}
	for i := range 5000 { // evicted rows are still read, from Badger
		if _, err := s.Get(tb, fmt.Sprintf("%06d", i)); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
	}
}

// TestRowCacheNeverStale races readers against a writer that updates and
// deletes: once a write returns, no read may see what it replaced. Run it
// with -race.
func TestRowCacheNeverStale(t *testing.T) {
	s := openStore(t, "")
	tb := debtors(t, s, "race")
	const keys, rounds = 8, 300
	// The last acknowledged state per key: a balance, or minus the balance
	// the key would have had when it was deleted. Balances grow with every
	// round, so any newer state reads as a larger number.
	var acked [keys]atomic.Int64
	var intent [keys]atomic.Int64 // the state being written, set before the write starts
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 16)
	for r := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := r; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				k := i % keys
				want := acked[k].Load() // taken before the read: the read may only be newer
				row, err := s.Get(tb, fmt.Sprintf("%06d", k))
				got := int64(-1)
				if err == nil {
					v, _ := row.Get(2)
					fmt.Sscan(v, &got)
				} else if !errors.Is(err, ErrNotFound) {
					errs <- err
					return
				}
				// A read may see a write still in flight, so absence is
				// stale only if no write to the key began since want.
				changed := intent[k].Load() != want
				if (want > 0 && got == -1 && !changed) || (got != -1 && got < max(want, -want)) {
					errs <- fmt.Errorf("key %d: read balance %d after state %d was acknowledged", k, got, want)
					return
				}
			}
		}()
	}
	for round := 1; round <= rounds; round++ {
		k := round % keys
		inv := fmt.Sprintf("%06d", k)
		bal := int64(round * 100)
		if round%5 == 0 {
			intent[k].Store(-bal)
			if _, err := s.Delete(tb, []Row{debtor(tb, "colA", inv)}); err != nil {
				t.Fatal(err)
			}
			acked[k].Store(-bal)
			continue
		}
		intent[k].Store(bal)
		mustUpsert(t, s, tb, debtor(tb, "colA", inv, "colB", "01021990", "colC", fmt.Sprint(bal)))
		acked[k].Store(bal)
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// A read that missed, then lost a race with a commit, must not cache the
// value it read: it may be what the commit replaced or deleted.
func TestRowCacheFillAfterCommitIsDropped(t *testing.T) {
	tests := []struct {
		name   string
		commit []cacheOp
		want   string // "" when the key must be absent
	}{
		{"delete in between", []cacheOp{{key: []byte("k"), val: nil}}, ""},
		{"update in between", []cacheOp{{key: []byte("k"), val: []byte("new")}}, "new"},
		{"other key of another shard", nil, "old"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newRowCache(1 << 20)
			_, gen, ok := c.get([]byte("k"), nil)
			if ok {
				t.Fatal("empty cache hit")
			}
			c.apply(tt.commit)
			c.fill([]byte("k"), []byte("old"), gen)
			v, _, ok := c.get([]byte("k"), nil)
			if got := string(v); ok != (tt.want != "") || got != tt.want {
				t.Fatalf("cache holds %q (present %v), want %q", got, ok, tt.want)
			}
		})
	}
}

// Upserts into a complete table learn from the cache whether a row is new;
// once an eviction or a restart makes it incomplete they ask Badger. Either
// way the counts and the rows must come out the same.
func TestUpsertCountsWithAndWithoutCompleteCache(t *testing.T) {
	rowsOf := func(tb *Table, from, to int, bal string) []Row {
		var rows []Row
		for i := from; i < to; i++ {
			rows = append(rows, debtor(tb, "colA", fmt.Sprintf("%06d", i), "colB", "01021990", "colC", bal))
		}
		return rows
	}
	tests := []struct {
		name   string
		budget int64
		reopen bool
	}{
		{"complete", 8 << 20, false},
		{"evicting", 16 << 10, false},
		{"after restart", 8 << 20, true},
		{"cache off", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := Open(Options{Dir: dir, RowCacheBytes: tt.budget})
			if err != nil {
				t.Fatal(err)
			}
			defer func() { s.Close() }()
			tb := debtors(t, s, "counts")
			if res := mustUpsert(t, s, tb, rowsOf(tb, 0, 1000, "100")...); res.Inserted != 1000 {
				t.Fatalf("first load: %+v", res)
			}
			if tt.reopen {
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
				if s, err = Open(Options{Dir: dir, RowCacheBytes: tt.budget}); err != nil {
					t.Fatal(err)
				}
				if tb, err = s.GetTable(1, "counts"); err != nil {
					t.Fatal(err)
				}
			}
			if got := s.rows.isComplete(tb.Number); got != (tt.name == "complete") {
				t.Fatalf("complete = %v", got)
			}
			// Half old rows changed, half new, and one key twice in the batch.
			batch := append(rowsOf(tb, 500, 1500, "200"), debtor(tb, "colA", "001499", "colC", "300"))
			res := mustUpsert(t, s, tb, batch...)
			if res.Inserted != 500 || res.Updated != 501 {
				t.Fatalf("second load: %+v, want 500 inserted and 501 updated", res)
			}
			if n, err := s.RowCount(tb); err != nil || n != 1500 {
				t.Fatalf("row count %d (%v), want 1500", n, err)
			}
			r, err := s.Get(tb, "001499")
			if err != nil {
				t.Fatal(err)
			}
			if v, _ := r.Get(2); v != "300" {
				t.Fatalf("last write of a key twice in one batch: balance %q", v)
			}
		})
	}
}

// TestRowCacheRing drives the ring through many laps against a plain map:
// a hit always returns the latest value, a deleted key never hits, and a
// table still marked complete has every row.
func TestRowCacheRing(t *testing.T) {
	tests := []struct {
		name   string
		budget int64
		keys   int
	}{
		{"everything fits", 1 << 20, 200},
		{"many laps", 64 << 10, 3000},
		{"tiny", 1, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newRowCache(tt.budget)
			c.created(7)
			ref := map[string]string{}
			key := func(i int) []byte { return rowKey(7, []byte(fmt.Sprintf("k%05d", i))) }
			rnd := uint64(42)
			next := func(n int) int { rnd = rnd*6364136223846793005 + 1442695040888963407; return int(rnd>>33) % n }
			for step := range 20000 {
				k := key(next(tt.keys))
				switch next(10) {
				case 0:
					c.apply([]cacheOp{{key: k}})
					delete(ref, string(k))
				default:
					v := []byte(fmt.Sprintf("value %d %s", step, string(make([]byte, next(80)))))
					c.apply([]cacheOp{{key: k, val: v}})
					ref[string(k)] = string(v)
				}
				if step%997 != 0 {
					continue
				}
				complete := c.isComplete(7)
				for i := range tt.keys {
					k := key(i)
					got, _, hit := c.get(k, nil)
					want, present := ref[string(k)]
					switch {
					case hit && !present:
						t.Fatalf("step %d: deleted key %q hits", step, k)
					case hit && string(got) != want:
						t.Fatalf("step %d: key %q = %q, want %q", step, k, got, want)
					case !hit && present && complete:
						t.Fatalf("step %d: table marked complete but %q is missing", step, k)
					}
				}
			}
			if _, bytes := c.size(); bytes > max(tt.budget, int64(512*len(c.shards))) {
				t.Fatalf("ring holds %d bytes over a budget of %d", bytes, tt.budget)
			}
		})
	}
}

// TestRowCacheGrowthMeanwhile takes a growth apart at the point where the
// shard's lock is free: what is appended and what another growth does in
// that window must survive.
func TestRowCacheGrowthMeanwhile(t *testing.T) {
	// Entries of 924 bytes: 60 fill 55,440 of the first 64 KiB, which has
	// room for ten more.
	val := func(i int) []byte { return []byte(fmt.Sprintf("v%04d:%s", i, strings.Repeat("x", 900))) }
	// keys lists n row keys that all land in shard 0, so that one shard's
	// ring fills and grows.
	keys := func(c *rowCache, n int) [][]byte {
		var out [][]byte
		for i := 0; len(out) < n; i++ {
			if k := rowKey(7, []byte(fmt.Sprintf("k%06d", i))); maphash.Bytes(c.seed, k)%cacheShards == 0 {
				out = append(out, k)
			}
		}
		return out
	}
	upsert := func(i int) cacheOp { return cacheOp{val: val(i)} }
	tests := []struct {
		name      string
		meanwhile map[int]cacheOp // row → its change while the lock is free (a nil val deletes)
		kept      bool            // the growth's ring is put in place
	}{
		{"nothing meanwhile", nil, true},
		{"rows appended meanwhile", map[int]cacheOp{60: upsert(60), 61: upsert(61), 62: upsert(62)}, true},
		{"rows updated and deleted meanwhile", map[int]cacheOp{3: upsert(1003), 4: {}}, true},
		{"another growth first", func() map[int]cacheOp { // past the old ring's room: grows it
			m := map[int]cacheOp{}
			for i := 60; i < 76; i++ {
				m[i] = upsert(i)
			}
			return m
		}(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newRowCache(64 << 20)
			ks := keys(c, 76)
			want := map[int]string{}
			for i := range 60 {
				c.apply([]cacheOp{{key: ks[i], val: val(i)}})
				want[i] = string(val(i))
			}
			sh := &c.shards[0]
			sh.mu.Lock()
			g, ok := c.startGrow(sh, 64<<10)
			sh.mu.Unlock()
			if !ok {
				t.Fatal("a put larger than the room left does not grow the ring")
			}
			grown := g.copy()
			for i := range 76 { // in key order, so a run is repeatable
				if op, ok := tt.meanwhile[i]; ok {
					c.apply([]cacheOp{{key: ks[i], val: op.val}})
					want[i] = string(op.val)
				}
			}
			c.finishGrow(sh, g, grown)
			sh.mu.RLock()
			kept := &sh.ring[0] == &grown[0]
			sh.mu.RUnlock()
			if kept != tt.kept {
				t.Fatalf("grown ring in place: %t, want %t", kept, tt.kept)
			}
			for i := range ks {
				v, _, ok := c.get(ks[i], nil)
				if w := want[i]; ok != (w != "") || string(v) != w {
					t.Fatalf("row %d: cached %t %.8q, want %.8q", i, ok, v, w)
				}
			}
		})
	}
}

// TestRowCacheGrowsUnderWriters grows every shard's ring many times while
// writers and readers share it: rings grow with their lock free, so what
// writers append meanwhile must reach the grown ring, and a reader must
// never see a value its key did not have. Run it with -race.
func TestRowCacheGrowsUnderWriters(t *testing.T) {
	c := newRowCache(64 << 20) // 1 MiB a shard, reached from 64 KiB by doublings
	const writers, keys, steps = 8, 500, 6000
	key := func(w, i int) []byte { return rowKey(uint32(w), []byte(fmt.Sprintf("k%05d", i))) }
	final := make([]map[string]string, writers)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range writers {
		final[w] = map[string]string{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := uint64(w + 1)
			next := func(n int) int { rnd = rnd*6364136223846793005 + 1442695040888963407; return int(rnd>>33) % n }
			for step := range steps {
				i := next(keys)
				k := key(w, i)
				if next(20) == 0 {
					c.apply([]cacheOp{{key: k}})
					delete(final[w], string(k))
					continue
				}
				v := fmt.Sprintf("%d/%d/%d:%s", w, i, step, strings.Repeat("x", 200+next(600)))
				c.apply([]cacheOp{{key: k, val: []byte(v)}})
				final[w][string(k)] = v
			}
		}()
	}
	var readers sync.WaitGroup
	for r := range 2 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				w, i := (n+r)%writers, (n*7919)%keys
				if v, _, ok := c.get(key(w, i), nil); ok && !strings.HasPrefix(string(v), fmt.Sprintf("%d/%d/", w, i)) {
					t.Errorf("key %d/%d holds %.20q", w, i, v)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	for w := range writers {
		for i := range keys {
			k := key(w, i)
			v, _, ok := c.get(k, nil)
			want, present := final[w][string(k)]
			if ok != present || string(v) != want {
				t.Fatalf("key %d/%d: cached %t %.24q, want %t %.24q", w, i, ok, v, present, want)
			}
		}
	}
	if _, bytes := c.size(); bytes <= 64*(64<<10) {
		t.Fatalf("rings hold %d bytes: they never grew", bytes)
	}
}

// BenchmarkRowCacheGet reads random rows from a cache of a million
// 220-byte rows, the size of the load harness's database: at that size the
// index and the ring miss the CPU caches, which is what a lookup pays.
func BenchmarkRowCacheGet(b *testing.B) {
	const rows = 1_000_000
	c := newRowCache(512 << 20)
	val := make([]byte, 200)
	var kb [64]byte
	key := func(i int) []byte {
		var d [9]byte
		for p := len(d) - 1; p >= 0; p-- {
			d[p], i = byte('0'+i%10), i/10
		}
		return appendTuple(appendRowPrefix(kb[:0], 7), string(d[:]))
	}
	for i := range rows {
		c.apply([]cacheOp{{key: bytes.Clone(key(i)), val: val}})
	}
	var dst [512]byte
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, _, ok := c.get(key((i*104729)%rows), dst[:0]); !ok {
			b.Fatal("miss")
		}
		i++
	}
}
