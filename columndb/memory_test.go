package columndb

import (
	"testing"

	"github.com/dgraph-io/badger/v4"
)

func TestSizeBadger(t *testing.T) {
	def := badger.DefaultOptions("")
	tests := []struct {
		name      string
		budget    int64
		encrypted bool
	}{
		{"the default headroom", 256 << 20, false},
		{"encrypted", 256 << 20, true},
		{"the smallest", 64 << 20, false},
		{"a large one", 4 << 30, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bo := sizeBadger(def, tt.budget, tt.encrypted)
			total := int64(bo.NumMemtables)*bo.MemTableSize + bo.BlockCacheSize + bo.IndexCacheSize
			// The memtables' logs are mapped beside their arenas.
			if total+int64(bo.NumMemtables)*bo.MemTableSize > tt.budget {
				t.Fatalf("memtables %d × %d MiB, block cache %d MiB, index cache %d MiB: %d MiB over a budget of %d",
					bo.NumMemtables, bo.MemTableSize>>20, bo.BlockCacheSize>>20, bo.IndexCacheSize>>20, total>>20, tt.budget>>20)
			}
			if bo.MemTableSize < 8<<20 || bo.MemTableSize > def.MemTableSize || bo.BlockCacheSize <= 0 {
				t.Fatalf("memtables of %d MiB, block cache %d MiB", bo.MemTableSize>>20, bo.BlockCacheSize>>20)
			}
			if heap := BadgerHeap(tt.budget, tt.encrypted); heap != total {
				t.Fatalf("BadgerHeap says %d MiB, the options hold %d", heap>>20, total>>20)
			}
			if tt.encrypted != (bo.IndexCacheSize > 0) {
				t.Fatalf("index cache %d MiB with encryption %v: Badger needs one exactly when tables are encrypted", bo.IndexCacheSize>>20, tt.encrypted)
			}
		})
	}
	if bo := sizeBadger(def, 0, false); bo.MemTableSize != def.MemTableSize || bo.BlockCacheSize != def.BlockCacheSize {
		t.Fatal("no budget changed Badger's defaults")
	}
}
