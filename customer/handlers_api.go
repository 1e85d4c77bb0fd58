package customer

import (
	"github.com/valyala/fasthttp"
)

// CreateCustomer serves POST /apis/api/Customers.
func (h *Handlers) CreateCustomer(ctx *fasthttp.RequestCtx) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		in, idem, err := body(ctx)
		if err != nil {
			h.fail(ctx, err)
			return
		}
		r, err := h.svc.CreateCustomer(cid, in, idem)
		h.reply(ctx, r, err)
	})(ctx)
}

// UpdateCustomer serves PUT /apis/api/Customers/{id}.
func (h *Handlers) UpdateCustomer(ctx *fasthttp.RequestCtx) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		in, idem, err := body(ctx)
		if err != nil {
			h.fail(ctx, err)
			return
		}
		r, err := h.svc.UpdateCustomer(cid, pathID(ctx), in, idem)
		h.reply(ctx, r, err)
	})(ctx)
}

// DeleteCustomer serves DELETE /apis/api/Customers/{id}.
func (h *Handlers) DeleteCustomer(ctx *fasthttp.RequestCtx) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		r, err := h.svc.DeleteCustomer(cid, pathID(ctx))
		h.reply(ctx, r, err)
	})(ctx)
}

// GetCustomerInfo serves GET /apis/api/Customers/GetCustomerInfo/{id}.
func (h *Handlers) GetCustomerInfo(ctx *fasthttp.RequestCtx) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		c, err := h.svc.GetCustomer(cid, pathID(ctx))
		h.answer(ctx, c, err)
	})(ctx)
}

// GetCustomers serves GET /apis/api/Customers/GetCustomers.
func (h *Handlers) GetCustomers(ctx *fasthttp.RequestCtx) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		l, err := h.svc.GetCustomers(cid, CustomerFilter{
			CustomerNumber: param(ctx, "CustomerNumber"), PhoneNumber: param(ctx, "PhoneNumber"),
			Email: param(ctx, "Email"), CompanyName: param(ctx, "CompanyName"), FirstName: param(ctx, "FirstName"),
			LastName: param(ctx, "LastName"), CompanyID: param(ctx, "CompanyId"),
			SortExpression: param(ctx, "SortExpression"), SortDirection: param(ctx, "SortDirection"),
			PageSize: param(ctx, "PageSize"), PageNumber: param(ctx, "PageNumber")})
		list(h, ctx, l, err)
	})(ctx)
}

// SearchCustomers serves GET /apis/api/Customers/GetCustomersBySearchCriteria.
func (h *Handlers) SearchCustomers(ctx *fasthttp.RequestCtx) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		l, err := h.svc.SearchCustomers(cid, param(ctx, "SearchCriteria"), param(ctx, "PageSize"), param(ctx, "PageNumber"))
		list(h, ctx, l, err)
	})(ctx)
}

// CreatePayment serves POST /apis/api/PaymentDetails.
func (h *Handlers) CreatePayment(ctx *fasthttp.RequestCtx) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		in, idem, err := body(ctx)
		if err != nil {
			h.fail(ctx, err)
			return
		}
		r, err := h.svc.CreatePayment(cid, in, idem)
		h.reply(ctx, r, err)
	})(ctx)
}

// UpdatePayment serves PUT /apis/api/PaymentDetails/{id}.
func (h *Handlers) UpdatePayment(ctx *fasthttp.RequestCtx) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		in, idem, err := body(ctx)
		if err != nil {
			h.fail(ctx, err)
			return
		}
		r, err := h.svc.UpdatePayment(cid, pathID(ctx), in, idem)
		h.reply(ctx, r, err)
	})(ctx)
}

// DeletePayment serves DELETE /apis/api/PaymentDetails/{id}.
func (h *Handlers) DeletePayment(ctx *fasthttp.RequestCtx) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		r, err := h.svc.DeletePayment(cid, pathID(ctx))
		h.reply(ctx, r, err)
	})(ctx)
}

// GetPayments serves GET /apis/api/PaymentDetails/GetPayments.
func (h *Handlers) GetPayments(ctx *fasthttp.RequestCtx) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		l, err := h.svc.GetPayments(cid, param(ctx, "CustomerId"), param(ctx, "PaymentType"),
			param(ctx, "PageSize"), param(ctx, "PageNumber"))
		list(h, ctx, l, err)
	})(ctx)
}

// GetPaymentInfo serves GET /apis/api/PaymentDetails/GetPaymentInfo/{id}.
func (h *Handlers) GetPaymentInfo(ctx *fasthttp.RequestCtx) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		v, err := h.svc.GetPaymentInfo(cid, pathID(ctx), param(ctx, "PaymentType"))
		h.answer(ctx, v, err)
	})(ctx)
}

// GetPrimary serves GET /apis/api/PaymentDetails/GetPrimary: the bare JSON string id.
func (h *Handlers) GetPrimary(ctx *fasthttp.RequestCtx) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		id, err := h.svc.GetPrimary(cid, param(ctx, "CustomerId"), param(ctx, "PaymentType"))
		h.answer(ctx, id, err)
	})(ctx)
}

// CreatePlan serves POST /apis/api/RecurringTrans.
func (h *Handlers) CreatePlan(ctx *fasthttp.RequestCtx) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		in, idem, err := body(ctx)
		if err != nil {
			h.fail(ctx, err)
			return
		}
		r, err := h.svc.CreatePlan(cid, in, idem)
		h.reply(ctx, r, err)
	})(ctx)
}

// UpdatePlan serves PUT /apis/api/RecurringTrans/{id}.
func (h *Handlers) UpdatePlan(ctx *fasthttp.RequestCtx) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		in, idem, err := body(ctx)
		if err != nil {
			h.fail(ctx, err)
			return
		}
		r, err := h.svc.UpdatePlan(cid, pathID(ctx), in, idem)
		h.reply(ctx, r, err)
	})(ctx)
}

// DeletePlan serves DELETE /apis/api/RecurringTrans/{id}: it cancels the plan.
func (h *Handlers) DeletePlan(ctx *fasthttp.RequestCtx) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		r, err := h.svc.DeletePlan(cid, pathID(ctx))
		h.reply(ctx, r, err)
	})(ctx)
}

// GetPlan serves GET /apis/api/RecurringTrans/GetRecurringInfo/{id}.
func (h *Handlers) GetPlan(ctx *fasthttp.RequestCtx) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		v, err := h.svc.GetPlan(cid, pathID(ctx))
		h.answer(ctx, v, err)
	})(ctx)
}

// GetPlans serves GET /apis/api/RecurringTrans/GetRecurringTrans.
func (h *Handlers) GetPlans(ctx *fasthttp.RequestCtx) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		l, err := h.svc.GetPlans(cid, PlanFilter{
			EffectiveDate: param(ctx, "EffectiveDate"), DateCreated: param(ctx, "DateCreated"),
			Frequency: param(ctx, "Frequency"), CustomerNumber: param(ctx, "CustomerNumber"),
			CompanyName: param(ctx, "CompanyName"), IdentificationNum: param(ctx, "IdentificationNum"),
			Amount: param(ctx, "Amount"), CardNumber: param(ctx, "CardNumber"), InvoiceNumber: param(ctx, "InvoiceNumber"),
			Active: param(ctx, "Active"), Status: param(ctx, "Status"), SortExpression: param(ctx, "SortExpression"),
			SortDirection: param(ctx, "SortDirection"), PageSize: param(ctx, "PageSize"), PageNumber: param(ctx, "PageNumber")})
		list(h, ctx, l, err)
	})(ctx)
}

// SuspendPlan serves PUT /apis/api/RecurringTrans/Suspend?Id=.
func (h *Handlers) SuspendPlan(ctx *fasthttp.RequestCtx) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		r, err := h.svc.SuspendPlan(cid, param(ctx, "Id"), idemOnly(ctx))
		h.reply(ctx, r, err)
	})(ctx)
}

// ResumePlan serves PUT /apis/api/RecurringTrans/Resume?Id=.
func (h *Handlers) ResumePlan(ctx *fasthttp.RequestCtx) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		r, err := h.svc.ResumePlan(cid, param(ctx, "Id"), idemOnly(ctx))
		h.reply(ctx, r, err)
	})(ctx)
}

// GetSchedule serves GET /apis/api/RecurringTrans/GetSchedule/{id}.
func (h *Handlers) GetSchedule(ctx *fasthttp.RequestCtx) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		v, err := h.svc.GetSchedule(cid, pathID(ctx))
		h.answer(ctx, v, err)
	})(ctx)
}

// GetDue serves GET /apis/api/RecurringTrans/GetDue?Date=M/d/yyyy.
func (h *Handlers) GetDue(ctx *fasthttp.RequestCtx) {
	h.authed(func(ctx *fasthttp.RequestCtx, cid int64) {
		v, err := h.svc.GetDue(cid, param(ctx, "Date"))
		h.answer(ctx, v, err)
	})(ctx)
}

// RotateKeys serves POST /admin/api/keys/rotate (behind the admin guard).
func (h *Handlers) RotateKeys(ctx *fasthttp.RequestCtx) {
	st, err := h.svc.RotateKeys()
	h.answer(ctx, st, err)
}

// Keys serves GET /admin/api/keys (behind the admin guard).
func (h *Handlers) Keys(ctx *fasthttp.RequestCtx) {
	st, err := h.svc.Keys()
	h.answer(ctx, st, err)
}
