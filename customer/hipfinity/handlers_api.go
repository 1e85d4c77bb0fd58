package hipfinity

import (
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/customer"
)

// Texts the writes answer in StatusText when they answer no id.
const (
	textOK             = "OK"
	textPaymentDeleted = "Payment Method Deleted successfully!"
)

// writeFn is a write of a request body for a client.
type writeFn func(ctx *fasthttp.RequestCtx, cid int64, in Input, idem customer.Idem) (customer.Result, error)

// withBody serves a write with a body: it parses the body, runs fn and
// answers text(result) in StatusText, naming problems as d does.
func (h *Handlers) withBody(ctx *fasthttp.RequestCtx, d dialect, text func(customer.Result) string, fn writeFn) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		in, idem, err := body(ctx)
		if err != nil {
			h.fail(ctx, d, err)
			return
		}
		r, err := fn(ctx, cid, in, idem)
		h.reply(ctx, d, r, text(r), err)
	})(ctx)
}

func newID(r customer.Result) string { return r.ID }
func ok(customer.Result) string      { return textOK }

// CreateCustomer serves POST /apis/api/Customers.
func (h *Handlers) CreateCustomer(ctx *fasthttp.RequestCtx) {
	h.withBody(ctx, customerDialect(), newID, func(ctx *fasthttp.RequestCtx, cid int64, in Input, idem customer.Idem) (customer.Result, error) {
		return h.svc.CreateCustomer(cid, readCustomer(in), idem)
	})
}

// UpdateCustomer serves PUT /apis/api/Customers/{id}.
func (h *Handlers) UpdateCustomer(ctx *fasthttp.RequestCtx) {
	h.withBody(ctx, customerDialect(), ok, func(ctx *fasthttp.RequestCtx, cid int64, in Input, idem customer.Idem) (customer.Result, error) {
		return h.svc.UpdateCustomer(cid, pathID(ctx), readCustomer(in), idem)
	})
}

// DeleteCustomer serves DELETE /apis/api/Customers/{id}.
func (h *Handlers) DeleteCustomer(ctx *fasthttp.RequestCtx) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		r, err := h.svc.DeleteCustomer(cid, pathID(ctx))
		h.reply(ctx, customerDialect(), r, textOK, err)
	})(ctx)
}

// GetCustomerInfo serves GET /apis/api/Customers/GetCustomerInfo/{id}.
func (h *Handlers) GetCustomerInfo(ctx *fasthttp.RequestCtx) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		c, err := h.svc.GetCustomer(cid, pathID(ctx))
		h.answer(ctx, customerDialect(), customerView(cid, c), err)
	})(ctx)
}

// GetCustomers serves GET /apis/api/Customers/GetCustomers.
func (h *Handlers) GetCustomers(ctx *fasthttp.RequestCtx) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		q, other, err := customerQuery(cid, CustomerFilter{
			CustomerNumber: param(ctx, "CustomerNumber"), PhoneNumber: param(ctx, "PhoneNumber"),
			Email: param(ctx, "Email"), CompanyName: param(ctx, "CompanyName"), FirstName: param(ctx, "FirstName"),
			LastName: param(ctx, "LastName"), CompanyID: param(ctx, "CompanyId"),
			SortExpression: param(ctx, "SortExpression"), SortDirection: param(ctx, "SortDirection"),
			PageSize: param(ctx, "PageSize"), PageNumber: param(ctx, "PageNumber")})
		var l customer.List[customer.Customer]
		if err == nil && !other {
			l, err = h.svc.GetCustomers(cid, q)
		}
		list(h, ctx, cid, l, customerView, err)
	})(ctx)
}

// SearchCustomers serves GET /apis/api/Customers/GetCustomersBySearchCriteria.
func (h *Handlers) SearchCustomers(ctx *fasthttp.RequestCtx) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		var p params
		criteria := strings.TrimSpace(param(ctx, "SearchCriteria"))
		if criteria == "" {
			p.add("SearchCriteria", "is required")
		} else if len([]rune(criteria)) > customer.MaxSearch {
			p.add("SearchCriteria", "longer than %d characters", customer.MaxSearch)
		}
		pg := p.page(param(ctx, "PageSize"), param(ctx, "PageNumber"))
		var l customer.List[customer.Customer]
		err := p.err()
		if err == nil {
			l, err = h.svc.SearchCustomers(cid, criteria, pg)
		}
		list(h, ctx, cid, l, summaryView, err)
	})(ctx)
}

// CreatePayment serves POST /apis/api/PaymentDetails.
func (h *Handlers) CreatePayment(ctx *fasthttp.RequestCtx) {
	h.withBody(ctx, paymentDialect(true), newID, func(ctx *fasthttp.RequestCtx, cid int64, in Input, idem customer.Idem) (customer.Result, error) {
		return h.svc.CreatePayment(cid, readPayment(in, true), idem)
	})
}

// UpdatePayment serves PUT /apis/api/PaymentDetails/{id}.
func (h *Handlers) UpdatePayment(ctx *fasthttp.RequestCtx) {
	h.withBody(ctx, paymentDialect(false), ok, func(ctx *fasthttp.RequestCtx, cid int64, in Input, idem customer.Idem) (customer.Result, error) {
		return h.svc.UpdatePayment(cid, pathID(ctx), readPayment(in, false), idem)
	})
}

// DeletePayment serves DELETE /apis/api/PaymentDetails/{id}.
func (h *Handlers) DeletePayment(ctx *fasthttp.RequestCtx) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		r, err := h.svc.DeletePayment(cid, pathID(ctx))
		h.reply(ctx, paymentDialect(false), r, textPaymentDeleted, err)
	})(ctx)
}

// GetPayments serves GET /apis/api/PaymentDetails/GetPayments.
func (h *Handlers) GetPayments(ctx *fasthttp.RequestCtx) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		var p params
		customerID := customer.NormID(param(ctx, "CustomerId"))
		if customerID == "" {
			p.add(wCustomerID, "is required")
		}
		kind := p.paymentType(param(ctx, "PaymentType"))
		pg := p.page(param(ctx, "PageSize"), param(ctx, "PageNumber"))
		var l customer.List[customer.PaymentMethod]
		err := p.err()
		if err == nil {
			l, err = h.svc.GetPayments(cid, customerID, kind, pg)
		}
		list(h, ctx, cid, l, paymentItem, err)
	})(ctx)
}

// GetPaymentInfo serves GET /apis/api/PaymentDetails/GetPaymentInfo/{id}.
func (h *Handlers) GetPaymentInfo(ctx *fasthttp.RequestCtx) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		var p params
		kind := p.paymentType(param(ctx, "PaymentType"))
		if err := p.err(); err != nil {
			h.fail(ctx, dialect{}, err)
			return
		}
		m, err := h.svc.GetPayment(cid, pathID(ctx), kind)
		if err != nil {
			h.fail(ctx, dialect{}, err)
			return
		}
		writeJSON(ctx, fasthttp.StatusOK, paymentInfo(m))
	})(ctx)
}

// GetPrimary serves GET /apis/api/PaymentDetails/GetPrimary: the bare JSON
// string id of the primary card (or, with PaymentType 3, bank account).
func (h *Handlers) GetPrimary(ctx *fasthttp.RequestCtx) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		var p params
		customerID := customer.NormID(param(ctx, "CustomerId"))
		if customerID == "" {
			p.add(wCustomerID, "is required")
		}
		kind := p.paymentType(param(ctx, "PaymentType"))
		if err := p.err(); err != nil {
			h.fail(ctx, dialect{}, err)
			return
		}
		if kind == 0 {
			kind = customer.KindCard
		}
		id, err := h.svc.GetPrimary(cid, customerID, kind)
		h.answer(ctx, dialect{}, id, err)
	})(ctx)
}

// CreatePlan serves POST /apis/api/RecurringTrans.
func (h *Handlers) CreatePlan(ctx *fasthttp.RequestCtx) {
	h.withBody(ctx, planDialect(), newID, func(ctx *fasthttp.RequestCtx, cid int64, in Input, idem customer.Idem) (customer.Result, error) {
		id, plan := readPlan(in)
		return h.svc.CreatePlan(cid, id, plan, idem)
	})
}

// UpdatePlan serves PUT /apis/api/RecurringTrans/{id}.
func (h *Handlers) UpdatePlan(ctx *fasthttp.RequestCtx) {
	h.withBody(ctx, planDialect(), newID, func(ctx *fasthttp.RequestCtx, cid int64, in Input, idem customer.Idem) (customer.Result, error) {
		id, plan := readPlan(in)
		return h.svc.UpdatePlan(cid, pathID(ctx), id, plan, idem)
	})
}

// DeletePlan serves DELETE /apis/api/RecurringTrans/{id}: it cancels the plan.
func (h *Handlers) DeletePlan(ctx *fasthttp.RequestCtx) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		r, err := h.svc.DeletePlan(cid, pathID(ctx))
		h.reply(ctx, planDialect(), r, textOK, err)
	})(ctx)
}

// GetPlan serves GET /apis/api/RecurringTrans/GetRecurringInfo/{id}.
func (h *Handlers) GetPlan(ctx *fasthttp.RequestCtx) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		v, err := h.svc.GetPlan(cid, pathID(ctx))
		h.answer(ctx, planDialect(), planView(cid, v), err)
	})(ctx)
}

// GetPlans serves GET /apis/api/RecurringTrans/GetRecurringTrans.
func (h *Handlers) GetPlans(ctx *fasthttp.RequestCtx) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		q, err := planQuery(PlanFilter{
			EffectiveDate: param(ctx, "EffectiveDate"), DateCreated: param(ctx, "DateCreated"),
			Frequency: param(ctx, "Frequency"), CustomerNumber: param(ctx, "CustomerNumber"),
			CompanyName: param(ctx, "CompanyName"), IdentificationNum: param(ctx, "IdentificationNum"),
			Amount: param(ctx, "Amount"), CardNumber: param(ctx, "CardNumber"), InvoiceNumber: param(ctx, "InvoiceNumber"),
			Active: param(ctx, "Active"), Status: param(ctx, "Status"), SortExpression: param(ctx, "SortExpression"),
			SortDirection: param(ctx, "SortDirection"), PageSize: param(ctx, "PageSize"), PageNumber: param(ctx, "PageNumber")})
		var l customer.List[customer.PlanView]
		if err == nil {
			l, err = h.svc.GetPlans(cid, q)
		}
		list(h, ctx, cid, l, planView, err)
	})(ctx)
}

// SuspendPlan serves PUT /apis/api/RecurringTrans/Suspend?Id=.
func (h *Handlers) SuspendPlan(ctx *fasthttp.RequestCtx) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		r, err := h.svc.SuspendPlan(cid, param(ctx, "Id"), idem(ctx, nil))
		h.reply(ctx, planDialect(), r, textOK, err)
	})(ctx)
}

// ResumePlan serves PUT /apis/api/RecurringTrans/Resume?Id=.
func (h *Handlers) ResumePlan(ctx *fasthttp.RequestCtx) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		r, err := h.svc.ResumePlan(cid, param(ctx, "Id"), idem(ctx, nil))
		h.reply(ctx, planDialect(), r, textOK, err)
	})(ctx)
}

// GetSchedule serves GET /apis/api/RecurringTrans/GetSchedule/{id}.
func (h *Handlers) GetSchedule(ctx *fasthttp.RequestCtx) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		s, err := h.svc.GetSchedule(cid, pathID(ctx))
		h.answer(ctx, planDialect(), scheduleView(s), err)
	})(ctx)
}

// GetDue serves GET /apis/api/RecurringTrans/GetDue?Date=M/d/yyyy.
func (h *Handlers) GetDue(ctx *fasthttp.RequestCtx) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		var p params
		date := param(ctx, wDate)
		day, err := ParseDate(date)
		if strings.TrimSpace(date) == "" {
			p.add(wDate, "is required (M/d/yyyy)")
		} else if err != nil {
			p.addErr(wDate, err)
		}
		if err := p.err(); err != nil {
			h.fail(ctx, dialect{}, err)
			return
		}
		ds, err := h.svc.GetDue(cid, day)
		out := make([]Due, len(ds))
		for i, d := range ds {
			out[i] = dueView(d)
		}
		h.answer(ctx, dueDialect(), out, err)
	})(ctx)
}

// RotateKeys serves POST /admin/api/keys/rotate (behind the admin guard).
func (h *Handlers) RotateKeys(ctx *fasthttp.RequestCtx) {
	st, err := h.svc.RotateKeys()
	h.answer(ctx, dialect{}, st, err)
}

// Keys serves GET /admin/api/keys (behind the admin guard).
func (h *Handlers) Keys(ctx *fasthttp.RequestCtx) {
	st, err := h.svc.Keys()
	h.answer(ctx, dialect{}, st, err)
}
