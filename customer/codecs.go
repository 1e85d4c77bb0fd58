package customer

import (
	"strconv"
	"strings"
	"time"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer/field"
	"github.com/tonebase/tonebase/customer/internal/schema"
	"github.com/tonebase/tonebase/customer/schedule"
)

// cells reads and writes a row by column id; only the codecs below use it,
// always with the schema package's constants.
type cells struct {
	t *columndb.Table
	r columndb.Row
}

func newCells(t *columndb.Table) cells { return cells{t: t, r: columndb.NewRow(len(t.Columns))} }

func (x cells) get(id string) string {
	i, ok := x.t.ColumnIndex(id)
	if !ok {
		return ""
	}
	v, _ := x.r.Get(i)
	return v
}

func (x cells) has(id string) bool {
	i, ok := x.t.ColumnIndex(id)
	if !ok {
		return false
	}
	_, set := x.r.Get(i)
	return set
}

func (x cells) int(id string) int64 { n, _ := strconv.ParseInt(x.get(id), 10, 64); return n }

func (x cells) set(id, v string) {
	if i, ok := x.t.ColumnIndex(id); ok {
		x.r.Set(i, v)
	}
}

func (x cells) setInt(id string, n int64) { x.set(id, strconv.FormatInt(n, 10)) }

// keyRow is a row carrying only the primary key, for deletes.
func keyRow(t *columndb.Table, pkID, pk string) columndb.Row {
	x := newCells(t)
	x.set(pkID, pk)
	return x.r
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// customerCodec maps customers to rows of the customers table.
type customerCodec struct{ t *columndb.Table }

func addressCols(side string) schema.AddressColumns {
	if side == SideShipping {
		return schema.Shipping()
	}
	return schema.Billing()
}

func (c customerCodec) encode(v Customer) columndb.Row {
	x := newCells(c.t)
	x.set(schema.CustID, v.ID)
	// No number, no entry in the unique number index; a deleted customer's
	// number is kept aside, so the number can be given to a new customer.
	switch {
	case !v.Deleted.IsZero():
		x.setInt(schema.CustDeleted, v.Deleted.UnixNano())
		if v.Number != "" {
			x.set(schema.CustDeletedNumber, v.Number)
		}
	case v.Number != "":
		x.set(schema.CustNumber, v.Number)
	}
	x.setInt(schema.CustCreated, v.Created.UnixNano())
	x.setInt(schema.CustAccountType, v.AccountType)
	if v.Seq != 0 {
		x.setInt(schema.CustSeq, v.Seq)
	}
	if v.Notes != "" {
		x.set(schema.CustNotes, v.Notes)
	}
	if v.EmailReceipt {
		x.setInt(schema.CustEmailReceipt, 1)
	}
	for _, side := range []string{SideBilling, SideShipping} {
		a, cols := v.Billing, addressCols(side)
		if side == SideShipping {
			a = v.Shipping
		}
		for i, val := range addressValues(a) {
			if id := cols.List()[i]; val != "" || id != cols.Line2 {
				x.set(id, val)
			}
		}
	}
	return x.r
}

// addressValues lists an address's values in schema.AddressColumns.List order.
func addressValues(a Address) []string {
	return []string{a.FirstName, a.LastName, a.Company, a.Line1, a.City, a.State, a.Zip, a.Country, a.Phone, a.Fax, a.Email, a.Line2}
}

func (c customerCodec) decode(r columndb.Row) Customer {
	x := cells{c.t, r}
	v := Customer{ID: x.get(schema.CustID), Number: x.get(schema.CustNumber), Seq: x.int(schema.CustSeq),
		Created: unixNano(x.int(schema.CustCreated)), AccountType: x.int(schema.CustAccountType),
		Notes: x.get(schema.CustNotes), EmailReceipt: x.int(schema.CustEmailReceipt) == 1}
	if x.has(schema.CustDeleted) {
		v.Deleted = unixNano(x.int(schema.CustDeleted))
		if v.Number == "" {
			v.Number = x.get(schema.CustDeletedNumber)
		}
	}
	for _, side := range []string{SideBilling, SideShipping} {
		cols := addressCols(side).List()
		get := func(i int) string { return x.get(cols[i]) }
		a := Address{FirstName: get(0), LastName: get(1), Company: get(2), Line1: get(3), City: get(4), State: get(5),
			Zip: get(6), Country: get(7), Phone: get(8), Fax: get(9), Email: get(10), Line2: get(11)}
		if side == SideBilling {
			v.Billing = a
		} else {
			v.Shipping = a
		}
	}
	return v
}

// customerColumn is the column a customer field sorts and filters by.
func customerColumn(f string) (string, bool) {
	switch f {
	case FieldID:
		return schema.CustID, true
	case FieldNumber:
		return schema.CustNumber, true
	case FieldAccountType:
		return schema.CustAccountType, true
	case "created":
		return schema.CustCreated, true
	case "seq":
		return schema.CustSeq, true
	}
	side, part, ok := strings.Cut(f, ".")
	if !ok || (side != SideBilling && side != SideShipping) {
		return "", false
	}
	cols := addressCols(side)
	id, ok := map[string]string{PartFirstName: cols.FirstName, PartLastName: cols.LastName, PartCompany: cols.Company,
		PartLine1: cols.Line1, PartLine2: cols.Line2, PartCity: cols.City, PartState: cols.State, PartZip: cols.Zip,
		PartCountry: cols.Country, PartPhone: cols.Phone, PartFax: cols.Fax, PartEmail: cols.Email}[part]
	return id, ok
}

// Payment kinds and bank account kinds are stored as the first wire
// numbered them, because rows hold those numbers.
func storedKind(k PaymentKind) string {
	switch k {
	case KindCard:
		return "2"
	case KindBank:
		return "3"
	}
	return ""
}

func kindOf(s string) PaymentKind {
	for _, k := range []PaymentKind{KindCard, KindBank} {
		if storedKind(k) == s {
			return k
		}
	}
	return 0
}

func storedBankKind(k BankAccountKind) string {
	if !k.Valid() {
		return ""
	}
	return strconv.Itoa(int(k - BankSavings))
}

func bankKindOf(s string) BankAccountKind {
	for _, k := range []BankAccountKind{BankSavings, BankChecking, BankBusiness} {
		if storedBankKind(k) == s {
			return k
		}
	}
	return 0
}

// storedMethod is a payment method as its row holds it: with its sealed number.
type storedMethod struct {
	PaymentMethod
	secret string
}

func primaryKey(customerID string, k PaymentKind) string { return customerID + "/" + storedKind(k) }

// paymentCodec maps payment methods to rows of the payments table.
type paymentCodec struct{ t *columndb.Table }

func (c paymentCodec) encode(m storedMethod) columndb.Row {
	x := newCells(c.t)
	x.set(schema.PayID, m.ID)
	x.set(schema.PayCustomer, m.CustomerID)
	x.set(schema.PayKind, storedKind(m.Kind))
	if m.Primary {
		x.set(schema.PayPrimaryOf, primaryKey(m.CustomerID, m.Kind))
	}
	x.set(schema.PaySecret, m.secret)
	x.set(schema.PayFingerprint, m.Fingerprint)
	x.set(schema.PayMasked, m.Masked)
	x.setInt(schema.PayCreated, m.Created.UnixNano())
	opt := func(id, v string) {
		if v != "" {
			x.set(id, v)
		}
	}
	opt(schema.PayHolder, m.HolderName)
	opt(schema.PayDescription, m.Description)
	opt(schema.PayToken, m.Token)
	opt(schema.PayExpiry, m.Card.Expiry)
	opt(schema.PayAddress, m.Card.Address)
	opt(schema.PayZip, m.Card.Zip)
	opt(schema.PayRouting, m.Bank.Routing)
	opt(schema.PayBankNumber, m.Bank.BankNumber)
	opt(schema.PayBankName, m.Bank.BankName)
	opt(schema.PayEntryClass, m.Bank.EntryClass)
	if m.Bank.AccountKind.Valid() {
		x.set(schema.PayAccountKind, storedBankKind(m.Bank.AccountKind))
	}
	return x.r
}

func (c paymentCodec) decode(r columndb.Row) storedMethod {
	x := cells{c.t, r}
	return storedMethod{secret: x.get(schema.PaySecret), PaymentMethod: PaymentMethod{
		ID: x.get(schema.PayID), Token: x.get(schema.PayToken), CustomerID: x.get(schema.PayCustomer),
		Kind: kindOf(x.get(schema.PayKind)), Primary: x.has(schema.PayPrimaryOf), HolderName: x.get(schema.PayHolder),
		Description: x.get(schema.PayDescription), Masked: x.get(schema.PayMasked), Fingerprint: x.get(schema.PayFingerprint),
		Created: unixNano(x.int(schema.PayCreated)),
		Card:    CardDetails{Expiry: x.get(schema.PayExpiry), Address: x.get(schema.PayAddress), Zip: x.get(schema.PayZip)},
		Bank: BankDetails{Routing: x.get(schema.PayRouting), AccountKind: bankKindOf(x.get(schema.PayAccountKind)),
			BankNumber: x.get(schema.PayBankNumber), BankName: x.get(schema.PayBankName), EntryClass: x.get(schema.PayEntryClass)}}}
}

// planCodec maps plans to rows of the plans table.
type planCodec struct{ t *columndb.Table }

func (c planCodec) encode(p Plan) columndb.Row {
	x := newCells(c.t)
	x.set(schema.PlanID, p.ID)
	x.set(schema.PlanCustomer, p.CustomerID)
	x.set(schema.PlanMethod, p.MethodID)
	x.set(schema.PlanMethodKind, storedKind(p.MethodKind))
	x.setInt(schema.PlanKind, int64(p.Kind))
	x.setInt(schema.PlanFrequency, int64(p.Frequency))
	x.set(schema.PlanStart, field.DayKey(p.Start))
	x.setInt(schema.PlanCount, int64(p.Count))
	x.setInt(schema.PlanUnlimited, boolInt(p.Unlimited))
	x.setInt(schema.PlanRecurring, p.Recurring)
	x.setInt(schema.PlanTotal, p.Total)
	x.setInt(schema.PlanFee, p.Fee)
	x.set(schema.PlanFeeLabel, p.FeeLabel)
	x.set(schema.PlanInvoice, p.Invoice)
	x.set(schema.PlanReference, p.Reference)
	regular, _ := p.Amounts()
	x.setInt(schema.PlanAmount, regular+p.Fee)
	x.setInt(schema.PlanCancelled, boolInt(p.Cancelled))
	if len(p.Pauses) > 0 {
		x.set(schema.PlanPauses, formatPauses(p.Pauses))
	}
	x.setInt(schema.PlanCreated, p.Created.UnixNano())
	if p.NotificationURL != "" {
		x.set(schema.PlanNotifyURL, p.NotificationURL)
	}
	if !p.End.IsZero() {
		x.set(schema.PlanEnd, field.DayKey(p.End))
	}
	if !p.CancelledAt.IsZero() {
		x.setInt(schema.PlanCancelledAt, p.CancelledAt.UnixNano())
	}
	return x.r
}

func (c planCodec) decode(r columndb.Row) Plan {
	x := cells{c.t, r}
	start, _ := field.ParseDayKey(x.get(schema.PlanStart))
	end, _ := field.ParseDayKey(x.get(schema.PlanEnd))
	var cancelledAt time.Time
	if x.has(schema.PlanCancelledAt) {
		cancelledAt = unixNano(x.int(schema.PlanCancelledAt))
	}
	return Plan{CancelledAt: cancelledAt, ID: x.get(schema.PlanID), Amount: x.int(schema.PlanAmount), Cancelled: x.int(schema.PlanCancelled) == 1,
		Pauses: pauses(x.get(schema.PlanPauses)), Created: unixNano(x.int(schema.PlanCreated)),
		Terms: Terms{CustomerID: x.get(schema.PlanCustomer), MethodID: x.get(schema.PlanMethod),
			MethodKind: kindOf(x.get(schema.PlanMethodKind)), Kind: PlanKind(x.int(schema.PlanKind)),
			Frequency: schedule.Frequency(x.int(schema.PlanFrequency)), Start: start, Count: int(x.int(schema.PlanCount)),
			Unlimited: x.int(schema.PlanUnlimited) == 1, Recurring: x.int(schema.PlanRecurring), Total: x.int(schema.PlanTotal),
			Fee: x.int(schema.PlanFee), FeeLabel: x.get(schema.PlanFeeLabel), Invoice: x.get(schema.PlanInvoice),
			Reference: x.get(schema.PlanReference), NotificationURL: x.get(schema.PlanNotifyURL), End: end}}
}

// pauses reads the stored suspensions: "20240301-20240315;20240401-".
func pauses(s string) []schedule.Pause {
	var out []schedule.Pause
	for _, part := range strings.Split(s, ";") {
		from, to, ok := strings.Cut(part, "-")
		if !ok {
			continue
		}
		f, err := field.ParseDayKey(from)
		if err != nil {
			continue
		}
		ps := schedule.Pause{From: f}
		if to != "" {
			if ps.To, err = field.ParseDayKey(to); err != nil {
				continue
			}
		}
		out = append(out, ps)
	}
	return out
}

func formatPauses(ps []schedule.Pause) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = field.DayKey(p.From) + "-"
		if !p.Open() {
			parts[i] += field.DayKey(p.To)
		}
	}
	return strings.Join(parts, ";")
}

// idemRecord is a write's result kept under its idempotency key.
type idemRecord struct {
	key, hash, result string
	created           time.Time
}

// idemCodec maps idempotency records to rows.
type idemCodec struct{ t *columndb.Table }

func (c idemCodec) encode(v idemRecord) columndb.Row {
	x := newCells(c.t)
	x.set(schema.IdemKey, v.key)
	x.set(schema.IdemHash, v.hash)
	x.set(schema.IdemResult, v.result)
	x.setInt(schema.IdemCreated, v.created.UnixNano())
	return x.r
}

func (c idemCodec) decode(r columndb.Row) idemRecord {
	x := cells{c.t, r}
	return idemRecord{key: x.get(schema.IdemKey), hash: x.get(schema.IdemHash), result: x.get(schema.IdemResult),
		created: unixNano(x.int(schema.IdemCreated))}
}

// unixNano reads a stored timestamp, in UTC as every wire shows it.
func unixNano(n int64) time.Time { return time.Unix(0, n).UTC() }
