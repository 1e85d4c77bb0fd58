package web

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"

	"github.com/tonebase/tonebase/internal/httpx"
	"github.com/valyala/fasthttp"
)

// uploadsKey is the user value under which a form's files wait for their
// handler.
const uploadsKey = "web_uploads"

// maxFormValues bounds the bytes of a multipart form's plain values: they
// are kept in memory, and the forms here carry a token and a few choices.
const maxFormValues = 64 << 10

// upload is a file sent with a form, spooled in the work folder.
type upload struct {
	name     string // as the browser named it
	file     *httpx.Spooled
	tooLarge bool // refused past the size limit; file is nil
}

// uploads are a form's files by field name.
type uploads map[string]*upload

// discard removes the files no handler kept.
func (us uploads) discard() {
	for _, u := range us {
		u.file.Discard()
	}
}

// readMultipart reads a multipart form as it streams in, so a large file
// never sits in memory: each file goes to a temporary file in the work
// folder (fasthttp would buffer the body, or spill files to the system's
// temporary folder, which may be RAM), and the plain values go where
// ctx.FormValue and ctx.PostArgs look, so handlers read them as ever. A
// file past the upload limit is marked tooLarge and reading stops there,
// keeping what came before it (the anti-forgery token comes first) so its
// handler can say what went wrong. Other forms are left alone.
func (s *Server) readMultipart(ctx *fasthttp.RequestCtx) (uploads, error) {
	boundary := ctx.Request.Header.MultipartFormBoundary()
	if len(boundary) == 0 {
		return nil, nil
	}
	us := uploads{}
	ctx.SetUserValue(uploadsKey, us)
	args := ctx.PostArgs() // empty: the body is not urlencoded
	mr := multipart.NewReader(httpx.BodyReader(ctx), string(boundary))
	budget := maxFormValues
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return us, nil
		}
		if err != nil {
			return us, fmt.Errorf("%w: the form did not arrive whole (%v); send it again", errBadInput, err)
		}
		name := p.FormName()
		if p.FileName() == "" {
			v, err := io.ReadAll(io.LimitReader(p, int64(budget)+1))
			if err != nil {
				return us, fmt.Errorf("%w: the form did not arrive whole (%v); send it again", errBadInput, err)
			}
			if budget -= len(v); budget < 0 {
				return us, fmt.Errorf("%w: the form's values are too long", errBadInput)
			}
			args.AddBytesV(name, v)
			continue
		}
		if _, dup := us[name]; dup {
			return us, fmt.Errorf("%w: the form carries two files named %s; send one", errBadInput, name)
		}
		f, err := s.cfg.Spools.Spool(p, s.cfg.MaxUpload, nil)
		if errors.Is(err, httpx.ErrTooLarge) {
			us[name] = &upload{name: p.FileName(), tooLarge: true}
			ctx.SetConnectionClose() // the rest of the body is not read
			return us, nil
		}
		if errors.Is(err, httpx.ErrBodyRead) {
			return us, fmt.Errorf("%w: the file did not arrive whole; send it again", errBadInput)
		}
		if err != nil {
			return us, err
		}
		us[name] = &upload{name: p.FileName(), file: f}
	}
}

// formFile returns the form's file of that field, read by readMultipart.
func formFile(ctx *fasthttp.RequestCtx, field string) (*upload, bool) {
	us, _ := ctx.UserValue(uploadsKey).(uploads)
	u, ok := us[field]
	return u, ok
}
