package columndb

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// memLog is a log in memory that several stores share, as a JetStream
// stream is shared by a cluster's nodes.
type memLog struct {
	mu      sync.Mutex
	changed *sync.Cond
	entries [][]byte
	max     int
	refuse  error // Append fails with it when set
}

func newMemLog() *memLog {
	l := &memLog{max: 8 << 20}
	l.changed = sync.NewCond(&l.mu)
	return l
}

func (l *memLog) Append(e []byte) (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.refuse != nil {
		return 0, l.refuse
	}
	l.entries = append(l.entries, bytes.Clone(e))
	l.changed.Broadcast()
	return uint64(len(l.entries)), nil
}

func (l *memLog) MaxEntry() int { return l.max }

// next waits for the entry after seq, or for stop.
func (l *memLog) next(seq uint64, stop *bool) ([]byte, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for uint64(len(l.entries)) <= seq && !*stop {
		l.changed.Wait()
	}
	if *stop {
		return nil, false
	}
	return l.entries[seq], true
}

// node is one store of a test cluster with its applier running.
type node struct {
	s    *Store
	stop func()
	mu   sync.Mutex
	err  error // the applier's, once it stopped
}

func (n *node) failed() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.err
}

func startNode(t testing.TB, log *memLog, dir string) *node {
	t.Helper()
	s, err := Open(Options{Dir: dir, InMemory: dir == "", RowCacheBytes: 8 << 20, Log: log, TxnRows: 64})
	if err != nil {
		t.Fatal(err)
	}
	n := &node{s: s}
	stopped := false
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			seq := s.Applied()
			e, ok := log.next(seq, &stopped)
			if !ok {
				return
			}
			if err := s.ApplyEntry(seq+1, e); err != nil {
				n.mu.Lock()
				n.err = err
				n.mu.Unlock()
				return
			}
		}
	}()
	var once sync.Once
	n.stop = func() {
		once.Do(func() {
			log.mu.Lock()
			stopped = true
			log.changed.Broadcast()
			log.mu.Unlock()
			wg.Wait()
			s.Close()
		})
	}
	t.Cleanup(n.stop)
	return n
}

// caughtUp waits until every node has applied the whole log.
func caughtUp(t testing.TB, log *memLog, nodes ...*node) {
	t.Helper()
	log.mu.Lock()
	end := uint64(len(log.entries))
	log.mu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for _, n := range nodes {
		for n.s.Applied() < end {
			if err := n.failed(); err != nil {
				t.Fatalf("applier stopped: %v", err)
			}
			if time.Now().After(deadline) {
				t.Fatalf("node at %d of %d after 10 s", n.s.Applied(), end)
			}
			time.Sleep(time.Millisecond)
		}
	}
}

func table(t testing.TB, s *Store, name string) *Table {
	t.Helper()
	tb, err := s.GetTable(1, name)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func sameDigest(t *testing.T, tbName string, nodes ...*node) Digest {
	t.Helper()
	var first Digest
	for i, n := range nodes {
		d, err := n.s.Digest(table(t, n.s, tbName))
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = d
			continue
		}
		if d.Rows != first.Rows || !bytes.Equal(d.Sum, first.Sum) || d.Applied != first.Applied {
			t.Fatalf("node %d digest %d rows %x at %d; node 0 %d rows %x at %d", i, d.Rows, d.Sum, d.Applied, first.Rows, first.Sum, first.Applied)
		}
	}
	return first
}

func TestReplicatedWritesReachEveryNode(t *testing.T) {
	log := newMemLog()
	a, b := startNode(t, log, ""), startNode(t, log, "")
	tb := debtors(t, a.s, "ivr/1")
	var rows []Row
	for i := range 500 {
		rows = append(rows, debtor(tb, "colA", strconv.Itoa(100000+i), "colB", "01021990", "colC", "12.50"))
	}
	res := mustUpsert(t, a.s, tb, rows...)
	if res.Inserted != 500 {
		t.Fatalf("inserted %d, want 500", res.Inserted)
	}
	caughtUp(t, log, a, b)
	tbB := table(t, b.s, "ivr/1")
	wantCount(t, b.s, tbB, 500)
	if got := lookupPKs(t, b.s, tbB, LookupIndex, "100007", "01021990"); len(got) != 1 {
		t.Fatalf("lookup on node b found %v", got)
	}
	d := sameDigest(t, "ivr/1", a, b)
	if d.Rows != 500 {
		t.Fatalf("digest rows %d", d.Rows)
	}

	// A schema change on b reaches a's cache, and a writer holding the old
	// definition is told to fetch it again.
	next := *tbB
	next.Columns = append(append([]Column(nil), tbB.Columns...), Column{ID: "colG", Name: "Note", Type: TypeText})
	if _, err := b.s.UpdateTable(next); err != nil {
		t.Fatal(err)
	}
	caughtUp(t, log, a, b)
	if _, err := a.s.Upsert(tb, rows[:1]); !errors.Is(err, ErrStale) {
		t.Fatalf("upsert with the old definition: %v, want ErrStale", err)
	}
	if got := table(t, a.s, "ivr/1"); len(got.Columns) != len(next.Columns) {
		t.Fatalf("node a sees %d columns, want %d", len(got.Columns), len(next.Columns))
	}
}

// Two nodes deciding from the same state: the log applies one decision
// and skips the other, whose operation decides again and sees the first.
func TestReplicatedConcurrentDecisions(t *testing.T) {
	cases := []struct {
		name string
		run  func(t *testing.T, s *Store, who int) error
		// check runs on each node once both have caught up.
		check func(t *testing.T, s *Store, errs [2]error)
	}{
		{
			name: "sequence ids are never handed out twice",
			run: func(t *testing.T, s *Store, who int) error {
				for range 50 {
					id, err := s.NextID("customer", 0)
					if err != nil {
						return err
					}
					if err := s.PutDoc("ids", strconv.FormatInt(id, 10), who, true); err != nil {
						return fmt.Errorf("id %d given twice: %w", id, err)
					}
				}
				return nil
			},
			check: func(t *testing.T, s *Store, errs [2]error) {
				for _, err := range errs {
					if err != nil {
						t.Fatal(err)
					}
				}
				n := 0
				if err := s.EachDoc("ids", func(string, []byte) error { n++; return nil }); err != nil {
					t.Fatal(err)
				}
				if n != 100 {
					t.Fatalf("%d ids, want 100", n)
				}
			},
		},
		{
			name: "a document created at once on two nodes is created once",
			run: func(t *testing.T, s *Store, who int) error {
				return s.PutDoc("customers", "C-1", who, true)
			},
			check: func(t *testing.T, s *Store, errs [2]error) {
				if (errs[0] == nil) == (errs[1] == nil) {
					t.Fatalf("errors %v and %v: want exactly one ErrExists", errs[0], errs[1])
				}
				for _, err := range errs {
					if err != nil && !errors.Is(err, ErrExists) {
						t.Fatalf("refusal %v, want ErrExists", err)
					}
				}
			},
		},
		{
			name: "a unique value committed at once on two nodes is held by one row",
			run: func(t *testing.T, s *Store, who int) error {
				tb := table(t, s, "ivr/u")
				r := debtor(tb, "colA", strconv.Itoa(200000+who), "colB", "01021990", "colF", "42")
				return s.Commit(Change{Table: tb, Put: []Row{r}})
			},
			check: func(t *testing.T, s *Store, errs [2]error) {
				if (errs[0] == nil) == (errs[1] == nil) {
					t.Fatalf("errors %v and %v: want exactly one ErrDuplicate", errs[0], errs[1])
				}
				for _, err := range errs {
					if err != nil && !errors.Is(err, ErrDuplicate) {
						t.Fatalf("refusal %v, want ErrDuplicate", err)
					}
				}
				wantCount(t, s, table(t, s, "ivr/u"), 1)
			},
		},
		{
			name: "uploads of the same rows from two nodes count each row once",
			run: func(t *testing.T, s *Store, who int) error {
				tb := table(t, s, "ivr/u")
				var rows []Row
				for i := range 400 {
					rows = append(rows, debtor(tb, "colA", strconv.Itoa(300000+i), "colB", "01021990", "colC", strconv.Itoa(who)))
				}
				res, err := s.Upsert(tb, rows)
				if err == nil && res.Inserted+res.Updated+res.Unchanged != 400 {
					err = fmt.Errorf("result %+v does not add up to 400", res)
				}
				return err
			},
			check: func(t *testing.T, s *Store, errs [2]error) {
				for _, err := range errs {
					if err != nil {
						t.Fatal(err)
					}
				}
				wantCount(t, s, table(t, s, "ivr/u"), 400)
			},
		},
		{
			name: "modifications of one row from two nodes are all kept",
			run: func(t *testing.T, s *Store, who int) error {
				tb := table(t, s, "ivr/u")
				for i := range 20 {
					_, err := s.Modify(tb, []string{"500000"}, fmt.Sprintf("pay-%d-%d", who, i), func(cur Row, found bool, seq uint64) (Row, []byte, error) {
						n := 0
						if v, ok := cur.Get(2); found && ok {
							n, _ = strconv.Atoi(v)
						}
						next := debtor(tb, "colA", "500000", "colB", "01021990", "colC", strconv.Itoa(n+1))
						return next, []byte("paid"), nil
					})
					if err != nil {
						return err
					}
				}
				return nil
			},
			check: func(t *testing.T, s *Store, errs [2]error) {
				for _, err := range errs {
					if err != nil {
						t.Fatal(err)
					}
				}
				r, err := s.Get(table(t, s, "ivr/u"), "500000")
				if err != nil {
					t.Fatal(err)
				}
				if v, _ := r.Get(2); v != "40.00" && v != "40" {
					t.Fatalf("balance %q after 40 increments", v)
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			log := newMemLog()
			nodes := [2]*node{startNode(t, log, ""), startNode(t, log, "")}
			debtors(t, nodes[0].s, "ivr/u", Index{Name: "account", Columns: []string{"colF"}, Unique: true})
			caughtUp(t, log, nodes[0], nodes[1])
			var errs [2]error
			var wg sync.WaitGroup
			for i, n := range nodes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = tc.run(t, n.s, i)
				}()
			}
			wg.Wait()
			caughtUp(t, log, nodes[0], nodes[1])
			for _, n := range nodes {
				tc.check(t, n.s, errs)
			}
			t.Logf("entries skipped and decided again: %d", nodes[0].s.Skipped())
			sameDigest(t, "ivr/u", nodes[0], nodes[1])
		})
	}
}

func TestReplicatedRestartResumes(t *testing.T) {
	log := newMemLog()
	dir := t.TempDir()
	a, b := startNode(t, log, ""), startNode(t, log, dir)
	tb := debtors(t, a.s, "ivr/1")
	mustUpsert(t, a.s, tb, debtor(tb, "colA", "100001", "colB", "01021990"))
	caughtUp(t, log, a, b)
	b.stop()
	mustUpsert(t, a.s, tb, debtor(tb, "colA", "100002", "colB", "01021990"))
	b = startNode(t, log, dir)
	caughtUp(t, log, a, b)
	wantCount(t, b.s, table(t, b.s, "ivr/1"), 2)
	sameDigest(t, "ivr/1", a, b)

	if err := b.s.ApplyEntry(b.s.Applied()+2, nil); !errors.Is(err, ErrGap) {
		t.Fatalf("entry past the next: %v, want ErrGap", err)
	}
	if err := b.s.ApplyEntry(1, nil); err != nil {
		t.Fatalf("an entry applied before: %v, want it ignored", err)
	}
}

func TestReplicatedLogRefusesWrites(t *testing.T) {
	log := newMemLog()
	a := startNode(t, log, "")
	tb := debtors(t, a.s, "ivr/1")
	log.mu.Lock()
	log.refuse = errors.New("no quorum")
	log.mu.Unlock()
	if _, err := a.s.Upsert(tb, []Row{debtor(tb, "colA", "100001", "colB", "01021990")}); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("upsert without the log: %v, want ErrUnavailable", err)
	}
	if err := a.s.PutDoc("c", "k", 1, false); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("put without the log: %v, want ErrUnavailable", err)
	}
	wantCount(t, a.s, tb, 0)
}

func TestReplicatedBadEntryDiverges(t *testing.T) {
	log := newMemLog()
	a := startNode(t, log, "")
	if _, err := log.Append([]byte{entryVersion, 1, 2}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for a.failed() == nil && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if err := a.failed(); !errors.Is(err, ErrDiverged) {
		t.Fatalf("applier stopped with %v, want ErrDiverged", err)
	}
	if err := a.s.ApplyEntry(2, nil); !errors.Is(err, ErrDiverged) {
		t.Fatalf("after divergence: %v, want ErrDiverged", err)
	}
}

func FuzzDecodeEntry(f *testing.F) {
	b := &Batch{Sync: true, Drops: [][]byte{{'r', 0, 0, 0, 1}}, created: []uint32{7}}
	b.Put([]byte("k1"), []byte("v1"))
	b.Remove([]byte("k2"))
	b.schema([]byte("c-key"), nil)
	b.within(&opCtx{read: 9, mine: map[string]uint64{"t1": 12}}, "t1", "kq")
	f.Add(encodeEntry([16]byte{1, 2}, b))
	f.Add([]byte{entryVersion})
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := decodeEntry(data)
		if err != nil {
			return
		}
		// What decodes encodes again to an entry with the same changes.
		again, err := decodeEntry(encodeEntry(e.id, withExpect(e)))
		if err != nil {
			t.Fatalf("an entry decoded, then encoded, does not decode: %v", err)
		}
		if !sameBatch(e.batch, again.batch) || again.id != e.id {
			t.Fatalf("decode then encode changed the entry:\n%+v\n%+v", e.batch, again.batch)
		}
	})
}

func sameBatch(a, b *Batch) bool {
	if len(a.Ops) != len(b.Ops) || len(a.Drops) != len(b.Drops) || a.Sync != b.Sync || !slices.Equal(a.created, b.created) || len(a.tables) != len(b.tables) {
		return false
	}
	for i := range a.Ops {
		if !bytes.Equal(a.Ops[i].Key, b.Ops[i].Key) || !bytes.Equal(a.Ops[i].Value, b.Ops[i].Value) || a.Ops[i].Delete != b.Ops[i].Delete {
			return false
		}
	}
	for i := range a.Drops {
		if !bytes.Equal(a.Drops[i], b.Drops[i]) {
			return false
		}
	}
	return true
}

// withExpect gives a decoded entry's batch its expectations back, as the
// proposer's batch carried them.
func withExpect(e entry) *Batch {
	b := *e.batch
	op := &opCtx{mine: map[string]uint64{}}
	for _, x := range e.expect {
		op.read = x.read
		if x.mine != 0 {
			op.mine[x.domain] = x.mine
		}
		b.domains = append(b.domains, x.domain)
	}
	b.op = op
	return &b
}

func TestReplicatedDocChangesReachWatchers(t *testing.T) {
	log := newMemLog()
	a, b := startNode(t, log, ""), startNode(t, log, "")
	var mu sync.Mutex
	var seen []string
	b.s.OnDocChange("client", func(key string) {
		mu.Lock()
		seen = append(seen, key)
		mu.Unlock()
	})
	a.s.OnDocChange("client", func(key string) { t.Errorf("node a told of its own write %s", key) })
	if err := a.s.PutDoc("client", "0000000042", map[string]int{"cid": 42}, true); err != nil {
		t.Fatal(err)
	}
	if err := a.s.PutDoc("user", "ann", 1, false); err != nil {
		t.Fatal(err)
	}
	if err := a.s.DeleteDoc("client", "0000000042"); err != nil {
		t.Fatal(err)
	}
	caughtUp(t, log, a, b)
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"0000000042", "0000000042"}; !slices.Equal(seen, want) {
		t.Fatalf("node b was told of %q, want %q", seen, want)
	}
}

// A node's store opened without the log (by a command run beside a
// stopped node) says where it is and refuses writes, which would reach
// this node alone.
func TestNodeStoreWithoutLogRefusesWrites(t *testing.T) {
	log := newMemLog()
	dir := t.TempDir()
	a := startNode(t, log, dir)
	if err := a.s.PutDoc("c", "k", 1, false); err != nil {
		t.Fatal(err)
	}
	caughtUp(t, log, a)
	applied := a.s.Applied()
	a.stop()
	s := openStore(t, dir)
	if got := s.Applied(); got != applied {
		t.Fatalf("Applied without the log = %d, want %d", got, applied)
	}
	if err := s.PutDoc("c", "k2", 1, false); !errors.Is(err, ErrNodeStore) {
		t.Fatalf("write without the log: %v, want ErrNodeStore", err)
	}
	var v int
	if err := s.GetDoc("c", "k", &v); err != nil || v != 1 {
		t.Fatalf("read without the log: %d, %v", v, err)
	}
}

// CommittedVersion is the version a caller's own commit gave a table,
// even once another node's later entry has moved TableVersion on.
func TestCommittedVersion(t *testing.T) {
	log := newMemLog()
	a, b := startNode(t, log, ""), startNode(t, log, "")
	ta, other := debtors(t, a.s, "ivr/1"), debtors(t, a.s, "ivr/2")
	caughtUp(t, log, a, b)
	tb := table(t, b.s, "ivr/1")

	m := a.s.Mark()
	if err := a.s.CommitSince(m, Change{Table: ta, Put: []Row{debtor(ta, "colA", "100001", "colB", "01021990", "colC", "1.00")}}); err != nil {
		t.Fatal(err)
	}
	mine := a.s.CommittedVersion(m, ta)
	if mine == 0 || mine != a.s.TableVersion(ta) {
		t.Fatalf("CommittedVersion %d, TableVersion %d: want the commit's entry", mine, a.s.TableVersion(ta))
	}
	if v := a.s.CommittedVersion(m, other); v != 0 {
		t.Fatalf("CommittedVersion of a table the commit left alone = %d, want 0", v)
	}
	mustUpsert(t, b.s, tb, debtor(tb, "colA", "100002", "colB", "01021990", "colC", "1.00"))
	caughtUp(t, log, a, b)
	if now := a.s.TableVersion(ta); now <= mine || a.s.CommittedVersion(m, ta) != mine {
		t.Fatalf("after node b's write: TableVersion %d, CommittedVersion %d; want %d kept below it", now, a.s.CommittedVersion(m, ta), mine)
	}

	plain := openStore(t, "")
	tp := debtors(t, plain, "ivr/1")
	mp := plain.Mark()
	if err := plain.CommitSince(mp, Change{Table: tp, Put: []Row{debtor(tp, "colA", "100001", "colB", "01021990", "colC", "1.00")}}); err != nil {
		t.Fatal(err)
	}
	if v := plain.CommittedVersion(mp, tp); v != 0 {
		t.Fatalf("CommittedVersion in a store that is not replicated = %d, want 0", v)
	}
}

// A table's version moves before its entry's rows are readable, so while
// the entry is being applied TableVersion is unknown: a caller that kept
// what it read then as current at the new version would keep older rows
// under it, and decide from them on a later write, when no version check
// refuses the commit any more.
func TestTableVersionWhileApplying(t *testing.T) {
	log := newMemLog()
	a := startNode(t, log, "")
	ta := debtors(t, a.s, "ivr/1")
	mustUpsert(t, a.s, ta, debtor(ta, "colA", "100001", "colB", "01021990", "colC", "1.00"))
	applied := a.s.rep.applied.Load()
	if v := a.s.TableVersion(ta); v == UnknownVersion || v > applied {
		t.Fatalf("TableVersion %d once applied to %d: want a known version", v, applied)
	}
	// What applyBatch has done before the entry at applied+1 is readable.
	d := tableDomain(ta.Number)
	a.s.rep.verMu.Lock()
	before := a.s.rep.versions[d]
	a.s.rep.versions[d] = applied + 1
	a.s.rep.verMu.Unlock()
	if v := a.s.TableVersion(ta); v != UnknownVersion {
		t.Fatalf("TableVersion %d while the entry at %d is applied: want UnknownVersion", v, applied+1)
	}
	a.s.rep.verMu.Lock()
	a.s.rep.versions[d] = before
	a.s.rep.verMu.Unlock()
	if v := a.s.TableVersion(ta); v != before {
		t.Fatalf("TableVersion %d after: want %d", v, before)
	}
}
