package onepay

import (
	"fmt"
	"strings"
	"time"

	"github.com/tonebase/tonebase/customer"
	"github.com/tonebase/tonebase/customer/field"
)

// Check account types as this document numbers them, which is not how
// the Hipfinity API numbers them: the domain names the kinds.
func checkKind(v string) (customer.BankAccountKind, bool) {
	k, ok := map[string]customer.BankAccountKind{"0": customer.BankChecking, "1": customer.BankSavings, "2": customer.BankBusiness}[v]
	return k, ok
}

// secCodes are the standard entry classes as the document numbers them.
func secCodes() []string { return []string{"CCD", "PPD", "WEB", "TEL", "BOC", "ARC"} }

// method reads what a card and a check share (the token, the action code)
// and, unless the request deletes, the rest through fill.
func (r *reader) method(object string, obj Object, o *op, fill func(obj Object, pin *customer.PaymentInput, adding bool)) {
	ms := &customer.MethodSave{In: customer.PaymentInput{Kind: customer.Some(o.kind)}}
	ms.Token = r.text(obj, object, wToken, 0).V
	o.token = ms.Token
	switch r.text(obj, object, wActionCode, 0).V {
	case "", "0":
	case "1":
		ms.In.Primary = true
	default:
		r.add(in(object, wActionCode), customer.CodeInvalid, fmt.Sprintf("must be 1 (make this %s the default) or left out", object))
	}
	if o.remove {
		if o.token == "" {
			r.add(in(object, wToken), customer.CodeRequired, "is required with action_code 4: the token of the "+object+" to delete")
		}
		return
	}
	fill(obj, &ms.In, ms.Token == "")
	o.save.Method = ms
}

// card reads a card: its number (or its track 2 data), expiry and code.
// The code is checked and dropped: it is never stored.
func (r *reader) card(obj Object, pin *customer.PaymentInput, adding bool, now time.Time) {
	number := r.text(obj, wCard, wNumber, 0)
	expiry := r.text(obj, wCard, wExpiration, 0)
	if t := r.text(obj, wCard, wTrackData, 0); t.V != "" {
		pan, exp, ok := track2(t.V)
		switch {
		case !ok:
			r.add(in(wCard, wTrackData), customer.CodeInvalid,
				"is not unencrypted track 2 data (;PAN=YYMM…?): track 1, encrypted and combined track data are not taken")
		case number.V != "" && strings.NewReplacer(" ", "", "-", "").Replace(number.V) != pan:
			r.add(in(wCard, wTrackData), customer.CodeMismatch, "holds another card number than number")
		default:
			number = customer.Some(pan)
			if expiry.V == "" {
				expiry = customer.Some(exp)
			}
		}
	}
	brand := field.BrandOther
	switch {
	case number.V != "":
		d, err := field.ParseCard(number.V)
		if err != nil {
			r.add(in(wCard, wNumber), customer.CodeInvalid, reasonOf(err))
			break
		}
		if brand = field.CardBrand(d); brand == field.BrandOther {
			r.add(in(wCard, wNumber), customer.CodeInvalid, "is not a Visa, Mastercard, American Express, Discover, JCB or Diners Club card")
			break
		}
		pin.CardNumber = customer.Some(d)
	case adding:
		r.add(in(wCard, wNumber), customer.CodeRequired, "is required: the card's number, its track 2 data, or the token of a stored card")
	}
	if expiry.Set {
		// The domain checks it too; checked here as well, an expired card
		// is listed with the request's other problems.
		if _, err := field.ParseExpiry(expiry.V, now); err != nil {
			r.add(in(wCard, wExpiration), customer.CodeInvalid, reasonOf(err))
		}
		pin.CardExpiry = expiry
	}
	if c := r.text(obj, wCard, wCode, 0); c.V != "" {
		ok := field.AllDigits(c.V) && (len(c.V) == brand.CodeLen() || brand == field.BrandOther && (len(c.V) == 3 || len(c.V) == 4))
		if !ok {
			r.add(in(wCard, wCode), customer.CodeInvalid, "must be 3 digits (4 for American Express)")
		}
	}
}

// check reads a bank account. The check number is checked and dropped:
// it belongs to one payment, not to the account.
func (r *reader) check(obj Object, pin *customer.PaymentInput, adding bool) {
	if v := r.text(obj, wCheck, wABA, 0); v.Set {
		pin.Routing = v
	} else if adding {
		r.add(in(wCheck, wABA), customer.CodeRequired, "is required: the bank's 9-digit routing number")
	}
	if v := r.text(obj, wCheck, wAccountNumber, 0); v.Set {
		if len(v.V) < 8 || len(v.V) > 15 || !field.AllDigits(v.V) {
			r.add(in(wCheck, wAccountNumber), customer.CodeInvalid, "must be 8 to 15 digits")
		} else {
			pin.Account = v
		}
	} else if adding {
		r.add(in(wCheck, wAccountNumber), customer.CodeRequired, "is required: 8 to 15 digits")
	}
	switch v := r.text(obj, wCheck, wAccountType, 0); {
	case v.V != "":
		if k, ok := checkKind(v.V); ok {
			pin.AccountKind = customer.Some(k)
		} else {
			r.add(in(wCheck, wAccountType), customer.CodeInvalid, "must be 0 (checking), 1 (savings) or 2 (business)")
		}
	case adding:
		// The document makes the type conditional; a check is a checking
		// account's unless it says otherwise.
		pin.AccountKind = customer.Some(customer.BankChecking)
	}
	pin.BankName = r.text(obj, wCheck, wBankName, 0)
	if v := r.text(obj, wCheck, wCheckNumber, 0); v.V != "" && (len(v.V) != 6 || !field.AllDigits(v.V)) {
		r.add(in(wCheck, wCheckNumber), customer.CodeInvalid, "must be 6 digits")
	}
	if v := r.text(obj, wCheck, wSECCode, 0); v.V != "" {
		codes := secCodes()
		switch n := v.V; {
		case len(n) == 1 && n[0] >= '0' && int(n[0]-'0') < len(codes):
			pin.EntryClass = customer.Some(codes[n[0]-'0'])
		default:
			r.add(in(wCheck, wSECCode), customer.CodeInvalid, "must be 0 (CCD), 1 (PPD), 2 (WEB), 3 (TEL), 4 (BOC) or 5 (ARC)")
		}
	}
}

// reasonOf is an error's text without its package prefix.
func reasonOf(err error) string {
	msg := err.Error()
	if _, rest, ok := strings.Cut(msg, ": "); ok {
		return rest
	}
	return msg
}
