package columndb

import "github.com/dgraph-io/badger/v4"

// Badger's own memory, by default up to five 64 MiB memtables (each an
// arena on the heap and a mapped log file beside it) and a 256 MiB block
// cache, is more than a process planned around its row cache has room
// for. sizeBadger fits it into budget bytes, of which Badger's heap
// (BadgerHeap) takes less than half: the rest is for what it maps from
// files and the kernel counts as the process's memory once touched, the
// memtables' logs and the pages of tables being written or read.
func sizeBadger(bo badger.Options, budget int64, encrypted bool) badger.Options {
	if budget <= 0 {
		return bo
	}
	s := badgerSizes(budget, encrypted)
	bo = bo.WithNumMemtables(s.memtables).WithMemTableSize(s.memtable).WithBlockCacheSize(s.blockCache)
	if encrypted {
		bo = bo.WithIndexCacheSize(s.indexCache)
	}
	return bo
}

type sizes struct {
	memtables                        int
	memtable, blockCache, indexCache int64
}

func badgerSizes(budget int64, encrypted bool) sizes {
	const minMemtable, maxMemtable = 8 << 20, 64 << 20
	// Three memtables: the one being written, one being flushed, and one
	// so that an upload does not wait for a flush to finish. Fewer stall
	// writes behind every flush; more hold memory an idle store never
	// gives back. A sixteenth of the budget each: 16 MiB of the default,
	// which loads a million rows as fast as 64 (bench/README.md).
	s := sizes{memtables: 3, memtable: min(max(budget/16, minMemtable), maxMemtable)}
	// The block cache serves the reads the row cache misses; encrypted
	// tables' indexes need a cache of their own, decrypted.
	s.blockCache = max(budget/4, 8<<20)
	if encrypted {
		s.indexCache = max(budget/8, 8<<20)
	}
	return s
}

// BadgerHeap is the part of a BadgerMemory budget that Badger holds on Go's
// heap: its memtables' arenas and its caches. The rest of the budget is
// mapped files, outside Go's memory limit.
func BadgerHeap(budget int64, encrypted bool) int64 {
	if budget <= 0 {
		return 0
	}
	s := badgerSizes(budget, encrypted)
	return int64(s.memtables)*s.memtable + s.blockCache + s.indexCache
}
