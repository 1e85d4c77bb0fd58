package columndb

// slotIndex maps key hashes to ring offsets for one row-cache shard. It is
// an open-addressing table of packed words, tag<<32 | offset+1 (0 is an
// empty slot), probed linearly from the slot the tag picks.
//
// It replaces a Go map for the one reason a lookup cares about: over a
// cache of millions of rows every read misses the CPU caches, and a
// map[uint64]uint32 reaches its entry through its directory, table, control
// word and slot, several misses apart, where a probe here touches one word
// and usually its neighbours on the same line. The ring's key is compared
// after a tag matches, so the tag only has to narrow the search: two keys
// with one tag both stay indexed and findable.
//
// The tag is the hash's upper 32 bits and also chooses the home slot, so a
// table can double without rehashing a key from the ring. Deletes shift the
// entries after them back, leaving no tombstones for probes to step over.
type slotIndex struct {
	slots []uint64
	used  int
}

// slotTag is the part of a key hash the index keeps.
func slotTag(h uint64) uint32 { return uint32(h >> 32) }

func (x *slotIndex) home(tag uint32) int { return int(tag) & (len(x.slots) - 1) }

// match returns the first slot from i on, wrapping, that holds tag, and the
// offset it records; ok is false once an empty slot ends the probe.
func (x *slotIndex) match(tag uint32, i int) (slot, off int, ok bool) {
	if x.used == 0 {
		return 0, 0, false
	}
	mask := len(x.slots) - 1
	for ; ; i = (i + 1) & mask {
		s := x.slots[i]
		if s == 0 {
			return 0, 0, false
		}
		if uint32(s>>32) == tag {
			return i, int(uint32(s)) - 1, true
		}
	}
}

// first starts a probe for tag; next continues it past slot.
func (x *slotIndex) first(tag uint32) (slot, off int, ok bool) {
	return x.match(tag, x.home(tag))
}

func (x *slotIndex) next(tag uint32, slot int) (int, int, bool) {
	return x.match(tag, (slot+1)&(len(x.slots)-1))
}

// insert records off under tag. The caller has removed any entry for the
// same key; another key's entry under the same tag stays.
func (x *slotIndex) insert(tag uint32, off int) {
	if (x.used+1)*2 > len(x.slots) { // at most half full: a miss probes 2.5 slots on average, not 8.5 as at three quarters
		x.resize(max(2*len(x.slots), 1024))
	}
	x.place(uint64(tag)<<32 | uint64(off+1))
	x.used++
}

func (x *slotIndex) place(s uint64) {
	mask := len(x.slots) - 1
	i := x.home(uint32(s >> 32))
	for x.slots[i] != 0 {
		i = (i + 1) & mask
	}
	x.slots[i] = s
}

func (x *slotIndex) resize(n int) {
	old := x.slots
	x.slots = make([]uint64, n)
	for _, s := range old {
		if s != 0 {
			x.place(s)
		}
	}
}

// deleteAt empties slot and moves back each later entry of its probe run
// that would otherwise be cut off from its home slot.
func (x *slotIndex) deleteAt(slot int) {
	mask := len(x.slots) - 1
	hole := slot
	for j := (hole + 1) & mask; x.slots[j] != 0; j = (j + 1) & mask {
		home := x.home(uint32(x.slots[j] >> 32))
		// The entry at j may fill the hole unless its home lies cyclically
		// after the hole and at or before j: then it would move in front of
		// where its probes start.
		if (j-home)&mask >= (j-hole)&mask {
			x.slots[hole] = x.slots[j]
			hole = j
		}
	}
	x.slots[hole] = 0
	x.used--
}

// keep rebuilds the index with only the entries for which fn is true.
func (x *slotIndex) keep(fn func(off int) bool) {
	old := x.slots
	x.slots = make([]uint64, len(old))
	x.used = 0
	for _, s := range old {
		if s != 0 && fn(int(uint32(s))-1) {
			x.place(s)
			x.used++
		}
	}
}
