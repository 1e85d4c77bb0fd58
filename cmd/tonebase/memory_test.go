package main

import "testing"

func TestParseServeMemoryLimit(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		want       int // MiB
		badger     int64
		goLimit    int64
		wantErrSub string
	}{
		// Of Badger's 256 MiB, 48 are memtable arenas and 64 the block
		// cache on Go's heap; the rest is mapped files, outside Go's limit.
		{name: "default: the row cache and 512", want: 1024 + 512, badger: 256 << 20, goLimit: (1024 + 512 - 144) << 20},
		{name: "a master key adds an index cache to the heap", env: map[string]string{"TONEBASE_MASTER_KEY": "x"}, want: 1024 + 512, badger: 256 << 20, goLimit: (1024 + 512 - 112) << 20},
		{name: "default follows the row cache", args: []string{"--row-cache-mb", "2048"}, want: 2048 + 512, badger: 256 << 20},
		{name: "MiB", args: []string{"--memory-limit", "3000"}, want: 3000, badger: (3000 - 1024 - 256) << 20},
		{name: "MiB suffix", args: []string{"--memory-limit", "3000MiB"}, want: 3000},
		{name: "GiB suffix", args: []string{"--memory-limit", "4GiB"}, want: 4096},
		{name: "environment", env: map[string]string{"TONEBASE_MEMORY_LIMIT": "2GiB"}, want: 2048},
		{name: "flag beats environment", args: []string{"--memory-limit", "3GiB"}, env: map[string]string{"TONEBASE_MEMORY_LIMIT": "2GiB"}, want: 3072},
		{name: "a GOMEMLIMIT setting is kept", env: map[string]string{"GOMEMLIMIT": "3GiB"}, want: 0},
		{name: "and Go's limit left to it", env: map[string]string{"GOMEMLIMIT": "3GiB"}, want: 0, goLimit: -1},
		{name: "Badger gets at least 64 MiB", args: []string{"--memory-limit", "1100"}, want: 1100, badger: 64 << 20},
		{name: "not a size", args: []string{"--memory-limit", "lots"}, wantErrSub: "--memory-limit"},
		{name: "a unit it does not take", args: []string{"--memory-limit", "2GB"}, wantErrSub: "--memory-limit"},
		{name: "zero", args: []string{"--memory-limit", "0"}, wantErrSub: "--memory-limit"},
		{name: "no room beside the row cache", args: []string{"--memory-limit", "1050"}, wantErrSub: "--row-cache-mb"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := parseCase(t, tc.args, tc.env, tc.wantErrSub, "GOMEMLIMIT", "TONEBASE_MEMORY_LIMIT", "TONEBASE_ROW_CACHE_MB", "TONEBASE_MASTER_KEY")
			if !ok {
				return
			}
			if c.MemoryLimitMB != tc.want {
				t.Fatalf("MemoryLimitMB = %d, want %d", c.MemoryLimitMB, tc.want)
			}
			if tc.goLimit == -1 && goMemoryLimit(c) != 0 {
				t.Fatalf("goMemoryLimit = %d with GOMEMLIMIT set, want it left alone", goMemoryLimit(c))
			}
			if tc.goLimit > 0 {
				if got := goMemoryLimit(c); got != tc.goLimit {
					t.Fatalf("goMemoryLimit = %d MiB, want %d", got>>20, tc.goLimit>>20)
				}
			}
			if tc.badger != 0 {
				if got := badgerMemory(c); got != tc.badger {
					t.Fatalf("badgerMemory = %d MiB, want %d", got>>20, tc.badger>>20)
				}
			}
		})
	}
}
