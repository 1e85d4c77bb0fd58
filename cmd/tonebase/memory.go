package main

import (
	"math"
	"runtime/debug"
)

// restOfProcessMB is what the process holds beside the row cache and
// Badger: uploads being parsed, connection buffers, the garbage
// collector's room to work.
const restOfProcessMB = 256

// badgerMemory is the memory Badger's memtables and caches are sized to:
// what the memory limit leaves beside the row cache and the rest of the
// process, at least 64 MiB. With no limit at all Badger keeps its defaults.
func badgerMemory(cfg serveConfig) int64 {
	limit := int64(cfg.MemoryLimitMB) << 20
	if limit == 0 {
		if limit = debug.SetMemoryLimit(-1); limit == math.MaxInt64 {
			return 0
		}
	}
	return max(limit-int64(cfg.RowCacheMB+restOfProcessMB)<<20, 64<<20)
}
