package httpx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/valyala/fasthttp"
)

// Upload errors of the body itself, as opposed to the store or the disk.
var (
	ErrTooLarge = errors.New("httpx: upload larger than the size limit")
	// ErrBodyRead is an upload that did not arrive whole: cut off before
	// its Content-Length, or stalled past the server's read timeout.
	ErrBodyRead = errors.New("httpx: upload did not arrive whole")
)

// Spooled is an upload kept in a temporary file while it is checked and
// imported, so a large file never sits in memory.
type Spooled struct {
	f    *os.File
	Size int64 // bytes written
	kept bool
}

// Spool copies r into a new temporary file in dir, writing every byte to
// tee as well when it is set (a signature being computed as the body
// arrives), and leaves the file ready to be read from its start. A body of
// more than limit bytes is refused with ErrTooLarge, and a reader that fails
// (a request body cut off before its Content-Length) with ErrBodyRead. On
// error nothing is left on disk.
func Spool(dir string, r io.Reader, limit int64, tee io.Writer) (*Spooled, error) {
	f, err := os.CreateTemp(dir, "spool-*")
	if err != nil {
		return nil, fmt.Errorf("httpx: spool: %w", err)
	}
	sp := &Spooled{f: f}
	var w io.Writer = f
	if tee != nil {
		w = io.MultiWriter(f, tee)
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
	return nil
}

// Discard closes and removes the file, unless Keep moved it. It is safe to
// call more than once, so callers can defer it and still Keep.
func (sp *Spooled) Discard() {
	if sp == nil || sp.kept {
		return
	}
	sp.kept = true
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
