package columndb

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// WarmStats says what warming the row cache after opening a store did.
type WarmStats struct {
	Rows     int           // rows put in the cache
	Complete int           // tables now known to be cached whole
	Full     bool          // the cache filled before every row was read
	Took     time.Duration // from start to finish, rests included
	Err      error         // a read that failed; the cache is then only partly warm
}

// warm reads every stored row into the row cache, in key order, so that
// after a restart lookups are answered from memory from the start and
// upserts into a table that fits learn that a row is new without reading
// Badger (rowCache's complete tables).
//
// It runs beside commits. It reads in chunks, each from a fresh snapshot,
// and fills each row with its shard's generation from before that
// snapshot: a row in a shard a commit reached meanwhile is left to the
// commit (fill refuses it), and its table is not marked complete. Fresh
// snapshots keep that window to one chunk, so writes arriving during the
// warm-up cost it a few rows, not every shard they touch. A row too large
// to cache is passed over and leaves only its table incomplete. A table is
// marked complete only if no row anywhere was lost to the ring or refused
// since the warm-up began; once the ring overwrites one, the cache is full
// and the warm-up stops. Between chunks it yields to the store's pacer, as
// bulk writes do.
func (s *Store) warm(stop <-chan struct{}) WarmStats {
	start := time.Now()
	var st WarmStats
	c := s.rows
	losses, evicted := c.losses.Load(), c.evicted.Load()
	table, whole, seen := uint32(0), false, false
	withRows := map[uint32]bool{}
	finish := func() {
		if seen {
			withRows[table] = true
		}
		if seen && whole && c.markComplete(table, losses) {
			st.Complete++
		}
	}
	next := []byte{spaceRow}
	for next != nil && !st.Full {
		select {
		case <-stop:
			st.Took = time.Since(start)
			return st
		default:
		}
		worked := time.Now()
		gens := c.gens()
		seek := next
		next = nil
		st.Err = s.view(func(txn *badger.Txn) error {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{spaceRow}, PrefetchValues: true, PrefetchSize: 256})
			defer it.Close()
			read := 0
			for it.Seek(seek); it.ValidForPrefix([]byte{spaceRow}); it.Next() {
				item := it.Item()
				key := item.Key()
				if read == warmChunk {
					next = item.KeyCopy(nil) // the next chunk starts here
					return nil
				}
				read++
				if len(key) < 5 {
					continue
				}
				if n := binary.BigEndian.Uint32(key[1:5]); n != table || !seen {
					finish()
					table, whole, seen = n, true, true
				}
				err := item.Value(func(v []byte) error {
					if !c.fits(key, v) {
						// fill would count it lost, and no table could
						// then be marked complete.
						whole = false
						return nil
					}
					if c.fill(key, v, c.genOf(&gens, key)) {
						st.Rows++
					} else {
						whole = false
					}
					return nil
				})
				if err != nil {
					return err
				}
				if c.evicted.Load() != evicted {
					st.Full = true
					return nil
				}
			}
			return nil
		})
		if st.Err != nil {
			break
		}
		if s.pacer != nil {
			// Bulk work like an upload: while callers are looking rows up
			// it gives way to them.
			s.pacer.Yield(time.Since(worked))
		}
	}
	if st.Err == nil && !st.Full {
		finish()
		var n int
		n, st.Err = s.markEmptyComplete(withRows, losses)
		st.Complete += n
	}
	st.Took = time.Since(start)
	return st
}

// markEmptyComplete marks the tables the warm-up found no rows of as
// complete, so that the first upload into one after a restart learns that
// its rows are new without reading Badger for each. Rows committed to one
// since the warm-up passed its keys reached the cache with their commits,
// unless the ring lost some, which markComplete sees.
func (s *Store) markEmptyComplete(withRows map[uint32]bool, losses uint64) (int, error) {
	var numbers []uint32
	err := s.view(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{spaceCatalog}, PrefetchValues: true, PrefetchSize: 64})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var t struct{ Number uint32 }
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &t) }); err != nil {
				return err
			}
			if !withRows[t.Number] {
				numbers = append(numbers, t.Number)
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("columndb: warm-up: read tables: %w", err)
	}
	n := 0
	for _, number := range numbers {
		if s.rows.markComplete(number, losses) {
			n++
		}
	}
	return n, nil
}

// warmChunk is the rows the warm-up reads from one snapshot.
const warmChunk = 1024
