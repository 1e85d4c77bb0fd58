// Package customer is the merchant's customer domain on tonebase's store:
// customers, their stored cards and bank accounts (sealed by the vault), and
// the recurring and installment plans that charge them. It speaks Go types
// only; each wire (customer/hipfinity, customer/onepay) reads its requests
// into the typed inputs here and writes its answers from the typed values.
//
// Every payment method has two names: its id, and a token (tokens.go), 16
// digits ending in the number's last four, for wires that name methods by
// token. Save (save.go) writes a customer named by its number and a method
// of it in one transaction, for wires whose one request does both.
//
// Customers, payment methods, plans and idempotency records are columndb
// tables whose columns customer/internal/schema defines, one set per client
// (tenant), read and written through one codec per table; no call can reach
// another client's tables. Each write is prepared under the tenant's lock,
// committed in one transaction with its idempotency record, and synced
// before it is acknowledged, so nothing is half-written.
//
// Problems with a request are Problem values keyed by domain field names
// ("billing.first_name"), with a code and a reason; wires map the names
// back to their own.
package customer
