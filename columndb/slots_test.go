package columndb

import (
	"slices"
	"testing"
)

// TestSlotIndex holds the index to a plain model through inserts, deletes
// and growth. Tags are drawn from a few values so entries collide, share
// probe runs and wrap around the table's end, which is where backward-shift
// deletion goes wrong if it does.
func TestSlotIndex(t *testing.T) {
	tests := []struct {
		name string
		tags uint32 // distinct tags drawn; 0 draws tags whose homes straddle the table's end
		ops  int
	}{
		{"every tag the same", 1, 3000},
		{"few tags, long runs", 7, 4000},
		{"runs across the end", 0, 4000},
		{"spread", 1 << 20, 20000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var x slotIndex
			model := map[int]uint32{} // offset → tag
			rnd := uint64(7)
			next := func(n uint64) uint64 { rnd = rnd*6364136223846793005 + 1442695040888963407; return (rnd >> 11) % n }
			tagFor := func() uint32 {
				if tt.tags == 0 {
					return uint32(next(8)) - 4 // homes in the last 4 and first 4 slots of any size
				}
				return uint32(next(uint64(tt.tags))) * 2654435761
			}
			off := 0
			for step := range tt.ops {
				if len(model) > 0 && next(3) == 0 {
					// Delete a random live entry through its own probe.
					victims := make([]int, 0, len(model))
					for o := range model {
						victims = append(victims, o)
					}
					slices.Sort(victims)
					o := victims[next(uint64(len(victims)))]
					tag := model[o]
					found := false
					for slot, got, ok := x.first(tag); ok; slot, got, ok = x.next(tag, slot) {
						if got == o {
							x.deleteAt(slot)
							found = true
							break
						}
					}
					if !found {
						t.Fatalf("step %d: offset %d under tag %#x not found before delete", step, o, tag)
					}
					delete(model, o)
				} else {
					tag := tagFor()
					x.insert(tag, off)
					model[off] = tag
					off++
				}
				if step%257 != 0 && step != tt.ops-1 {
					continue
				}
				if x.used != len(model) {
					t.Fatalf("step %d: used %d, model holds %d", step, x.used, len(model))
				}
				for o, tag := range model {
					var offs []int
					for slot, got, ok := x.first(tag); ok; slot, got, ok = x.next(tag, slot) {
						offs = append(offs, got)
					}
					if !slices.Contains(offs, o) {
						t.Fatalf("step %d: offset %d under tag %#x not found (probe saw %v)", step, o, tag, offs)
					}
					for _, got := range offs {
						if model[got] != tag {
							t.Fatalf("step %d: probe for tag %#x returned offset %d, which is not under it", step, tag, got)
						}
					}
				}
			}
			kept := 0
			x.keep(func(o int) bool {
				if o%2 == 0 {
					kept++
					return true
				}
				delete(model, o)
				return false
			})
			if x.used != kept || kept != len(model) {
				t.Fatalf("keep: used %d, kept %d, model %d", x.used, kept, len(model))
			}
			for o, tag := range model {
				slot, got, ok := x.first(tag)
				for ok && got != o {
					slot, got, ok = x.next(tag, slot)
				}
				if !ok {
					t.Fatalf("keep: offset %d lost", o)
				}
			}
		})
	}
}

func TestSlotIndexEmpty(t *testing.T) {
	var x slotIndex
	if _, _, ok := x.first(12345); ok {
		t.Fatal("an empty index matched")
	}
	x.insert(5, 0)
	x.deleteAt(func() int { s, _, _ := x.first(5); return s }())
	if _, _, ok := x.first(5); ok || x.used != 0 {
		t.Fatalf("after deleting its only entry: match %v, used %d", ok, x.used)
	}
}
