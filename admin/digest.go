package admin

import (
	"encoding/hex"

	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/httpx"
)

// Tables finds the store table behind a caller database.
type Tables interface {
	Table(cid, dbid int64) (*columndb.Table, error)
}

// Digester hashes a table's rows in key order.
type Digester interface {
	Digest(t *columndb.Table) (columndb.Digest, error)
}

// digestView is a database's content digest: equal on the nodes of a
// cluster that applied the same log entries.
type digestView struct {
	Rows    int64  `json:"rows"`
	Digest  string `json:"digest"`
	Applied uint64 `json:"applied"`
}

// Digest serves GET /admin/api/clients/{cid}/databases/{dbid}/digest.
func (a *API) Digest(tables Tables, d Digester) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		cid, dbid, ok := a.database(ctx)
		if !ok {
			return
		}
		t, err := tables.Table(cid, dbid)
		if err != nil {
			a.fail(ctx, err)
			return
		}
		dg, err := d.Digest(t)
		if err != nil {
			a.fail(ctx, err)
			return
		}
		httpx.WriteJSON(ctx, 200, digestView{Rows: dg.Rows, Digest: hex.EncodeToString(dg.Sum), Applied: dg.Applied})
	}
}
