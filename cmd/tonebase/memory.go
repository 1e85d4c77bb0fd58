package main

import (
	"math"
	"runtime/debug"

	"github.com/tonebase/tonebase/columndb"
)

// restOfProcessMB is what the process holds beside the row cache and
// Badger: uploads being parsed, connection buffers, the garbage
// collector's room to work.
const restOfProcessMB = 256

// badgerMemory is the memory Badger's memtables, caches and mapped files
// are sized to: what the memory limit leaves beside the row cache and the
// rest of the process, at least 64 MiB. With no limit at all Badger keeps
// its defaults.
func badgerMemory(cfg serveConfig) int64 {
	limit := int64(cfg.MemoryLimitMB) << 20
	if limit == 0 {
		if limit = debug.SetMemoryLimit(-1); limit == math.MaxInt64 {
			return 0
		}
	}
	return max(limit-int64(cfg.RowCacheMB+restOfProcessMB)<<20, 64<<20)
}

// goMemoryLimit is Go's soft memory limit for --memory-limit: the limit is
// what the kernel is to count (RSS), and of Badger's share the files it
// maps count there without being Go's, so Go's limit is lower by them.
// 0 when --memory-limit left GOMEMLIMIT in charge.
func goMemoryLimit(cfg serveConfig) int64 {
	if cfg.MemoryLimitMB == 0 {
		return 0
	}
	b := badgerMemory(cfg)
	return int64(cfg.MemoryLimitMB)<<20 - (b - columndb.BadgerHeap(b, encrypted(cfg)))
}

// encrypted reports whether serve will open the store encrypted: it has a
// master key.
func encrypted(cfg serveConfig) bool { return cfg.MasterKeyFile != "" || cfg.MasterKey != "" }
