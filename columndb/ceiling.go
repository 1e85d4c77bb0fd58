package columndb

import (
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// WriteBatchCeiling writes n key/value pairs straight into a fresh Badger
// store in dir with one WriteBatch, synced, and reports how long it took.
// It is the storage ceiling the whole-service ingest benchmark is compared
// against: no parsing, no upsert reads, no indexes, no HTTP.
func WriteBatchCeiling(dir string, n int, kv func(i int) (key, val []byte)) (time.Duration, error) {
	db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil))
	if err != nil {
		return 0, fmt.Errorf("columndb: ceiling: %w", err)
	}
	defer db.Close()
	start := time.Now()
	wb := db.NewWriteBatch()
	for i := 0; i < n; i++ {
		k, v := kv(i)
		if err := wb.Set(k, v); err != nil {
			wb.Cancel()
			return 0, fmt.Errorf("columndb: ceiling: %w", err)
		}
	}
	if err := wb.Flush(); err != nil {
		return 0, fmt.Errorf("columndb: ceiling: %w", err)
	}
	if err := db.Sync(); err != nil {
		return 0, fmt.Errorf("columndb: ceiling: %w", err)
	}
	return time.Since(start), nil
}
