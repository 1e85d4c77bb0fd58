// Package schema defines the columndb tables the customer domain keeps, one
// set per tenant: their names, indexes and column ids. Column ids are
// storage names, frozen because every stored row is keyed by them; they were
// taken from the first wire the service spoke and must not follow any wire
// that comes later. Only the codecs of package customer read them.
package schema

import "github.com/tonebase/tonebase/columndb"

// Table names, one set per tenant.
const (
	Customers   = "customer/customers"
	Payments    = "customer/payments"
	Plans       = "customer/plans"
	Idempotency = "customer/idempotency"
	Counters    = "customer/counters"
)

// Index names.
const (
	IdxNumber      = "number"
	IdxSeq         = "seq"
	IdxCustomer    = "customer"
	IdxFingerprint = "fingerprint"
	IdxPrimary     = "primary"
	IdxToken       = "token"
	IdxPayment     = "payment"
)

// Customer columns.
const (
	CustID           = "Id"
	CustNumber       = "CustomerNumber"
	CustSeq          = "Seq"
	CustCreated      = "DateTime"
	CustAccountType  = "AccountType"
	CustNotes        = "Notes"
	CustEmailReceipt = "EmailReceipt"
	// CustDeleted is when a customer was deleted; CustDeletedNumber keeps
	// its number, which leaves the unique index so it can be used again.
	CustDeleted       = "Deleted"
	CustDeletedNumber = "DeletedNumber"
)

// AddressColumns are the column ids of one side (billing or shipping) of a
// customer's addresses.
type AddressColumns struct {
	FirstName, LastName, Company, Line1, Line2, City, State, Zip, Country, Phone, Fax, Email string
}

// List is the columns in stored order.
func (a AddressColumns) List() []string {
	return []string{a.FirstName, a.LastName, a.Company, a.Line1, a.City, a.State, a.Zip, a.Country, a.Phone, a.Fax, a.Email, a.Line2}
}

func addressColumns(side string) AddressColumns {
	return AddressColumns{FirstName: side + "FirstName", LastName: side + "LastName", Company: side + "CompanyName",
		Line1: side + "Address", Line2: side + "Line2", City: side + "City", State: side + "State", Zip: side + "ZipCode",
		Country: side + "Country", Phone: side + "Phone", Fax: side + "Fax", Email: side + "Email"}
}

// Billing and Shipping are the two address sides' columns.
func Billing() AddressColumns  { return addressColumns("Billing") }
func Shipping() AddressColumns { return addressColumns("Shipping") }

// Payment method columns.
const (
	PayID          = "Id"
	PayCustomer    = "CustomerId"
	PayKind        = "PaymentType"
	PayPrimaryOf   = "PrimaryOf"
	PaySecret      = "Secret"
	PayFingerprint = "Fingerprint"
	PayMasked      = "Masked"
	PayExpiry      = "ExpDate"
	PayHolder      = "FullName"
	PayAddress     = "Address"
	PayZip         = "ZipCode"
	PayDescription = "Description"
	PayRouting     = "RoutingNumber"
	PayAccountKind = "AccountType"
	PayBankNumber  = "BankNumber"
	PayCreated     = "Created"
	PayToken       = "Token"
	PayBankName    = "BankName"
	PayEntryClass  = "EntryClass"
)

// Plan columns.
const (
	PlanID         = "RecurringID"
	PlanCustomer   = "CustomerId"
	PlanMethod     = "PaymentInfo_Id"
	PlanMethodKind = "PaymentType"
	PlanKind       = "PlanType"
	PlanFrequency  = "Frequency"
	PlanStart      = "EffectiveDate"
	PlanCount      = "NumberOfPayments"
	PlanUnlimited  = "Unlimited"
	PlanRecurring  = "RecurringAmount"
	PlanTotal      = "TotalAmount"
	PlanFee        = "SwipeFeeAmount"
	PlanFeeLabel   = "SwipeFeeLabel"
	PlanInvoice    = "InvoiceNumber"
	PlanReference  = "Identification"
	PlanAmount     = "Amount"
	PlanCancelled  = "Cancelled"
	PlanPauses     = "Pauses"
	PlanCreated    = "DateCreated"
	// Added after the first release, so optional.
	PlanNotifyURL   = "NotificationUrl"
	PlanEnd         = "EndDate"
	PlanCancelledAt = "CancelledAt"
)

// Idempotency record columns.
const (
	IdemKey     = "Key"
	IdemHash    = "Hash"
	IdemResult  = "Text"
	IdemCreated = "Created"
)

// Counter columns, and the counters kept.
const (
	CounterName  = "Name"
	CounterValue = "Value"
	// NextSeq is the Seq the next new customer gets.
	NextSeq = "next_seq"
)

func col(id string, typ columndb.Type, required bool) columndb.Column {
	return columndb.Column{ID: id, Name: id, Type: typ, Required: required}
}

func text(id string) columndb.Column    { return col(id, columndb.TypeText, false) }
func integer(id string) columndb.Column { return col(id, columndb.TypeInteger, false) }

func pkCol(id string) columndb.Column {
	c := col(id, columndb.TypeText, true)
	c.PrimaryKey = true
	return c
}

// CustomerTable is the customers table. Columns added after the first
// release (Seq, the second address lines) come last and are optional, so
// stored rows without them stay valid.
func CustomerTable(cid int64) columndb.Table {
	// The number is optional: some wires make customers without one.
	cols := []columndb.Column{pkCol(CustID), text(CustNumber)}
	b, s := Billing().List(), Shipping().List()
	for _, id := range append(b[:len(b)-1:len(b)-1], s[:len(s)-1]...) {
		cols = append(cols, text(id))
	}
	cols = append(cols, col(CustCreated, columndb.TypeInteger, true), integer(CustAccountType),
		integer(CustSeq), text(Billing().Line2), text(Shipping().Line2), text(CustNotes), integer(CustEmailReceipt),
		integer(CustDeleted), text(CustDeletedNumber))
	return columndb.Table{Tenant: cid, Name: Customers, Description: "customers (customer API)", Columns: cols,
		Indexes: []columndb.Index{
			{Name: IdxNumber, Columns: []string{CustNumber}, Unique: true},
			{Name: IdxSeq, Columns: []string{CustSeq}, Unique: true},
		}}
}

// PaymentTable is the payment methods table.
func PaymentTable(cid int64) columndb.Table {
	cols := []columndb.Column{pkCol(PayID), col(PayCustomer, columndb.TypeText, true),
		col(PayKind, columndb.TypeInteger, true),
		// PrimaryOf is set only on the primary method ("customer/kind"); a
		// unique index over it makes two primaries impossible.
		text(PayPrimaryOf),
		col(PaySecret, columndb.TypeText, true), col(PayFingerprint, columndb.TypeText, true),
		col(PayMasked, columndb.TypeText, true), text(PayExpiry), text(PayHolder), text(PayAddress),
		text(PayZip), text(PayDescription), text(PayRouting), integer(PayAccountKind),
		text(PayBankNumber), col(PayCreated, columndb.TypeInteger, true), text(PayToken),
		text(PayBankName), text(PayEntryClass)}
	return columndb.Table{Tenant: cid, Name: Payments, Description: "payment methods (customer API)", Columns: cols,
		Indexes: []columndb.Index{
			{Name: IdxCustomer, Columns: []string{PayCustomer, PayKind}},
			{Name: IdxFingerprint, Columns: []string{PayCustomer, PayFingerprint}, Unique: true},
			{Name: IdxPrimary, Columns: []string{PayPrimaryOf}, Unique: true},
			{Name: IdxToken, Columns: []string{PayToken}, Unique: true},
		}}
}

// PlanTable is the recurring and installment plans table.
func PlanTable(cid int64) columndb.Table {
	req := func(id string, typ columndb.Type) columndb.Column { return col(id, typ, true) }
	cols := []columndb.Column{pkCol(PlanID), req(PlanCustomer, columndb.TypeText),
		req(PlanMethod, columndb.TypeText), req(PlanMethodKind, columndb.TypeInteger),
		req(PlanKind, columndb.TypeInteger), req(PlanFrequency, columndb.TypeInteger),
		req(PlanStart, columndb.TypeText), req(PlanCount, columndb.TypeInteger),
		req(PlanUnlimited, columndb.TypeInteger), integer(PlanRecurring),
		integer(PlanTotal), req(PlanFee, columndb.TypeInteger),
		text(PlanFeeLabel), text(PlanInvoice), text(PlanReference), req(PlanAmount, columndb.TypeInteger),
		req(PlanCancelled, columndb.TypeInteger), text(PlanPauses), req(PlanCreated, columndb.TypeInteger),
		text(PlanNotifyURL), text(PlanEnd), integer(PlanCancelledAt)}
	return columndb.Table{Tenant: cid, Name: Plans, Description: "recurring and installment plans (customer API)", Columns: cols,
		Indexes: []columndb.Index{
			{Name: IdxCustomer, Columns: []string{PlanCustomer}},
			{Name: IdxPayment, Columns: []string{PlanMethod}},
		}}
}

// IdempotencyTable keeps the results of writes sent with an idempotency key.
func IdempotencyTable(cid int64) columndb.Table {
	cols := []columndb.Column{pkCol(IdemKey), col(IdemHash, columndb.TypeText, true),
		col(IdemResult, columndb.TypeText, true), col(IdemCreated, columndb.TypeInteger, true)}
	return columndb.Table{Tenant: cid, Name: Idempotency, Description: "Idempotency-Key replies (customer API)", Columns: cols}
}

// CounterTable keeps counters written in the same commit as what they
// count, so a node of a cluster reads where they stand without scanning
// the rows another node added.
func CounterTable(cid int64) columndb.Table {
	cols := []columndb.Column{pkCol(CounterName), col(CounterValue, columndb.TypeInteger, true)}
	return columndb.Table{Tenant: cid, Name: Counters, Description: "counters (customer API)", Columns: cols}
}
