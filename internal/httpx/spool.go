package httpx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"syscall"

	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/internal/diskfree"
)

// Upload errors of the body itself, as opposed to the store or the disk.
var (
	ErrTooLarge = errors.New("httpx: upload larger than the size limit")
	// ErrBodyRead is an upload that did not arrive whole: cut off before
	// its Content-Length, or stalled past the server's read timeout.
	ErrBodyRead = errors.New("httpx: upload did not arrive whole")
)

// Spooler spools request bodies into one folder without taking the disk
// below its reserve, and bounds the disk that bodies whose credential is
// not yet proven may hold between them, so an outsider posting large
// bodies with a wrong signature cannot fill it.
type Spooler struct {
	dir         string
	space       Space
	unproven    atomic.Int64 // bytes held by unproven spools
	maxUnproven int64
}

// Space is the disk's reserve as a spool needs it (diskfree.Guard).
type Space interface {
	// Reserve grants a write of n bytes or refuses it.
	Reserve(n int64) error
}

// NewSpooler spools into dir (the system's temporary folder if empty),
// asking space before each chunk is written (never, if space is nil), and
// lets unproven spools hold at most maxUnproven bytes in all (no bound if
// 0 or less).
func NewSpooler(dir string, space Space, maxUnproven int64) *Spooler {
	return &Spooler{dir: dir, space: space, maxUnproven: maxUnproven}
}

// Dir is the folder spools are written to.
func (s *Spooler) Dir() string { return s.dir }

// Spooled is an upload kept in a temporary file while it is checked and
// imported, so a large file never sits in memory.
type Spooled struct {
	f    *os.File
	Size int64 // bytes written
	kept bool
	s    *Spooler
	held int64 // bytes counted against the unproven budget
}

// Spool copies r into a new temporary file, writing every byte to tee as
// well when it is set, and leaves the file ready to be read from its
// start; it is for a body whose sender is already known (a signed-in
// admin's form). A body of more than limit bytes is refused with
// ErrTooLarge, a reader that fails (a request body cut off before its
// Content-Length) with ErrBodyRead, and a chunk that would take the disk
// below its reserve with the Space's error, or diskfree.ErrLow when the
// disk fills regardless. On error nothing is left on disk.
func (s *Spooler) Spool(r io.Reader, limit int64, tee io.Writer) (*Spooled, error) {
	return s.spool(r, limit, tee, false)
}

// SpoolUnproven is Spool for a body whose credential is checked only once
// it is whole (a signature computed as it arrives, by tee). Its bytes
// count against the budget of unproven spools until Proven or Discard; a
// chunk past the budget is refused with ErrSpoolBusy before it is written.
func (s *Spooler) SpoolUnproven(r io.Reader, limit int64, tee io.Writer) (*Spooled, error) {
	return s.spool(r, limit, tee, true)
}

// DiskFull is what every API answers a write the disk's reserve refused
// (diskfree.ErrLow) with, in its own envelope, as 507 Insufficient Storage.
const DiskFull = "the server's disk is full: writes are refused until space is freed; lookups and reads still answer"

// NoQuorum is what every API answers a write the cluster's log did not
// take (columndb.ErrUnavailable) with, as 503: too few of the cluster's
// nodes are up to hold it.
const NoQuorum = "the cluster's write log has no quorum (too few nodes are up): writes are refused until enough are back; lookups and reads still answer"

// Conflict is what every API answers a write that other nodes' writes kept
// overtaking (columndb.ErrConflict) with, as 409.
const Conflict = "changed on another node meanwhile; nothing was written, send it again"

// ErrSpoolBusy refuses an unproven body because others being checked hold
// the whole budget: a matter of seconds, worth a retry.
var ErrSpoolBusy = errors.New("httpx: too many uploads are being checked at once")

func (s *Spooler) spool(r io.Reader, limit int64, tee io.Writer, unproven bool) (*Spooled, error) {
	f, err := os.CreateTemp(s.dir, "spool-*")
	if err != nil {
		return nil, fmt.Errorf("httpx: spool: %w", err)
	}
	sp := &Spooled{f: f, s: s}
	var w io.Writer = guarded{sp: sp, unproven: unproven}
	if tee != nil {
		w = io.MultiWriter(w, tee)
	}
	// One byte past the limit tells a body at the limit from a larger one.
	sp.Size, err = io.Copy(w, io.LimitReader(bodyErrors{r}, limit+1))
	switch {
	case err != nil:
		err = fmt.Errorf("httpx: spool: %w", err)
	case sp.Size > limit:
		err = ErrTooLarge
	default:
		if _, err = f.Seek(0, io.SeekStart); err != nil {
			err = fmt.Errorf("httpx: spool: %w", err)
		}
	}
	if err != nil {
		sp.Discard()
		return nil, err
	}
	return sp, nil
}

// guarded writes a spool's chunks once the disk's reserve and, for an
// unproven body, the budget have room for them.
type guarded struct {
	sp       *Spooled
	unproven bool
}

func (g guarded) Write(p []byte) (int, error) {
	s, n := g.sp.s, int64(len(p))
	if g.unproven && s.maxUnproven > 0 {
		if s.unproven.Add(n) > s.maxUnproven {
			s.unproven.Add(-n)
			return 0, ErrSpoolBusy
		}
		g.sp.held += n
	}
	if s.space != nil {
		if err := s.space.Reserve(n); err != nil {
			return 0, err
		}
	}
	w, err := g.sp.f.Write(p)
	if errors.Is(err, syscall.ENOSPC) {
		err = fmt.Errorf("%w: %w", diskfree.ErrLow, err)
	}
	return w, err
}

// Proven releases the body's share of the unproven budget, once its
// credential holds; Discard does too.
func (sp *Spooled) Proven() {
	if sp.held > 0 {
		sp.s.unproven.Add(-sp.held)
		sp.held = 0
	}
}

// bodyErrors tells the body's read errors from the disk's write errors:
// the sender must try again after the first, the operator look into the
// second.
type bodyErrors struct{ r io.Reader }

func (b bodyErrors) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%w: %w", ErrBodyRead, err)
	}
	return n, err
}

// Read reads the spooled upload.
func (sp *Spooled) Read(p []byte) (int, error) { return sp.f.Read(p) }

// Section reads the spooled upload from its start, independently of Read
// and of other sections, so one pass over it can look ahead with another.
func (sp *Spooled) Section() *io.SectionReader { return io.NewSectionReader(sp.f, 0, sp.Size) }

// Seek moves where Read reads next, so a file can be read twice (a replace
// checked before it is applied).
func (sp *Spooled) Seek(off int64, whence int) (int64, error) { return sp.f.Seek(off, whence) }

// Keep closes the file and moves it to path, for a reader that comes later
// (a background import); Discard then does nothing.
func (sp *Spooled) Keep(path string) error {
	if err := sp.f.Close(); err != nil {
		return fmt.Errorf("httpx: keep upload: %w", err)
	}
	if err := os.Rename(sp.f.Name(), path); err != nil {
		return fmt.Errorf("httpx: keep upload: %w", err)
	}
	sp.kept = true
	sp.Proven() // whoever reads it later answers for it
	return nil
}

// Discard closes and removes the file, unless Keep moved it. It is safe to
// call more than once, so callers can defer it and still Keep.
func (sp *Spooled) Discard() {
	if sp == nil || sp.kept {
		return
	}
	sp.kept = true
	sp.Proven()
	_ = sp.f.Close()
	_ = os.Remove(sp.f.Name())
}

// BodyReader is the request body as a stream: read from the connection as
// it arrives when the server streams request bodies, or from memory when
// it has already read them (a server that does not stream, or a chunked
// body the server buffered to learn its length).
func BodyReader(ctx *fasthttp.RequestCtx) io.Reader {
	r := ctx.RequestBodyStream()
	if r == nil {
		return bytes.NewReader(ctx.PostBody())
	}
	if n := ctx.Request.Header.ContentLength(); n >= 0 {
		return &announced{r: r, want: int64(n)}
	}
	return r
}

// announced reads a body of a known length. fasthttp v1.74.0 ends a
// streamed request body cut off before its Content-Length with io.EOF, as
// if it were whole (it checks the length of response bodies only), so the
// count is what tells a dropped connection from the end of the body.
type announced struct {
	r       io.Reader
	n, want int64
}

func (a *announced) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	a.n += int64(n)
	if err == io.EOF && a.n < a.want {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}
