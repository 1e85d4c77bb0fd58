package columndb

import "github.com/dgraph-io/badger/v4"

// Badger's own memory, by default up to five 64 MiB memtables (each an
// arena on the heap and a mapped log file beside it) and a 256 MiB block
// cache, is more than a process planned around its row cache has room
// for. sizeBadger fits it into budget bytes: a third of it to memtables,
// which absorb an upload's writes between flushes, and the rest to the
// caches, which serve the reads the row cache misses.
func sizeBadger(bo badger.Options, budget int64, encrypted bool) badger.Options {
	if budget <= 0 {
		return bo
	}
	const minMemtable, maxMemtable = 8 << 20, 64 << 20
	// Three memtables: the one being written, one being flushed, and one
	// so that an upload does not wait for a flush to finish. Fewer stall
	// writes behind every flush; more hold memory an idle store never
	// gives back.
	const memtables = 3
	memtable := min(max(budget/3/memtables, minMemtable), maxMemtable)
	bo = bo.WithNumMemtables(memtables).WithMemTableSize(memtable)
	caches := max(budget-memtables*memtable, 16<<20)
	if encrypted {
		// Encrypted tables' indexes must be decrypted into a cache of
		// their own: a third of what the caches have.
		bo = bo.WithIndexCacheSize(caches / 3)
		caches -= caches / 3
	}
	return bo.WithBlockCacheSize(caches)
}
