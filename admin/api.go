package admin

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/diskfree"
	"github.com/tonebase/tonebase/internal/httpx"
	"github.com/tonebase/tonebase/internal/tenant"
	"github.com/tonebase/tonebase/ivr"
)

// Clients is the tenant registry as the admin API uses it.
type Clients interface {
	Create(name string, cid int64) (tenant.Client, tenant.Credentials, error)
	Get(cid int64) (tenant.Client, error)
	List() []tenant.Client
	RotateSecret(cid int64) (tenant.Credentials, error)
	RotatePassword(cid int64) (tenant.Credentials, error)
	SetStatus(cid int64, status string) (tenant.Client, error)
	Rename(cid int64, name string) (tenant.Client, error)
	SetRequireHMAC(cid int64, require bool) (tenant.Client, error)
	SetTwilioToken(cid int64, token string) (tenant.Client, error)
	SetPayConnector(cid int64, username, password string) (tenant.Client, error)
}

// Databases is the caller-database catalog as the admin API uses it.
type Databases interface {
	Create(cid int64, spec ivr.DatabaseSpec) (ivr.Database, error)
	Get(cid, dbid int64) (ivr.Database, error)
	List(cid int64) ([]ivr.Database, error)
	Update(cid, dbid int64, spec ivr.DatabaseSpec) (ivr.Database, error)
	Delete(cid, dbid int64) error
	Rows(cid, dbid int64, prefix, after string, limit int) ([]map[string]string, string, error)
}

// API serves /admin/api/.
type API struct {
	token   []byte
	clients Clients
	dbs     Databases
	log     zerolog.Logger
}

// NewAPI returns the admin JSON API guarded by token.
func NewAPI(token string, clients Clients, dbs Databases, log zerolog.Logger) *API {
	return &API{token: []byte(token), clients: clients, dbs: dbs, log: log}
}

// clientView is a client as the API shows it: never a secret's hash.
type clientView struct {
	CID            int64  `json:"cid"`
	Name           string `json:"name"`
	Status         string `json:"status"`
	APIKey         string `json:"api_key"`
	RequireHMAC    bool   `json:"require_hmac"`
	Created        string `json:"created"`
	Updated        string `json:"updated"`
	UploadPassword string `json:"upload_password,omitempty"`
	APISecret      string `json:"api_secret,omitempty"`
	// Twilio says whether a Twilio auth token is set; the token is never shown.
	Twilio bool `json:"twilio"`
	// PayConnector says whether Generic Pay Connector credentials are set;
	// they are never shown.
	PayConnector bool `json:"pay_connector"`
}

func viewOf(c tenant.Client, creds tenant.Credentials) clientView {
	return clientView{CID: c.CID, Name: c.Name, Status: c.Status, APIKey: c.APIKey, RequireHMAC: c.RequireHMAC,
		Created: c.Created.Format("2006-01-02T15:04:05Z"), Updated: c.Updated.Format("2006-01-02T15:04:05Z"),
		UploadPassword: creds.UploadPassword, APISecret: creds.APISecret, Twilio: c.SealedTwilioToken != "",
		PayConnector: c.PayConnector != nil}
}

// Guard refuses requests without the admin bearer token.
func (a *API) Guard(next fasthttp.RequestHandler) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		got, ok := strings.CutPrefix(string(ctx.Request.Header.Peek("Authorization")), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), a.token) != 1 {
			ctx.Response.Header.Set("WWW-Authenticate", `Bearer realm="tonebase admin"`)
			httpx.WriteJSON(ctx, 401, errorBody{Error: "admin token required: send Authorization: Bearer <token>"})
			return
		}
		next(ctx)
	}
}

// CreateClient serves POST /admin/api/clients.
func (a *API) CreateClient(ctx *fasthttp.RequestCtx) {
	var in struct {
		Name        string `json:"name"`
		CID         int64  `json:"cid"`
		RequireHMAC bool   `json:"require_hmac"`
	}
	if !decode(ctx, &in) {
		return
	}
	c, creds, err := a.clients.Create(in.Name, in.CID)
	if err == nil && in.RequireHMAC {
		c, err = a.clients.SetRequireHMAC(c.CID, true)
	}
	if err != nil {
		a.fail(ctx, err)
		return
	}
	httpx.WriteJSON(ctx, 201, viewOf(c, creds))
}

// ListClients serves GET /admin/api/clients.
func (a *API) ListClients(ctx *fasthttp.RequestCtx) {
	cs := a.clients.List()
	out := make([]clientView, len(cs))
	for i, c := range cs {
		out[i] = viewOf(c, tenant.Credentials{})
	}
	httpx.WriteJSON(ctx, 200, out)
}

// GetClient serves GET /admin/api/clients/{cid}.
func (a *API) GetClient(ctx *fasthttp.RequestCtx) {
	cid, ok := a.cid(ctx)
	if !ok {
		return
	}
	c, err := a.clients.Get(cid)
	if err != nil {
		a.fail(ctx, err)
		return
	}
	httpx.WriteJSON(ctx, 200, viewOf(c, tenant.Credentials{}))
}

// UpdateClient serves PUT /admin/api/clients/{cid}: rename, change status,
// or require the request-bound upload signature.
func (a *API) UpdateClient(ctx *fasthttp.RequestCtx) {
	cid, ok := a.cid(ctx)
	if !ok {
		return
	}
	var in struct {
		Name        *string `json:"name"`
		Status      *string `json:"status"`
		RequireHMAC *bool   `json:"require_hmac"`
	}
	if !decode(ctx, &in) {
		return
	}
	c, err := a.clients.Get(cid)
	if err == nil && in.Name != nil {
		c, err = a.clients.Rename(cid, *in.Name)
	}
	if err == nil && in.Status != nil {
		c, err = a.clients.SetStatus(cid, *in.Status)
	}
	if err == nil && in.RequireHMAC != nil {
		c, err = a.clients.SetRequireHMAC(cid, *in.RequireHMAC)
	}
	if err != nil {
		a.fail(ctx, err)
		return
	}
	httpx.WriteJSON(ctx, 200, viewOf(c, tenant.Credentials{}))
}

// SetTwilio serves PUT /admin/api/clients/{cid}/twilio
// {"auth_token":"…"}: the token Twilio signs the client's webhooks with.
// An empty token removes it.
func (a *API) SetTwilio(ctx *fasthttp.RequestCtx) {
	cid, ok := a.cid(ctx)
	if !ok {
		return
	}
	var in struct {
		AuthToken *string `json:"auth_token"`
	}
	if !decode(ctx, &in) {
		return
	}
	if in.AuthToken == nil {
		httpx.WriteJSON(ctx, 400, errorBody{Error: "auth_token is required (\"\" removes it)"})
		return
	}
	c, err := a.clients.SetTwilioToken(cid, *in.AuthToken)
	if err != nil {
		a.fail(ctx, err)
		return
	}
	httpx.WriteJSON(ctx, 200, viewOf(c, tenant.Credentials{}))
}

// SetPayConnector serves PUT /admin/api/clients/{cid}/pay-connector
// {"username":"…","password":"…"}: what the client's Twilio Generic Pay
// Connector signs in to /pay/v1/{cid}/twilio-connector with. Both empty
// remove them.
func (a *API) SetPayConnector(ctx *fasthttp.RequestCtx) {
	cid, ok := a.cid(ctx)
	if !ok {
		return
	}
	var in struct {
		Username *string `json:"username"`
		Password *string `json:"password"`
	}
	if !decode(ctx, &in) {
		return
	}
	if in.Username == nil || in.Password == nil {
		httpx.WriteJSON(ctx, 400, errorBody{Error: "username and password are required (both \"\" remove them)"})
		return
	}
	c, err := a.clients.SetPayConnector(cid, *in.Username, *in.Password)
	if err != nil {
		a.fail(ctx, err)
		return
	}
	httpx.WriteJSON(ctx, 200, viewOf(c, tenant.Credentials{}))
}

// RotateSecret serves POST /admin/api/clients/{cid}/api-secret.
func (a *API) RotateSecret(ctx *fasthttp.RequestCtx) { a.rotate(ctx, a.clients.RotateSecret) }

// RotatePassword serves POST /admin/api/clients/{cid}/upload-password.
func (a *API) RotatePassword(ctx *fasthttp.RequestCtx) { a.rotate(ctx, a.clients.RotatePassword) }

func (a *API) rotate(ctx *fasthttp.RequestCtx, fn func(int64) (tenant.Credentials, error)) {
	cid, ok := a.cid(ctx)
	if !ok {
		return
	}
	creds, err := fn(cid)
	if err != nil {
		a.fail(ctx, err)
		return
	}
	c, err := a.clients.Get(cid)
	if err != nil {
		a.fail(ctx, err)
		return
	}
	httpx.WriteJSON(ctx, 200, viewOf(c, creds))
}

// CreateDatabase serves POST /admin/api/clients/{cid}/databases.
func (a *API) CreateDatabase(ctx *fasthttp.RequestCtx) {
	cid, ok := a.client(ctx)
	if !ok {
		return
	}
	var spec ivr.DatabaseSpec
	if !decode(ctx, &spec) {
		return
	}
	db, err := a.dbs.Create(cid, spec)
	if err != nil {
		a.fail(ctx, err)
		return
	}
	httpx.WriteJSON(ctx, 201, db)
}

// ListDatabases serves GET /admin/api/clients/{cid}/databases.
func (a *API) ListDatabases(ctx *fasthttp.RequestCtx) {
	cid, ok := a.client(ctx)
	if !ok {
		return
	}
	dbs, err := a.dbs.List(cid)
	if err != nil {
		a.fail(ctx, err)
		return
	}
	httpx.WriteJSON(ctx, 200, dbs)
}

// GetDatabase serves GET /admin/api/clients/{cid}/databases/{dbid}.
func (a *API) GetDatabase(ctx *fasthttp.RequestCtx) {
	cid, dbid, ok := a.database(ctx)
	if !ok {
		return
	}
	db, err := a.dbs.Get(cid, dbid)
	if err != nil {
		a.fail(ctx, err)
		return
	}
	httpx.WriteJSON(ctx, 200, db)
}

// UpdateDatabase serves PUT /admin/api/clients/{cid}/databases/{dbid}.
func (a *API) UpdateDatabase(ctx *fasthttp.RequestCtx) {
	cid, dbid, ok := a.database(ctx)
	if !ok {
		return
	}
	var spec ivr.DatabaseSpec
	if !decode(ctx, &spec) {
		return
	}
	db, err := a.dbs.Update(cid, dbid, spec)
	if err != nil {
		a.fail(ctx, err)
		return
	}
	httpx.WriteJSON(ctx, 200, db)
}

// DeleteDatabase serves DELETE /admin/api/clients/{cid}/databases/{dbid}.
func (a *API) DeleteDatabase(ctx *fasthttp.RequestCtx) {
	cid, dbid, ok := a.database(ctx)
	if !ok {
		return
	}
	if err := a.dbs.Delete(cid, dbid); err != nil {
		a.fail(ctx, err)
		return
	}
	ctx.SetStatusCode(204)
}

// Rows serves GET /admin/api/clients/{cid}/databases/{dbid}/rows.
func (a *API) Rows(ctx *fasthttp.RequestCtx) {
	cid, dbid, ok := a.database(ctx)
	if !ok {
		return
	}
	args := ctx.QueryArgs()
	limit := 100
	if s := args.Peek("limit"); len(s) > 0 {
		n, err := strconv.Atoi(string(s))
		if err != nil || n < 1 || n > 1000 {
			httpx.WriteJSON(ctx, 400, errorBody{Error: "limit must be a number from 1 to 1000"})
			return
		}
		limit = n
	}
	rows, next, err := a.dbs.Rows(cid, dbid, string(args.Peek("prefix")), string(args.Peek("after")), limit)
	if err != nil {
		a.fail(ctx, err)
		return
	}
	httpx.WriteJSON(ctx, 200, struct {
		Rows []map[string]string `json:"rows"`
		Next string              `json:"next,omitempty"`
	}{rows, next})
}

type errorBody struct {
	Error    string   `json:"error"`
	Problems []string `json:"problems,omitempty"`
}

// fail maps an error kind to its status: the one place the admin API decides.
func (a *API) fail(ctx *fasthttp.RequestCtx, err error) {
	var schema *columndb.SchemaError
	switch {
	case errors.As(err, &schema):
		httpx.WriteJSON(ctx, 400, errorBody{Error: "invalid database definition", Problems: columndb.Texts(schema.Problems)})
	case errors.Is(err, tenant.ErrNotFound), errors.Is(err, ivr.ErrNoDatabase):
		httpx.WriteJSON(ctx, 404, errorBody{Error: trimPrefix(err)})
	case errors.Is(err, tenant.ErrInvalid), errors.Is(err, ivr.ErrInvalid):
		httpx.WriteJSON(ctx, 400, errorBody{Error: trimPrefix(err)})
	case errors.Is(err, tenant.ErrExists), errors.Is(err, ivr.ErrConflict), errors.Is(err, ErrBackupRunning):
		httpx.WriteJSON(ctx, 409, errorBody{Error: trimPrefix(err)})
	case errors.Is(err, diskfree.ErrLow):
		a.log.Warn().Err(err).Str("request_id", httpx.RequestID(ctx)).Msg("admin api: write refused")
		httpx.WriteJSON(ctx, 507, errorBody{Error: httpx.DiskFull})
	case errors.Is(err, columndb.ErrUnavailable):
		a.log.Warn().Err(err).Str("request_id", httpx.RequestID(ctx)).Msg("admin api: write refused")
		ctx.Response.Header.Set("Retry-After", "10")
		httpx.WriteJSON(ctx, 503, errorBody{Error: httpx.NoQuorum})
	case errors.Is(err, columndb.ErrConflict):
		httpx.WriteJSON(ctx, 409, errorBody{Error: httpx.Conflict})
	default:
		a.log.Error().Err(err).Str("request_id", httpx.RequestID(ctx)).Msg("admin api")
		httpx.WriteJSON(ctx, 500, errorBody{Error: "internal error; the server log has the details"})
	}
}

// trimPrefix drops the package prefixes an admin does not need to read.
func trimPrefix(err error) string {
	s := err.Error()
	for _, p := range []string{"ivr: ", "tenant: ", "columndb: ", "admin: "} {
		s = strings.ReplaceAll(s, p, "")
	}
	return s
}

func (a *API) cid(ctx *fasthttp.RequestCtx) (int64, bool) {
	s, _ := ctx.UserValue("cid").(string)
	cid, ok := tenant.ParseCID(s)
	if !ok {
		httpx.WriteJSON(ctx, 404, errorBody{Error: "no such client: " + strconv.Quote(s)})
	}
	return cid, ok
}

// client resolves {cid} to an existing client.
func (a *API) client(ctx *fasthttp.RequestCtx) (int64, bool) {
	cid, ok := a.cid(ctx)
	if !ok {
		return 0, false
	}
	if _, err := a.clients.Get(cid); err != nil {
		a.fail(ctx, err)
		return 0, false
	}
	return cid, true
}

func (a *API) database(ctx *fasthttp.RequestCtx) (int64, int64, bool) {
	cid, ok := a.client(ctx)
	if !ok {
		return 0, 0, false
	}
	s, _ := ctx.UserValue("dbid").(string)
	dbid, err := strconv.ParseInt(s, 10, 64)
	if err != nil || dbid <= 0 {
		httpx.WriteJSON(ctx, 404, errorBody{Error: "no such database: " + strconv.Quote(s)})
		return 0, 0, false
	}
	return cid, dbid, true
}

func decode(ctx *fasthttp.RequestCtx, v any) bool {
	dec := json.NewDecoder(strings.NewReader(string(ctx.PostBody())))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		httpx.WriteJSON(ctx, 400, errorBody{Error: "invalid JSON body: " + err.Error()})
		return false
	}
	if dec.More() {
		httpx.WriteJSON(ctx, 400, errorBody{Error: "invalid JSON body: unexpected data after the document"})
		return false
	}
	return true
}
