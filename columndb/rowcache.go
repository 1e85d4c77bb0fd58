package columndb

import (
	"encoding/binary"
	"hash/maphash"
	"sync"
)

// rowCache keeps stored rows in memory, keyed by their storage key, so a
// point read by primary key (every IVR lookup of a database keyed by its
// refs) is a map read instead of a Badger read through the memtables and
// levels. Badger's read path takes a lock that its flushes take too; during a
// large upload a lookup served from here never meets it.
//
// It is written through: a commit that changes rows puts their new values in
// (or takes deleted ones out) once the commit has succeeded, so after an
// upload's rows are acknowledged every read sees them. A read that misses
// fills the entry from Badger unless a commit touched the shard in between,
// which would make the value it read possibly stale. When a shard is over
// its share of the budget it forgets entries at random (Go's map order).
//
// A table whose every row is in the cache is complete: created while the
// cache was on and never since lost a row to eviction. An upsert into a
// complete table learns from a cache miss that a row is new, without the
// Badger read that is otherwise a third of the cost of ingesting it.
type rowCache struct {
	seed   maphash.Seed
	limit  int64 // bytes per shard; 0 turns the cache off
	shards [64]cacheShard

	mu       sync.RWMutex
	complete map[uint32]bool // table number → every row is cached
}

type cacheShard struct {
	mu    sync.RWMutex
	gen   uint64 // commits applied to this shard; guarded by mu
	bytes int64
	rows  map[string][]byte
}

// entryOverhead approximates a map entry's own cost beyond key and value.
const entryOverhead = 64

// cacheOp is one row change a commit makes; a nil val is a delete.
type cacheOp struct {
	key string
	val []byte
}

func newRowCache(budget int64) *rowCache {
	c := &rowCache{seed: maphash.MakeSeed(), complete: map[uint32]bool{}}
	if budget > 0 {
		c.limit = max(budget/int64(len(c.shards)), 1)
	}
	for i := range c.shards {
		c.shards[i].rows = map[string][]byte{}
	}
	return c
}

func (c *rowCache) on() bool { return c.limit > 0 }

func (c *rowCache) shard(key []byte) *cacheShard {
	return &c.shards[maphash.Bytes(c.seed, key)%uint64(len(c.shards))]
}

func (c *rowCache) shardOf(key string) *cacheShard {
	return &c.shards[maphash.String(c.seed, key)%uint64(len(c.shards))]
}

// get returns the cached value and, on a miss, the shard generation to hand
// back to fill. The value is shared: callers must not modify it.
func (c *rowCache) get(key []byte) ([]byte, uint64, bool) {
	sh := c.shard(key)
	sh.mu.RLock()
	v, ok := sh.rows[string(key)]
	gen := sh.gen
	sh.mu.RUnlock()
	return v, gen, ok
}

// fill caches what a read found, unless a commit reached the shard after
// the read's get: then the read may predate it.
func (c *rowCache) fill(key, val []byte, gen uint64) {
	sh := c.shard(key)
	sh.mu.Lock()
	if sh.gen == gen {
		if _, ok := sh.rows[string(key)]; !ok {
			c.put(sh, string(key), append([]byte(nil), val...))
		}
	}
	sh.mu.Unlock()
}

// apply records a successful commit's row changes.
func (c *rowCache) apply(ops []cacheOp) {
	for _, op := range ops {
		sh := c.shardOf(op.key)
		sh.mu.Lock()
		sh.gen++
		if old, ok := sh.rows[op.key]; ok {
			sh.bytes -= int64(len(op.key) + len(old) + entryOverhead)
			delete(sh.rows, op.key)
		}
		if op.val != nil {
			c.put(sh, op.key, op.val)
		}
		sh.mu.Unlock()
	}
}

// forget drops every entry under prefix: a dropped table's rows.
func (c *rowCache) forget(prefix []byte) {
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		sh.gen++
		if len(prefix) == 5 {
			c.lost(string(prefix))
		}
		for k, v := range sh.rows {
			if len(k) >= len(prefix) && k[:len(prefix)] == string(prefix) {
				sh.bytes -= int64(len(k) + len(v) + entryOverhead)
				delete(sh.rows, k)
			}
		}
		sh.mu.Unlock()
	}
}

// put adds an entry sh (locked) does not hold, evicting to stay in limit.
// An evicted row's table stops being complete before the row goes, so a
// writer that misses it and then asks isComplete learns to read Badger.
func (c *rowCache) put(sh *cacheShard, key string, val []byte) {
	size := int64(len(key) + len(val) + entryOverhead)
	if size > c.limit {
		c.lost(key)
		return
	}
	if sh.bytes+size > c.limit {
		c.evict(sh, size)
	}
	sh.rows[key] = val
	sh.bytes += size
}

// evict forgets random entries of sh until size more bytes fit, with some
// room to spare so that the next puts do not each start an eviction.
func (c *rowCache) evict(sh *cacheShard, size int64) {
	for k, v := range sh.rows {
		if sh.bytes+size <= c.limit-c.limit/32 {
			break
		}
		c.lost(k)
		sh.bytes -= int64(len(k) + len(v) + entryOverhead)
		delete(sh.rows, k)
	}
}

// lost marks the table of a row key that is not cached as incomplete.
func (c *rowCache) lost(key string) {
	if len(key) < 5 || key[0] != spaceRow {
		return
	}
	n := binary.BigEndian.Uint32([]byte(key[1:5]))
	c.mu.RLock()
	was := c.complete[n]
	c.mu.RUnlock()
	if was {
		c.mu.Lock()
		delete(c.complete, n)
		c.mu.Unlock()
	}
}

// created marks a new, empty table as complete.
func (c *rowCache) created(number uint32) {
	if c.on() {
		c.mu.Lock()
		c.complete[number] = true
		c.mu.Unlock()
	}
}

// isComplete reports whether every row of the table is cached. Ask it after
// a miss, not before: an eviction marks the table first.
func (c *rowCache) isComplete(number uint32) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.complete[number]
}

// size reports the entries and bytes held, for tests and metrics.
func (c *rowCache) size() (rows int, bytes int64) {
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.RLock()
		rows += len(sh.rows)
		bytes += sh.bytes
		sh.mu.RUnlock()
	}
	return rows, bytes
}
