package ivr

import (
	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/internal/httpx"
)

// PathIDs returns the cid and dbid of a route's {cid} and {dbid}, false
// when either is not a positive number.
func PathIDs(ctx *fasthttp.RequestCtx) (int64, int64, bool) { return ids(ctx) }

// Authorize is how a telephony platform's endpoint that authenticates as
// a lookup does (HTTP Basic with the client's API key and secret) learns
// whose database a request names: httpx.ErrUnauthorized for bad
// credentials, ErrNoDatabase for a path without ids and for another
// client's database, which answers as if it did not exist.
func Authorize(ctx *fasthttp.RequestCtx, basic *httpx.BasicAuth, clients httpx.Authenticator) (int64, int64, error) {
	cid, dbid, ok := ids(ctx)
	if !ok {
		return 0, 0, ErrNoDatabase
	}
	authCID, err := basic.Authenticate(ctx, clients)
	if err != nil {
		return 0, 0, httpx.ErrUnauthorized
	}
	if authCID != cid {
		return 0, 0, ErrNoDatabase
	}
	return cid, dbid, nil
}
