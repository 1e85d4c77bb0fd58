package httpx

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// noSpools fails if dir still holds a spooled body.
func noSpools(t *testing.T, dir string) {
	t.Helper()
	left, _ := filepath.Glob(filepath.Join(dir, "spool-*"))
	if len(left) > 0 {
		t.Fatalf("spool files left behind: %v", left)
	}
}

// brokenReader gives some bytes, then a connection's error.
type brokenReader struct{ left int }

func (b *brokenReader) Read(p []byte) (int, error) {
	if b.left == 0 {
		return 0, io.ErrUnexpectedEOF
	}
	n := min(len(p), b.left)
	b.left -= n
	return n, nil
}

func TestSpool(t *testing.T) {
	tests := []struct {
		name  string
		body  func() io.Reader
		limit int64
		want  error
	}{
		{"within the limit", func() io.Reader { return strings.NewReader("012345,01021990\n") }, 100, nil},
		{"exactly the limit", func() io.Reader { return strings.NewReader("0123456789") }, 10, nil},
		{"empty", func() io.Reader { return strings.NewReader("") }, 10, nil},
		{"a byte past the limit", func() io.Reader { return strings.NewReader("0123456789x") }, 10, ErrTooLarge},
		{"cut off", func() io.Reader { return &brokenReader{left: 5} }, 100, ErrBodyRead},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var tee bytes.Buffer
			sp, err := NewSpooler(dir, nil, 0).Spool(tt.body(), tt.limit, &tee)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if err != nil {
				noSpools(t, dir)
				return
			}
			got, err := io.ReadAll(sp)
			if err != nil || !bytes.Equal(got, tee.Bytes()) || int64(len(got)) != sp.Size {
				t.Fatalf("read back %q (%v), teed %q, size %d", got, err, tee.Bytes(), sp.Size)
			}
			kept := dir + "/kept"
			if err := sp.Keep(kept); err != nil {
				t.Fatal(err)
			}
			sp.Discard() // after Keep: leaves the kept file alone
			if b, err := os.ReadFile(kept); err != nil || !bytes.Equal(b, got) {
				t.Fatalf("kept file %q %v", b, err)
			}
		})
	}
}

// roomFor is a disk with room for so many bytes past its reserve.
type roomFor struct{ left int64 }

var errNoRoom = errors.New("test: disk below its reserve")

func (r *roomFor) Reserve(n int64) error {
	if n > r.left {
		return errNoRoom
	}
	r.left -= n
	return nil
}

// Every chunk asks the disk first, and one it refuses is never written.
func TestSpoolKeepsTheReserve(t *testing.T) {
	tests := []struct {
		name string
		room int64
		body int
		want error
	}{
		{"room for the body", 1 << 20, 100 << 10, nil},
		{"room for half", 50 << 10, 100 << 10, errNoRoom},
		{"no room", 0, 1, errNoRoom},
		{"an empty body needs none", 0, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			room := &roomFor{left: tt.room}
			sp, err := NewSpooler(dir, room, 0).Spool(bytes.NewReader(make([]byte, tt.body)), 1<<20, nil)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if err != nil {
				noSpools(t, dir)
				return
			}
			sp.Discard()
			if used := tt.room - room.left; used != int64(tt.body) {
				t.Fatalf("asked for %d bytes of a %d-byte body", used, tt.body)
			}
		})
	}
}

// Unproven bodies share one budget: a body that would take it past its
// bound is refused before its chunk is written, and a body proven or
// discarded gives its share back. Proven bodies do not count.
func TestSpoolUnprovenBudget(t *testing.T) {
	dir := t.TempDir()
	s := NewSpooler(dir, nil, 100<<10)
	body := func(n int) io.Reader { return bytes.NewReader(make([]byte, n)) }
	a, err := s.SpoolUnproven(body(60<<10), 1<<20, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SpoolUnproven(body(60<<10), 1<<20, nil); !errors.Is(err, ErrSpoolBusy) {
		t.Fatalf("second body past the budget: %v", err)
	}
	if s.unproven.Load() != 60<<10 {
		t.Fatalf("a refused body still holds %d bytes of the budget", s.unproven.Load()-60<<10)
	}
	p, err := s.Spool(body(200<<10), 1<<20, nil)
	if err != nil {
		t.Fatalf("a proven body counted against the unproven budget: %v", err)
	}
	p.Discard()
	a.Proven()
	b, err := s.SpoolUnproven(body(90<<10), 1<<20, nil)
	if err != nil {
		t.Fatalf("after the first was proven: %v", err)
	}
	b.Discard()
	a.Discard()
	if n := s.unproven.Load(); n != 0 {
		t.Fatalf("%d bytes of the budget never given back", n)
	}
	noSpools(t, dir)
}
