package customer

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tonebase/tonebase/columndb"
)

// Table names, one set per tenant.
const (
	tableCustomers = "customer/customers"
	tablePayments  = "customer/payments"
	tablePlans     = "customer/plans"
	tableIdem      = "customer/idempotency"
)

// Index names.
const (
	idxNumber      = "number"
	idxCustomer    = "customer"
	idxFingerprint = "fingerprint"
	idxPrimary     = "primary"
	idxPayment     = "payment"
)

// addressFields are the Billing… and Shipping… fields of a customer, with
// their documented maximum lengths.
var addressFields = func() []textField {
	var out []textField
	for _, side := range []string{"Billing", "Shipping"} {
		for _, f := range []textField{
			{"FirstName", 50}, {"LastName", 50}, {"CompanyName", 50}, {"Address", 100},
			{"City", 50}, {"State", 2}, {"ZipCode", 9}, {"Country", 50}, {"Phone", 50},
			{"Fax", 50}, {"Email", 50},
		} {
			out = append(out, textField{side + f.name, f.max})
		}
	}
	return out
}()

type textField struct {
	name string
	max  int
}

func col(id string, typ columndb.Type, required bool) columndb.Column {
	return columndb.Column{ID: id, Name: id, Type: typ, Required: required}
}

func pkCol(id string) columndb.Column {
	c := col(id, columndb.TypeText, true)
	c.PrimaryKey = true
	return c
}

func customerTable(cid int64) columndb.Table {
	cols := []columndb.Column{pkCol("Id"), col("CustomerNumber", columndb.TypeText, true)}
	for _, f := range addressFields {
		cols = append(cols, col(f.name, columndb.TypeText, false))
	}
	cols = append(cols, col("DateTime", columndb.TypeInteger, true), col("AccountType", columndb.TypeInteger, false))
	return columndb.Table{Tenant: cid, Name: tableCustomers, Description: "customers (customer API)", Columns: cols,
		Indexes: []columndb.Index{{Name: idxNumber, Columns: []string{"CustomerNumber"}, Unique: true}}}
}

func paymentTable(cid int64) columndb.Table {
	cols := []columndb.Column{pkCol("Id"), col("CustomerId", columndb.TypeText, true),
		col("PaymentType", columndb.TypeInteger, true),
		// PrimaryOf is set only on the primary method ("customer/type"); a
		// unique index over it makes two primaries impossible.
		col("PrimaryOf", columndb.TypeText, false),
		col("Secret", columndb.TypeText, true), col("Fingerprint", columndb.TypeText, true),
		col("Masked", columndb.TypeText, true), col("ExpDate", columndb.TypeText, false),
		col("FullName", columndb.TypeText, false), col("Address", columndb.TypeText, false),
		col("ZipCode", columndb.TypeText, false), col("Description", columndb.TypeText, false),
		col("RoutingNumber", columndb.TypeText, false), col("AccountType", columndb.TypeInteger, false),
		col("BankNumber", columndb.TypeText, false), col("Created", columndb.TypeInteger, true)}
	return columndb.Table{Tenant: cid, Name: tablePayments, Description: "payment methods (customer API)", Columns: cols,
		Indexes: []columndb.Index{
			{Name: idxCustomer, Columns: []string{"CustomerId", "PaymentType"}},
			{Name: idxFingerprint, Columns: []string{"CustomerId", "Fingerprint"}, Unique: true},
			{Name: idxPrimary, Columns: []string{"PrimaryOf"}, Unique: true},
		}}
}

func planTable(cid int64) columndb.Table {
	cols := []columndb.Column{pkCol("RecurringID"), col("CustomerId", columndb.TypeText, true),
		col("PaymentInfo_Id", columndb.TypeText, true), col("PaymentType", columndb.TypeInteger, true),
		col("PlanType", columndb.TypeInteger, true), col("Frequency", columndb.TypeInteger, true),
		col("EffectiveDate", columndb.TypeText, true), col("NumberOfPayments", columndb.TypeInteger, true),
		col("Unlimited", columndb.TypeInteger, true), col("RecurringAmount", columndb.TypeInteger, false),
		col("TotalAmount", columndb.TypeInteger, false), col("SwipeFeeAmount", columndb.TypeInteger, true),
		col("SwipeFeeLabel", columndb.TypeText, false), col("InvoiceNumber", columndb.TypeText, false),
		col("Identification", columndb.TypeText, false), col("Amount", columndb.TypeInteger, true),
		col("Cancelled", columndb.TypeInteger, true), col("Pauses", columndb.TypeText, false),
		col("DateCreated", columndb.TypeInteger, true)}
	return columndb.Table{Tenant: cid, Name: tablePlans, Description: "recurring and installment plans (customer API)", Columns: cols,
		Indexes: []columndb.Index{
			{Name: idxCustomer, Columns: []string{"CustomerId"}},
			{Name: idxPayment, Columns: []string{"PaymentInfo_Id"}},
		}}
}

func idemTable(cid int64) columndb.Table {
	cols := []columndb.Column{pkCol("Key"), col("Hash", columndb.TypeText, true),
		col("Text", columndb.TypeText, true), col("Created", columndb.TypeInteger, true)}
	return columndb.Table{Tenant: cid, Name: tableIdem, Description: "Idempotency-Key replies (customer API)", Columns: cols}
}

// tables is one tenant's set of tables.
type tables struct {
	cid                              int64
	customers, payments, plans, idem *columndb.Table
}

// ensureTable returns the table, creating it on a tenant's first use and
// bringing its columns up to what this code defines.
func ensureTable(store *columndb.Store, def columndb.Table) (*columndb.Table, error) {
	t, err := store.GetTable(def.Tenant, def.Name)
	if errors.Is(err, columndb.ErrNotFound) {
		t, err = store.CreateTable(def)
		if errors.Is(err, columndb.ErrExists) {
			t, err = store.GetTable(def.Tenant, def.Name)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("customer: table %s: %w", def.Name, err)
	}
	if !slices.EqualFunc(t.Columns, def.Columns, func(a, b columndb.Column) bool { return a == b }) ||
		!slices.EqualFunc(t.Indexes, def.Indexes, func(a, b columndb.Index) bool {
			return a.Name == b.Name && a.Unique == b.Unique && slices.Equal(a.Columns, b.Columns)
		}) {
		if t, err = store.UpdateTable(def); err != nil {
			return nil, fmt.Errorf("customer: upgrade table %s: %w", def.Name, err)
		}
	}
	return t, nil
}

// rec reads and writes a row by column id.
type rec struct {
	t *columndb.Table
	r columndb.Row
}

func newRec(t *columndb.Table) rec { return rec{t: t, r: columndb.NewRow(len(t.Columns))} }

func (x rec) get(id string) string {
	i, ok := x.t.ColumnIndex(id)
	if !ok {
		return ""
	}
	v, _ := x.r.Get(i)
	return v
}

func (x rec) has(id string) bool {
	i, ok := x.t.ColumnIndex(id)
	if !ok {
		return false
	}
	_, set := x.r.Get(i)
	return set
}

func (x rec) int(id string) int64 { n, _ := strconv.ParseInt(x.get(id), 10, 64); return n }

func (x rec) set(id, v string) {
	if i, ok := x.t.ColumnIndex(id); ok {
		x.r.Set(i, v)
	}
}

func (x rec) setInt(id string, n int64) { x.set(id, strconv.FormatInt(n, 10)) }

func (x rec) unset(id string) {
	if i, ok := x.t.ColumnIndex(id); ok {
		x.r.Unset(i)
	}
}

// clone copies the row so a change can be prepared without touching the original.
func (x rec) clone() rec {
	c := newRec(x.t)
	for i := 0; i < x.r.Len(); i++ {
		if v, ok := x.r.Get(i); ok {
			c.r.Set(i, v)
		}
	}
	return c
}

// keyRow is a row carrying only the primary key, for deletes.
func keyRow(t *columndb.Table, pkID, pk string) columndb.Row {
	x := newRec(t)
	x.set(pkID, pk)
	return x.r
}

// NewID returns 32 uppercase hex characters from a random 128-bit value, the
// API's id format.
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("customer: crypto/rand failed: " + err.Error()) // the runtime guarantees it does not
	}
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

// ValidID reports whether s has the API's id shape; anything else cannot
// name a record and is answered as not found without a lookup.
func ValidID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'F' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// normID accepts ids in either case, as .NET integrations sometimes lower them.
func normID(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }
