package httpx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Received is a request body held while its signature is checked, before
// any of it is trusted: in memory when it is small, announced, and a
// MemBudget has room for it, in a spool file otherwise. Either way it is
// read back from its start, as often as it is opened.
type Received struct {
	mem     []byte
	spool   *Spooled
	release func()
}

// MemBudget bounds the bytes of the bodies Receive holds in memory at
// once, across every request: past it bodies go to disk, so a crowd of
// senders without a valid credential costs at most the budget in memory.
type MemBudget struct {
	mu         sync.Mutex
	used, most int64
	each       int64
}

// NewMemBudget returns a budget of most bytes in all, each body at most
// each bytes.
func NewMemBudget(most, each int64) *MemBudget { return &MemBudget{most: most, each: each} }

// take reserves n bytes if the budget has them.
func (m *MemBudget) take(n int64) bool {
	if m == nil || n > m.each {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.used+n > m.most {
		return false
	}
	m.used += n
	return true
}

func (m *MemBudget) give(n int64) {
	m.mu.Lock()
	m.used -= n
	m.mu.Unlock()
}

// Receive reads a body of size bytes (-1 when not announced) from r. A
// body going to disk is written to tee as well as it arrives (a signature
// being computed); one held in memory is not, since Bytes gives it whole,
// which checks faster. It refuses a body past limit with ErrTooLarge and one that does not
// arrive whole with ErrBodyRead, as Spool does, into whose dir a body
// goes (through spools, counted as unproven) that mem has no room for.
func Receive(spools *Spooler, r io.Reader, size, limit int64, tee io.Writer, mem *MemBudget) (*Received, error) {
	if size > limit {
		return nil, ErrTooLarge
	}
	if size < 0 || !mem.take(size) {
		sp, err := spools.SpoolUnproven(r, limit, tee) // its credential is proven only once it is whole
		if err != nil {
			return nil, err
		}
		return &Received{spool: sp}, nil
	}
	rc := &Received{mem: make([]byte, size), release: func() { mem.give(size) }}
	if _, err := io.ReadFull(bodyErrors{r}, rc.mem); err != nil {
		rc.Discard()
		if errors.Is(err, ErrBodyRead) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", ErrBodyRead, err) // shorter than announced
	}
	return rc, nil
}

// Proven gives a spooled body's share of the unproven-body budget back,
// once its signature holds.
func (rc *Received) Proven() {
	if rc.spool != nil {
		rc.spool.Proven()
	}
}

// Bytes is the body when it is held in memory.
func (rc *Received) Bytes() ([]byte, bool) { return rc.mem, rc.spool == nil }

// Open returns a reader of the body from its start; readers opened
// before it go on where they were.
func (rc *Received) Open() io.Reader {
	if rc.spool == nil {
		return bytes.NewReader(rc.mem)
	}
	return rc.spool.Section()
}

// Discard lets the body go: its memory back to the budget, its file
// removed. It is safe to call more than once.
func (rc *Received) Discard() {
	if rc == nil {
		return
	}
	if rc.release != nil {
		rc.release()
		rc.release = nil
	}
	rc.mem = nil
	rc.spool.Discard()
}
