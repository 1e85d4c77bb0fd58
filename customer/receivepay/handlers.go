package receivepay

import (
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/customer"
	"github.com/tonebase/tonebase/internal/httpx"
)

// Customers is what this wire needs of the customer domain.
type Customers interface {
	CreateCustomer(cid int64, in customer.CustomerInput, idem customer.Idem) (customer.Result, error)
	UpdateCustomer(cid int64, id string, in customer.CustomerInput, idem customer.Idem) (customer.Result, error)
	DeleteCustomer(cid int64, id string) (customer.Result, error)
	GetCustomer(cid int64, id string) (customer.Customer, error)
	CustomerRecord(cid int64, id string) (customer.Customer, error)
	CustomerBySeq(cid, seq int64) (customer.Customer, error)
	FindCustomers(cid int64, f customer.CustomerFilter) (customer.List[customer.Customer], error)
	CustomerPlans(cid int64, customerID string) ([]customer.PlanView, error)
	Subscribe(cid int64, in customer.SubscriptionInput) (customer.Subscription, error)
	GetPlan(cid int64, id string) (customer.PlanView, error)
	FindPlans(cid int64, f customer.PlanFilter) (customer.List[customer.PlanView], error)
	UpdatePlan(cid int64, id string, bodyID customer.Opt[string], in customer.PlanInput, idem customer.Idem) (customer.Result, error)
	DeletePlan(cid int64, id string) (customer.Result, error)
}

// Handlers answer ReceivePay's one endpoint.
type Handlers struct {
	svc  Customers
	auth httpx.Authenticator
	log  zerolog.Logger
	now  func() time.Time
}

// NewHandlers returns the ReceivePay face of svc; now is the clock that
// decides today (for start and end dates and card expiry), time.Now if nil.
func NewHandlers(svc Customers, auth httpx.Authenticator, log zerolog.Logger, now func() time.Time) *Handlers {
	if now == nil {
		now = time.Now
	}
	return &Handlers{svc: svc, auth: auth, log: log, now: now}
}

// call is one authenticated request on its way through a method.
type call struct {
	cid int64
	req *element
}

// method answers a request: the kids of its <response>, or an error.
type method func(h *Handlers, c call) ([]node, error)

// methodOf is the method a request type names, matched ignoring case.
// OpenGateway let any method of its controller be called by name; only
// these can be.
func methodOf(typ string) (method, bool) {
	switch strings.ToLower(typ) {
	case "newcustomer":
		return (*Handlers).newCustomer, true
	case "updatecustomer":
		return (*Handlers).updateCustomer, true
	case "deletecustomer":
		return (*Handlers).deleteCustomer, true
	case "getcustomer":
		return (*Handlers).getCustomer, true
	case "getcustomers":
		return (*Handlers).getCustomers, true
	case "recur":
		return (*Handlers).recur, true
	case "getrecurring":
		return (*Handlers).getRecurring, true
	case "getrecurrings":
		return (*Handlers).getRecurrings, true
	case "updaterecurring":
		return (*Handlers).updateRecurring, true
	case "cancelrecurring":
		return (*Handlers).cancelRecurring, true
	case "charge", "refund":
		return (*Handlers).noCharges, true
	}
	return nil, false
}

// API answers POST /api. The body is the XML whatever the Content-Type:
// PHP clients post it as application/x-www-form-urlencoded, and it is
// never read as a form. Every answer is HTTP 200 with a <response>.
func (h *Handlers) API(ctx *fasthttp.RequestCtx) {
	defer func() {
		// Clients read only the body: even a bug answers a <response>. Only
		// the panic's type is logged: its value could quote the request.
		if v := recover(); v != nil {
			h.log.Error().Str("request_id", httpx.RequestID(ctx)).Str("panic", fmt.Sprintf("%T", v)).Msg("ReceivePay request failed")
			h.write(ctx, formatXML, errorNodes(fail(errUnspecified, "internal error; the request id is "+httpx.RequestID(ctx))))
		}
	}()
	req, err := parseRequest(ctx.PostBody())
	if err != nil {
		h.write(ctx, formatXML, errorNodes(fail(errInvalidRequest)))
		return
	}
	auth := req.child("authentication")
	id, _ := auth.value("api_id")
	secret, _ := auth.value("secret_key")
	cid, err := h.auth.Authenticate([]byte(id), []byte(secret))
	if auth == nil || id == "" || err != nil {
		h.write(ctx, formatXML, errorNodes(fail(errAuth)))
		return
	}
	typ, _ := req.value("type")
	if typ == "" {
		h.write(ctx, formatXML, errorNodes(fail(errType)))
		return
	}
	f := formatXML
	switch v, _ := req.value("format"); strings.ToLower(v) {
	case "", "xml":
	case "json":
		f = formatJSON
	default:
		h.write(ctx, formatXML, errorNodes(fail(errFormat)))
		return
	}
	m, ok := methodOf(typ)
	if !ok {
		h.write(ctx, f, errorNodes(fail(errType)))
		return
	}
	kids, err := m(h, call{cid: cid, req: req})
	if err != nil {
		ae := translate(err)
		if ae == nil {
			// Errors that reach here come from storage, never from request
			// values, so logging them cannot leak a card number.
			h.log.Error().Err(err).Str("request_id", httpx.RequestID(ctx)).Str("type", strings.ToLower(typ)).Msg("ReceivePay request failed")
			ae = fail(errUnspecified, "internal error; the request id is "+httpx.RequestID(ctx))
		}
		kids = errorNodes(ae)
	}
	h.write(ctx, f, kids)
}

func errorNodes(e *apiError) []node {
	return []node{number("error", e.code), leaf("error_text", e.text())}
}

// success is a success answer's first two elements.
func success(code int, more ...node) []node {
	return append([]node{number("response_code", code), leaf("response_text", text(code))}, more...)
}

// write answers 200 in the format, never cached: answers carry customers' details.
func (h *Handlers) write(ctx *fasthttp.RequestCtx, f format, kids []node) {
	ctx.SetStatusCode(fasthttp.StatusOK)
	ctx.SetContentType(f.contentType())
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.SetBody(f.render(kids))
}

// noCharges answers Charge and Refund: this service moves no money.
func (h *Handlers) noCharges(call) ([]node, error) {
	return nil, fail(errType, "This service stores customers, cards and recurring plans; it does not process charges.")
}
