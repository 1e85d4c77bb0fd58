package columndb

import (
	"sync"
	"sync/atomic"
)

// derived holds what owners compute from one table definition. A
// definition never changes (a change is a new *Table), so what is derived
// from it holds as long as it does.
type derived struct {
	mu      sync.Mutex
	entries atomic.Pointer[[]derivedEntry] // copied on write; read without the lock
}

type derivedEntry struct {
	key, val any
}

// Derived returns build(t), built once per table definition and kept with
// it under key, so an owner's reading of its attributes is not repeated on
// every request. key is a comparable value of the owner's own type; build
// must not modify t.
func (t *Table) Derived(key any, build func(*Table) any) any {
	d := t.derived
	if d == nil { // a table not read through the store
		return build(t)
	}
	if es := d.entries.Load(); es != nil {
		for _, e := range *es {
			if e.key == key {
				return e.val
			}
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var es []derivedEntry
	if p := d.entries.Load(); p != nil {
		es = *p
		for _, e := range es {
			if e.key == key {
				return e.val
			}
		}
	}
	v := build(t)
	next := append(append(make([]derivedEntry, 0, len(es)+1), es...), derivedEntry{key, v})
	d.entries.Store(&next)
	return v
}
