package customer

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tonebase/tonebase/customer/field"
)

// Domain names of the fields that not every wire sends.
const (
	FieldNotes        = "notes"
	FieldEmailReceipt = "email_receipt"
	FieldBankName     = "bank.bank_name"
	FieldEntryClass   = "bank.entry_class"
)

// Limits of those fields.
const (
	MaxNotes    = 255
	maxBankName = 100
	// Loose addresses: the longest state, zip and phone any country's need.
	maxLooseState = 50
	maxLooseZip   = 10
	maxLoosePhone = 20
)

// EntryClasses are the ACH standard entry classes an account may be debited
// under: corporate (CCD), prearranged (PPD), internet (WEB), telephone
// (TEL), back-office conversion (BOC) and accounts-receivable conversion (ARC).
func EntryClasses() []string { return []string{"CCD", "PPD", "WEB", "TEL", "BOC", "ARC"} }

// applyExtras lays the notes and the email-receipt flag over c.
func applyExtras(c *Customer, in CustomerInput, p *problems) {
	applyText(p, FieldNotes, in.Notes, MaxNotes, &c.Notes)
	in.EmailReceipt.Into(&c.EmailReceipt)
}

// checkLooseAddressPart is checkAddressPart for any country's address:
// state, zip and phone are checked for length and text only. A zip in the
// US's 12345-6789 form is kept as its nine digits, as the strict check keeps it.
func checkLooseAddressPart(part, v string) (string, string, string) {
	limit := 0
	switch part {
	case PartState:
		limit = maxLooseState
	case PartZip:
		if d := strings.Replace(v, "-", "", 1); len(v) == 10 && v[5] == '-' && len(d) == 9 && field.AllDigits(d) {
			return d, "", ""
		}
		limit = maxLooseZip
	case PartPhone:
		limit = maxLoosePhone
	default:
		return checkAddressPart(part, v)
	}
	if field.Len(v) > limit {
		return "", CodeTooLong, fmt.Sprintf("longer than %d characters", limit)
	}
	if f := textFault(v); f != "" {
		return "", CodeNotAllowed, f
	}
	return v, "", ""
}

// applyText sets *dst to a free-text value when it was sent and is at most
// max characters of printable text; otherwise it records why not.
func applyText(p *problems, name string, v Opt[string], max int, dst *string) {
	switch {
	case !v.Set:
	case field.Len(v.V) > max:
		p.add(name, CodeTooLong, "longer than %d characters", max)
	case textFault(v.V) != "":
		p.add(name, CodeNotAllowed, "%s", textFault(v.V))
	default:
		*dst = v.V
	}
}

// applyBankExtras lays the bank's name and the entry class over m.
func applyBankExtras(m *storedMethod, in PaymentInput, p *problems) {
	applyText(p, FieldBankName, in.BankName, maxBankName, &m.Bank.BankName)
	if v := in.EntryClass; v.Set {
		c := strings.ToUpper(strings.TrimSpace(v.V))
		if c != "" && !slices.Contains(EntryClasses(), c) {
			p.add(FieldEntryClass, CodeInvalid, "must be one of %s", strings.Join(EntryClasses(), ", "))
		} else {
			m.Bank.EntryClass = c
		}
	}
}
