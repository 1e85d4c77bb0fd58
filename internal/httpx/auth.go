package httpx

import (
	"bytes"
	"encoding/base64"
	"errors"
	"sync"

	"github.com/valyala/fasthttp"
)

// ErrUnauthorized is a request without usable HTTP Basic credentials, or
// with credentials the Authenticator refused.
var ErrUnauthorized = errors.New("httpx: unauthorized")

// Authenticator checks a client's API key and secret and returns its cid.
type Authenticator interface {
	Authenticate(apiKey, secret []byte) (int64, error)
}

// maxCredentials bounds the decoded Authorization value: an API key and
// secret are far shorter, and a longer header is refused undecoded.
const maxCredentials = 192

// BasicAuth decodes HTTP Basic credentials into pooled buffers. It runs on
// every lookup, so it neither allocates nor leaves a secret in memory past
// the check.
type BasicAuth struct {
	bufs sync.Pool // *[maxCredentials]byte
}

// NewBasicAuth returns a decoder.
func NewBasicAuth() *BasicAuth {
	return &BasicAuth{bufs: sync.Pool{New: func() any { return new([maxCredentials]byte) }}}
}

// Authenticate decodes the request's Basic credentials and asks a to check
// them. a may look at the key and secret only during the call.
func (b *BasicAuth) Authenticate(ctx *fasthttp.RequestCtx, a Authenticator) (int64, error) {
	enc, ok := bytes.CutPrefix(ctx.Request.Header.Peek(fasthttp.HeaderAuthorization), []byte("Basic "))
	if !ok {
		return 0, ErrUnauthorized
	}
	enc = bytes.TrimSpace(enc)
	if base64.StdEncoding.DecodedLen(len(enc)) > maxCredentials {
		return 0, ErrUnauthorized
	}
	buf := b.bufs.Get().(*[maxCredentials]byte)
	raw := buf[:base64.StdEncoding.DecodedLen(len(enc))]
	defer func() {
		clear(raw) // the secret does not wait in the pool for the next request
		b.bufs.Put(buf)
	}()
	n, err := base64.StdEncoding.Decode(raw, enc)
	if err != nil {
		return 0, ErrUnauthorized
	}
	key, secret, ok := bytes.Cut(raw[:n], []byte(":"))
	if !ok {
		return 0, ErrUnauthorized
	}
	cid, err := a.Authenticate(key, secret)
	if err != nil {
		return 0, ErrUnauthorized
	}
	return cid, nil
}
