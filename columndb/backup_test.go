package columndb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// dump reads every key and value the store holds, as a reader would.
func dump(t *testing.T, s *Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := s.view(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			out[string(it.Item().Key())] = string(v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func restoreTo(t *testing.T, stream []byte, key []byte) (string, BackupStats) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "db")
	st, err := Restore(Options{Dir: dir, EncryptionKey: key}, bytes.NewReader(stream))
	if err != nil {
		t.Fatal(err)
	}
	return dir, st
}

func TestBackupRestore(t *testing.T) {
	for _, tt := range []struct {
		name string
		key  []byte
	}{
		{"plain", nil},
		{"encrypted at rest", bytes.Repeat([]byte{9}, 32)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(Options{Dir: t.TempDir(), EncryptionKey: tt.key, RowCacheBytes: 8 << 20})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			tb := debtors(t, s, "debtors")
			for i := range 300 {
				mustUpsert(t, s, tb, debtor(tb, "colA", fmt.Sprintf("%06d", i), "colB", "01021990", "colC", "1250"))
			}
			// A changed row and a deleted one: neither the old value nor
			// the deleted row belongs in the backup.
			mustUpsert(t, s, tb, debtor(tb, "colA", "000001", "colB", "02021990", "colC", "99"))
			if _, err := s.Delete(tb, []Row{debtor(tb, "colA", "000002")}); err != nil {
				t.Fatal(err)
			}
			if err := s.PutDoc("clients", "1001", map[string]string{"name": "Acme"}, true); err != nil {
				t.Fatal(err)
			}
			if _, err := s.NextID("clients", 1000); err != nil {
				t.Fatal(err)
			}
			want := dump(t, s)
			var buf bytes.Buffer
			st, err := s.Backup(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if st.Keys != int64(len(want)) || st.Version != s.done.Load() {
				t.Fatalf("backup stats %+v; want %d keys at %d", st, len(want), s.done.Load())
			}
			if bytes.Contains(buf.Bytes(), []byte("02021990")) == false || bytes.Count(buf.Bytes(), []byte("000002")) != 0 {
				t.Fatal("the stream does not hold exactly the live rows")
			}
			dir, rst := restoreTo(t, buf.Bytes(), tt.key)
			if rst.Keys != st.Keys || rst.Version != st.Version {
				t.Fatalf("restore stats %+v, backup %+v", rst, st)
			}
			r, err := Open(Options{Dir: dir, EncryptionKey: tt.key, RowCacheBytes: 8 << 20, WarmRowCache: true})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			got := dump(t, r)
			if len(got) != len(want) {
				t.Fatalf("restored %d keys, want %d", len(got), len(want))
			}
			for k, v := range want {
				if got[k] != v {
					t.Fatalf("key %q: %q, want %q", k, got[k], v)
				}
			}
			// The restored store goes on as the source would: reads, counts,
			// sequences and new writes.
			rt, err := r.GetTable(1, "debtors")
			if err != nil {
				t.Fatal(err)
			}
			wantCount(t, r, rt, 299)
			row, err := r.Get(rt, "000001")
			if err != nil {
				t.Fatal(err)
			}
			if v, _ := row.Get(1); v != "02021990" {
				t.Fatalf("restored row's colB %q", v)
			}
			if pks := lookupPKs(t, r, rt, LookupIndex, "000005", "01021990"); len(pks) != 1 {
				t.Fatalf("lookup index: %v", pks)
			}
			if id, err := r.NextID("clients", 1000); err != nil || id != 1002 {
				t.Fatalf("NextID after restore = %d, %v; want 1002", id, err)
			}
			mustUpsert(t, r, rt, debtor(rt, "colA", "999999", "colB", "01021990", "colC", "1"))
			wantCount(t, r, rt, 300)
		})
	}
}

func TestRestoreRefusesAStore(t *testing.T) {
	s := openStore(t, "")
	var buf bytes.Buffer
	if _, err := s.Backup(&buf); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	full, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := full.PutDoc("c", "k", 1, false); err != nil {
		t.Fatal(err)
	}
	full.Close()
	if _, err := Restore(Options{Dir: dir}, bytes.NewReader(buf.Bytes())); !errors.Is(err, ErrExists) {
		t.Fatalf("restore into a store: %v, want ErrExists", err)
	}
}

// stream is a store stream of the given keys and values, in the order given.
func stream(kv ...string) []byte {
	b := append([]byte(streamMagic), 0, 0, 0, 0, 0, 0, 0, 1)
	for i := 0; i+1 < len(kv); i += 2 {
		b = binary.AppendUvarint(b, uint64(len(kv[i])))
		b = append(b, kv[i]...)
		b = binary.AppendUvarint(b, uint64(len(kv[i+1])))
		b = append(b, kv[i+1]...)
	}
	b = binary.AppendUvarint(b, 0)
	return binary.AppendUvarint(b, uint64(len(kv)/2))
}

func TestRestoreRefusesABrokenStream(t *testing.T) {
	if _, err := Restore(Options{Dir: t.TempDir()}, bytes.NewReader(stream("a", "1", "b", "2"))); err != nil {
		t.Fatalf("a well-formed stream: %v", err)
	}
	s := openStore(t, "")
	tb := debtors(t, s, "debtors")
	mustUpsert(t, s, tb, debtor(tb, "colA", "123456", "colB", "01021990", "colC", "1250"))
	var buf bytes.Buffer
	if _, err := s.Backup(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	for _, tt := range []struct {
		name   string
		stream []byte
	}{
		{"empty", nil},
		{"not a stream", []byte("hello world, not a stream")},
		{"cut in a record", good[:len(good)/2]},
		{"cut before the count", good[:len(good)-1]},
		{"count off", append(append([]byte{}, good[:len(good)-1]...), good[len(good)-1]+1)},
		{"data after the end", append(append([]byte{}, good...), 0)},
		{"keys out of order", stream("b", "1", "a", "2")},
		{"a key twice", stream("a", "1", "a", "2")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Restore(Options{Dir: t.TempDir()}, bytes.NewReader(tt.stream))
			if !errors.Is(err, ErrBadStream) {
				t.Fatalf("error %v, want ErrBadStream", err)
			}
		})
	}
}

// TestBackupDuringWrites: a backup taken while a writer commits holds
// every row committed before it began, each whole, and a restore of it
// reads as one consistent commit (the row count matches the rows).
func TestBackupDuringWrites(t *testing.T) {
	s, err := Open(Options{Dir: t.TempDir(), TxnRows: 16})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tb := debtors(t, s, "debtors")
	var acked atomic.Int64 // rows [0, acked) are committed
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i += 50 {
			select {
			case <-stop:
				return
			default:
			}
			rows := make([]Row, 50)
			for j := range rows {
				rows[j] = debtor(tb, "colA", fmt.Sprintf("%06d", i+j), "colB", "01021990", "colC", "1250")
			}
			if _, err := s.Upsert(tb, rows); err != nil {
				t.Error(err)
				return
			}
			acked.Store(int64(i + 50))
		}
	})
	for acked.Load() < 500 {
		runtime.Gosched()
	}
	before := acked.Load()
	var buf bytes.Buffer
	_, err = s.Backup(&buf)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := restoreTo(t, buf.Bytes(), nil)
	r, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rt, err := r.GetTable(1, "debtors")
	if err != nil {
		t.Fatal(err)
	}
	n, err := r.RowCount(rt)
	if err != nil {
		t.Fatal(err)
	}
	if n < before {
		t.Fatalf("restored %d rows, %d were committed before the backup", n, before)
	}
	for i := range before {
		if _, err := r.Get(rt, fmt.Sprintf("%06d", i)); err != nil {
			t.Fatalf("row %d, committed before the backup: %v", i, err)
		}
	}
	seen := int64(0)
	if err := r.Each(rt, func(Row) (bool, error) { seen++; return true, nil }); err != nil {
		t.Fatal(err)
	}
	if seen != n {
		t.Fatalf("row count %d, rows %d: not one commit's state", n, seen)
	}
}

// TestBackupPinsItsVersions: while a backup reads, compaction must keep
// the versions it reads, though the discard mark moves on for others.
func TestBackupPinsItsVersions(t *testing.T) {
	s := openStore(t, "")
	ts := s.pin()
	s.commitMu.Lock()
	if got := s.discardBelow(ts + 100); got != ts {
		t.Errorf("discard mark with a backup at %d: %d", ts, got)
	}
	s.commitMu.Unlock()
	s.unpin(ts)
	s.commitMu.Lock()
	if got := s.discardBelow(ts + 100); got != ts+100 {
		t.Errorf("discard mark with no backup: %d", got)
	}
	s.commitMu.Unlock()
}

func FuzzReadStream(f *testing.F) {
	s, err := Open(Options{InMemory: true})
	if err != nil {
		f.Fatal(err)
	}
	tb := debtors(f, s, "debtors")
	mustUpsert(f, s, tb, debtor(tb, "colA", "123456", "colB", "01021990", "colC", "1250"))
	var buf bytes.Buffer
	if _, err := s.Backup(&buf); err != nil {
		f.Fatal(err)
	}
	s.Close()
	f.Add(buf.Bytes())
	f.Add([]byte(streamMagic + "\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00"))
	f.Add([]byte(streamMagic + "\x00\x00\x00\x00\x00\x00\x00\x01\xff\xff\xff\xff\x0f"))
	f.Fuzz(func(t *testing.T, stream []byte) {
		keys := 0
		st, err := readStream(bytes.NewReader(stream), func(uint64) {}, func(k, v []byte) error {
			if len(k) == 0 || len(k) > maxKey || len(v) > maxValue {
				t.Fatalf("a key of %d bytes and a value of %d passed", len(k), len(v))
			}
			keys++
			return nil
		})
		if err != nil {
			if !errors.Is(err, ErrBadStream) && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("error %v is not ErrBadStream", err)
			}
			return
		}
		if int64(keys) != st.Keys {
			t.Fatalf("%d keys handed over, %d counted", keys, st.Keys)
		}
	})
}
