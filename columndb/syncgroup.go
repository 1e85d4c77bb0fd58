package columndb

import "sync"

// syncGroup shares syncs between the writers that ask for one at once.
// Every acknowledged write waits for a sync; a payment is one small
// commit, and a sync of Badger's log costs more than the commit, so with
// many in flight each paying for its own the syncs are the work. A caller
// is answered by the first sync that starts after it asked, which covers
// every commit that finished before: what a sync of its own would have
// covered. One sync runs at a time, so the writers that arrive while one
// runs all share the next.
type syncGroup struct {
	mu      sync.Mutex
	cond    *sync.Cond
	running bool
	started uint64 // syncs begun
	lastOK  uint64 // the latest of them that succeeded
}

// do returns once a sync begun after the call has succeeded, running it
// if none is running; the sync's error goes to the caller that ran it,
// and the others wait for the next.
func (g *syncGroup) do(syncNow func() error) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cond == nil {
		g.cond = sync.NewCond(&g.mu)
	}
	need := g.started + 1
	for g.lastOK < need {
		if g.running {
			g.cond.Wait()
			continue
		}
		g.running = true
		g.started++
		gen := g.started
		g.mu.Unlock()
		err := syncNow()
		g.mu.Lock()
		g.running = false
		if err == nil {
			g.lastOK = max(g.lastOK, gen)
		}
		g.cond.Broadcast()
		if err != nil {
			return err
		}
	}
	return nil
}
