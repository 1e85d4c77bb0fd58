package columndb

import (
	"encoding/binary"
	"hash/maphash"
	"sync"
	"sync/atomic"
)

// rowCache keeps stored rows in memory, keyed by their storage key, so a
// point read by primary key (every lookup of a table whose lookup columns
// cover its primary key) is a map read instead of a Badger read through the memtables and
// levels. Badger's read path takes a lock that its flushes take too; during a
// large upload a lookup served from here never meets it.
//
// It is written through: a commit that changes rows puts their new values in
// (or takes deleted ones out) once the commit has succeeded, so after an
// upload's rows are acknowledged every read sees them. A read that misses
// fills the entry from Badger unless a commit touched the shard in between,
// which would make the value it read possibly stale.
//
// Rows live in one ring of bytes per shard, found through an index from key
// hash to offset (slotIndex): neither holds a pointer, so a cache of millions
// of rows gives the garbage collector nothing to scan. New entries overwrite the
// oldest once a shard's ring is full.
//
// A table whose every row is in the cache is complete: created while the
// cache was on and never since lost a row to the ring. An upsert into a
// complete table learns from a cache miss that a row is new, without the
// Badger read that is otherwise a third of the cost of ingesting it.
type rowCache struct {
	seed   maphash.Seed
	limit  int // ring bytes per shard; 0 turns the cache off
	shards [cacheShards]cacheShard

	mu       sync.RWMutex
	complete map[uint32]bool // table number → every row is cached
	losses   atomic.Uint64   // rows lost to the ring or refused, ever: a warm-up that saw none may mark tables complete
	evicted  atomic.Uint64   // rows the ring overwrote, ever: a warm-up stops at the first, the cache being full
}

type cacheShard struct {
	mu    sync.RWMutex
	gen   uint64    // commits applied to this shard; guarded by mu
	index slotIndex // key hash → entry offset in ring
	ring  []byte    // entries: [4: length][2: key length][key][value]
	head  int       // where the next entry goes
	tail  int       // the oldest entry of the last lap still ahead of head
	end   int       // where the last lap's entries end; 0 when none are ahead
	live  int64     // bytes of indexed entries
}

const entryHeader = 6

const cacheShards = 64

func newRowCache(budget int64) *rowCache {
	c := &rowCache{seed: maphash.MakeSeed(), complete: map[uint32]bool{}}
	if budget > 0 {
		c.limit = int(min(max(budget/int64(len(c.shards)), 512), 1<<31))
	}
	return c
}

func (c *rowCache) on() bool { return c.limit > 0 }

func (c *rowCache) shard(h uint64) *cacheShard { return &c.shards[h%uint64(len(c.shards))] }

// find returns the index slot and ring offset of key's entry in sh
// (locked), and its value.
func (sh *cacheShard) find(h uint64, key []byte) (slot, off int, val []byte, ok bool) {
	tag := slotTag(h)
	for slot, o, ok := sh.index.first(tag); ok; slot, o, ok = sh.index.next(tag, slot) {
		n := int(binary.BigEndian.Uint32(sh.ring[o:]))
		kl := int(binary.BigEndian.Uint16(sh.ring[o+4:]))
		if string(sh.ring[o+entryHeader:o+entryHeader+kl]) == string(key) {
			return slot, o, sh.ring[o+entryHeader+kl : o+n], true
		}
	}
	return 0, 0, nil, false
}

// get appends key's cached value to dst. On a miss it returns the shard
// generation to hand back to fill.
func (c *rowCache) get(key, dst []byte) ([]byte, uint64, bool) {
	h := maphash.Bytes(c.seed, key)
	sh := c.shard(h)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	if _, _, v, ok := sh.find(h, key); ok {
		return append(dst, v...), 0, true
	}
	return nil, sh.gen, false
}

// fill caches what a read found, unless a commit reached the shard after
// the read's get: then the read may predate it. It reports whether key is
// cached now.
func (c *rowCache) fill(key, val []byte, gen uint64) bool {
	h := maphash.Bytes(c.seed, key)
	sh := c.shard(h)
	c.lockFor(sh, entryHeader+len(key)+len(val))
	defer sh.mu.Unlock()
	if sh.gen != gen {
		return false
	}
	if _, _, _, ok := sh.find(h, key); ok {
		return true
	}
	return c.put(sh, h, key, val)
}

// gens returns every shard's generation, for reads that fill many shards
// from one snapshot: take them before the snapshot.
func (c *rowCache) gens() (g [cacheShards]uint64) {
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.RLock()
		g[i] = sh.gen
		sh.mu.RUnlock()
	}
	return g
}

// genOf returns key's shard's entry in gens.
func (c *rowCache) genOf(gens *[cacheShards]uint64, key []byte) uint64 {
	return gens[maphash.Bytes(c.seed, key)%uint64(len(c.shards))]
}

// cacheOp is one row change a commit makes; a nil val is a delete.
type cacheOp struct {
	key []byte
	val []byte
}

// apply records a successful commit's row changes.
func (c *rowCache) apply(ops []cacheOp) {
	for _, op := range ops {
		c.applyOne(op.key, op.val)
	}
}

// applyOps applies the row changes among a committed batch's ops.
func (c *rowCache) applyOps(ops []Op) {
	for _, op := range ops {
		if len(op.Key) == 0 || op.Key[0] != spaceRow {
			continue
		}
		val := op.Value
		if op.Delete {
			val = nil
		}
		c.applyOne(op.Key, val)
	}
}

// applyOne puts val under key, or with a nil val removes key.
func (c *rowCache) applyOne(key, val []byte) {
	h := maphash.Bytes(c.seed, key)
	sh := c.shard(h)
	if val != nil {
		c.lockFor(sh, entryHeader+len(key)+len(val))
	} else {
		sh.mu.Lock()
	}
	sh.gen++
	c.remove(sh, h, key)
	if val != nil {
		c.put(sh, h, key, val)
	}
	sh.mu.Unlock()
}

// remove takes key's entry out of sh's index; its bytes wait for the ring.
func (c *rowCache) remove(sh *cacheShard, h uint64, key []byte) {
	if slot, o, _, ok := sh.find(h, key); ok {
		sh.live -= int64(binary.BigEndian.Uint32(sh.ring[o:]))
		sh.index.deleteAt(slot)
	}
}

// lockFor locks sh for a put of n bytes. A ring in its first lap without
// room for them is grown first, with the lock free: copying a shard's ring
// under its lock held every lookup of the shard for up to 21 ms a doubling
// at 2 to 8 MiB (mostly faulting in the new pages), and a copy of megabytes
// is one call the garbage collector's stop-the-world waits for. In the first lap
// entries are only ever appended, so the bytes before the head stay as
// they are while the lock is free; what was appended meanwhile is copied
// under the lock, and a ring another writer grew first is left to it.
func (c *rowCache) lockFor(sh *cacheShard, n int) {
	for {
		sh.mu.Lock()
		g, ok := c.startGrow(sh, n)
		if !ok {
			return
		}
		sh.mu.Unlock()
		c.finishGrow(sh, g, g.copy())
	}
}

// growing is a ring being grown with its shard's lock free.
type growing struct {
	old  []byte
	head int // old's head when the growth began
	size int
}

// startGrow reports whether sh's ring (locked) must grow before a put of n
// bytes, and how.
func (c *rowCache) startGrow(sh *cacheShard, n int) (growing, bool) {
	size := c.growth(sh, n)
	return growing{old: sh.ring, head: sh.head, size: size}, size > 0
}

// copy makes the grown ring and copies what the ring held when the growth
// began, a chunk at a time: a copy is one call the garbage collector's
// stop-the-world must wait for.
func (g growing) copy() []byte {
	grown := make([]byte, g.size)
	for i := 0; i < g.head; i += growChunk {
		copy(grown[i:g.head], g.old[i:min(i+growChunk, g.head)])
	}
	return grown
}

// finishGrow copies in what was appended since the growth began and puts
// grown in place, unless another writer grew the ring first.
func (c *rowCache) finishGrow(sh *cacheShard, g growing, grown []byte) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if len(sh.ring) == len(g.old) { // growing always lengthens the ring
		copy(grown[g.head:], g.old[g.head:sh.head])
		sh.ring = grown
	}
}

// growChunk bounds one copy while a ring grows: a copy is not preemptible.
const growChunk = 256 << 10

// growth returns the size sh's ring (locked) grows to before a put of n
// bytes, or 0 when it has room or may not grow.
func (c *rowCache) growth(sh *cacheShard, n int) int {
	if sh.end != 0 || sh.head+n <= len(sh.ring) || len(sh.ring) >= c.limit || n > c.limit/4 {
		return 0
	}
	return min(max(2*len(sh.ring), sh.head+n, 64<<10), c.limit)
}

// put writes an entry sh (locked) does not index, unless it is too large
// to keep. The ring grows until it reaches the shard's limit (lockFor has
// grown it already unless another writer took the room), then wraps,
// overwriting its oldest entries.
func (c *rowCache) put(sh *cacheShard, h uint64, key, val []byte) bool {
	if !c.fits(key, val) {
		c.lost(key)
		return false
	}
	n := entryHeader + len(key) + len(val)
	if sh.head+n > len(sh.ring) {
		if size := c.growth(sh, n); size > 0 { // first lap: grow
			grown := make([]byte, size)
			copy(grown, sh.ring[:sh.head])
			sh.ring = grown
		}
		if sh.head+n > len(sh.ring) { // full: a new lap starts at 0
			for sh.tail < sh.end {
				sh.tail += c.evict(sh, sh.tail)
			}
			sh.head, sh.tail, sh.end = 0, 0, sh.head
		}
	}
	for sh.end > 0 && sh.tail < sh.head+n { // the last lap's oldest are in the way
		if sh.tail >= sh.end {
			sh.tail, sh.end = 0, 0
			break
		}
		sh.tail += c.evict(sh, sh.tail)
	}
	o := sh.head
	binary.BigEndian.PutUint32(sh.ring[o:], uint32(n))
	binary.BigEndian.PutUint16(sh.ring[o+4:], uint16(len(key)))
	copy(sh.ring[o+entryHeader:], key)
	copy(sh.ring[o+entryHeader+len(key):], val)
	sh.head += n
	sh.index.insert(slotTag(h), o)
	sh.live += int64(n)
	return true
}

// fits reports whether an entry is small enough to keep: a quarter of a
// shard's ring at most, so that one row cannot empty it.
func (c *rowCache) fits(key, val []byte) bool {
	return entryHeader+len(key)+len(val) <= c.limit/4 && len(key) <= 0xffff
}

// evict unindexes the entry at o, if the index still points at it, and
// returns its length.
func (c *rowCache) evict(sh *cacheShard, o int) int {
	n := int(binary.BigEndian.Uint32(sh.ring[o:]))
	kl := int(binary.BigEndian.Uint16(sh.ring[o+4:]))
	key := sh.ring[o+entryHeader : o+entryHeader+kl]
	tag := slotTag(maphash.Bytes(c.seed, key))
	for slot, off, ok := sh.index.first(tag); ok; slot, off, ok = sh.index.next(tag, slot) {
		if off == o {
			c.evicted.Add(1)
			c.lost(key)
			sh.live -= int64(n)
			sh.index.deleteAt(slot)
			break
		}
	}
	return n
}

// lost marks the table of a row key that is not cached as incomplete.
func (c *rowCache) lost(key []byte) {
	if len(key) < 5 || key[0] != spaceRow {
		return
	}
	n := binary.BigEndian.Uint32(key[1:5])
	c.losses.Add(1) // before reading complete: see markComplete
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

// markComplete marks a table whose every row a warm-up cached as complete,
// unless a row was lost since the warm-up read losses. lost counts a loss
// before it reads complete, and this reads the count and writes complete
// under one lock: either it sees the loss, or the loss sees the mark and
// takes it back.
func (c *rowCache) markComplete(number uint32, losses uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.losses.Load() != losses {
		return false
	}
	c.complete[number] = true
	return true
}

// isComplete reports whether every row of the table is cached. Ask it after
// a miss, not before: the ring marks a table before it loses a row.
func (c *rowCache) isComplete(number uint32) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.complete[number]
}

// forget drops every entry under prefix: a dropped table's rows.
func (c *rowCache) forget(prefix []byte) {
	c.lost(prefix)
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		sh.gen++
		sh.index.keep(func(o int) bool {
			kl := int(binary.BigEndian.Uint16(sh.ring[o+4:]))
			key := sh.ring[o+entryHeader : o+entryHeader+kl]
			if len(key) >= len(prefix) && string(key[:len(prefix)]) == string(prefix) {
				sh.live -= int64(binary.BigEndian.Uint32(sh.ring[o:]))
				return false
			}
			return true
		})
		sh.mu.Unlock()
	}
}

// size reports the entries and bytes held, for tests and metrics.
func (c *rowCache) size() (rows int, bytes int64) {
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.RLock()
		rows += sh.index.used
		bytes += int64(len(sh.ring))
		sh.mu.RUnlock()
	}
	return rows, bytes
}
