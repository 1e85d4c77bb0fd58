package customer

import (
	"fmt"
	"strings"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer/field"
	"github.com/tonebase/tonebase/customer/internal/schema"
)

// CodeAssigned: a field the service assigns was sent on a create.
const CodeAssigned = "assigned"

// MaxNumber is the longest customer number.
const MaxNumber = 50

// addressLimit is the longest an address part may be.
func addressLimit(part string) int {
	switch part {
	case PartLine1, PartLine2:
		return 100
	case PartState:
		return 2
	case PartZip:
		return 9
	}
	return 50
}

// applyCustomer checks in and lays it over c. Fields not sent keep their
// stored values, so a partial update changes only what it names.
func applyCustomer(c *Customer, in CustomerInput, creating bool) error {
	p := problems(append([]Problem(nil), in.Unread...))
	if in.Number.Set || creating {
		switch v := in.Number.V; {
		case v == "" && in.NumberOptional:
			c.Number = ""
		case v == "":
			p.add(FieldNumber, CodeRequired, "is required")
		case field.Len(v) > MaxNumber:
			p.add(FieldNumber, CodeTooLong, "longer than %d characters", MaxNumber)
		case idFault(v) != "":
			p.add(FieldNumber, CodeNotAllowed, "%s", idFault(v))
		default:
			c.Number = v
		}
	}
	applyAddress(&c.Billing, &in.Billing, SideBilling, in.Style, &p)
	applyAddress(&c.Shipping, &in.Shipping, SideShipping, in.Style, &p)
	applyExtras(c, in, &p)
	if in.AccountType.Set {
		if n := in.AccountType.V; n < 0 || n > 99 {
			p.add(FieldAccountType, CodeInvalid, "must be a whole number from 0 to 99")
		} else {
			c.AccountType = n
		}
	} else if creating {
		c.AccountType = 1
	}
	return p.err()
}

func applyAddress(a *Address, in *AddressInput, side string, style AddressStyle, p *problems) {
	dst := map[string]*string{PartFirstName: &a.FirstName, PartLastName: &a.LastName, PartCompany: &a.Company,
		PartLine1: &a.Line1, PartLine2: &a.Line2, PartCity: &a.City, PartState: &a.State, PartZip: &a.Zip,
		PartCountry: &a.Country, PartPhone: &a.Phone, PartFax: &a.Fax, PartEmail: &a.Email}
	for _, f := range in.parts() {
		if !f.v.Set {
			continue
		}
		v, code, reason, handled := "", "", "", false
		switch style {
		case StyleInternational:
			v, code, reason, handled = checkIntlPart(f.name, f.v.V)
		case StyleLoose:
			v, code, reason = checkLooseAddressPart(f.name, f.v.V)
			handled = true
		}
		if !handled {
			v, code, reason = checkAddressPart(f.name, f.v.V)
		}
		if reason != "" {
			p.add(AddressField(side, f.name), code, "%s", reason)
			continue
		}
		*dst[f.name] = v
	}
	if style == StyleInternational && len(*p) == 0 {
		checkRegion(a, in, side, p)
	}
}

// checkAddressPart returns the stored form of one address part, or why it
// is refused.
func checkAddressPart(part, v string) (string, string, string) {
	switch {
	case v == "":
		return "", "", ""
	case part == PartState:
		if len(v) != 2 || !isLetters(v) {
			return "", CodeInvalid, "must be a 2-letter state code"
		}
		return strings.ToUpper(v), "", ""
	case part == PartZip:
		d := strings.ReplaceAll(v, "-", "")
		if (len(d) != 5 && len(d) != 9) || !field.AllDigits(d) {
			return "", CodeInvalid, "must be 5 or 9 digits (12345 or 12345-6789)"
		}
		return d, "", ""
	case part == PartEmail:
		at := strings.LastIndexByte(v, '@')
		if at < 1 || at == len(v)-1 || strings.ContainsAny(v, " \t") {
			return "", CodeInvalid, "is not an email address"
		}
	}
	if max := addressLimit(part); field.Len(v) > max {
		return "", CodeTooLong, fmt.Sprintf("longer than %d characters", max)
	}
	if f := textFault(v); f != "" {
		return "", CodeNotAllowed, f
	}
	return v, "", ""
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// CreateCustomer adds a customer; the result is its new id.
func (s *Service) CreateCustomer(cid int64, in CustomerInput, idem Idem) (Result, error) {
	return s.write(cid, idem, func(ts *tenantState) (prepared, error) {
		if in.ID.Set && in.ID.V != "" {
			return prepared{}, &InputError{Problems: []Problem{{Field: FieldID, Code: CodeAssigned, Reason: "is assigned by the server"}}}
		}
		c := Customer{ID: NewID(), Created: s.now()}
		if err := applyCustomer(&c, in, true); err != nil {
			return prepared{}, err
		}
		if err := s.checkNumberFree(ts, c.Number, c.ID); err != nil {
			return prepared{}, err
		}
		// Seq is taken only once nothing can refuse the write, so refusals
		// leave no gaps.
		c.Seq = ts.nextSeq
		ts.nextSeq++
		return prepared{id: c.ID, changes: []columndb.Change{{Table: ts.customers, Put: []columndb.Row{ts.cust.encode(c)}}}}, nil
	})
}

// checkNumberFree refuses a customer number another customer has, so the
// refusal names the number rather than surfacing as a storage error.
func (s *Service) checkNumberFree(ts *tenantState, number, id string) error {
	if number == "" {
		return nil
	}
	rows, err := s.store.Lookup(ts.customers, schema.IdxNumber, []string{number}, 1)
	if err != nil {
		return err
	}
	if len(rows) > 0 {
		if other := ts.cust.decode(rows[0]); other.ID != id {
			return &NumberTakenError{Number: number, ID: other.ID}
		}
	}
	return nil
}

// UpdateCustomer changes the fields in sends.
func (s *Service) UpdateCustomer(cid int64, id string, in CustomerInput, idem Idem) (Result, error) {
	id = NormID(id)
	return s.write(cid, idem, func(ts *tenantState) (prepared, error) {
		if in.ID.Set && in.ID.V != "" && NormID(in.ID.V) != id {
			return prepared{}, &InputError{Problems: []Problem{{Field: FieldID, Code: CodeMismatch, Reason: "differs from the id in the path"}}}
		}
		c, err := s.getCustomer(ts, id)
		if err != nil {
			return prepared{}, err
		}
		if err := applyCustomer(&c, in, false); err != nil {
			return prepared{}, err
		}
		if err := s.checkNumberFree(ts, c.Number, id); err != nil {
			return prepared{}, err
		}
		return prepared{id: id, changes: []columndb.Change{{Table: ts.customers, Put: []columndb.Row{ts.cust.encode(c)}}}}, nil
	})
}

// maxPerCustomer bounds what one customer holds of each kind, so deleting a
// customer always fits one transaction.
const maxPerCustomer = 1000

func (s *Service) getCustomer(ts *tenantState, id string) (Customer, error) {
	c, err := s.customerRecord(ts, id)
	if err == nil && !c.Deleted.IsZero() {
		return Customer{}, notFound("customer", id)
	}
	return c, err
}

// GetCustomer returns a customer by its id.
func (s *Service) GetCustomer(cid int64, id string) (Customer, error) {
	ts, err := s.tenant(cid)
	if err != nil {
		return Customer{}, err
	}
	return s.getCustomer(ts, NormID(id))
}

// CustomerByNumber returns a customer by the merchant's number for it.
func (s *Service) CustomerByNumber(cid int64, number string) (Customer, error) {
	return s.customerBy(cid, schema.IdxNumber, number)
}

// CustomerBySeq returns a customer by its per-client integer.
func (s *Service) CustomerBySeq(cid, seq int64) (Customer, error) {
	return s.customerBy(cid, schema.IdxSeq, fmt.Sprint(seq))
}

func (s *Service) customerBy(cid int64, index, v string) (Customer, error) {
	ts, err := s.tenant(cid)
	if err != nil {
		return Customer{}, err
	}
	rows, err := s.store.Lookup(ts.customers, index, []string{v}, 1)
	if err != nil {
		return Customer{}, err
	}
	if len(rows) == 0 {
		return Customer{}, notFound("customer", v)
	}
	return ts.cust.decode(rows[0]), nil
}
