// Package customer is the merchant's customer API on tonebase's store:
// customers, their stored cards and bank accounts (sealed by the vault), and
// the recurring and installment plans that charge them, on the wire of the
// Hipfinity Customers API so existing integrations work unchanged.
//
// Customers, payment methods, plans and idempotency records are columndb
// tables whose columns this package defines, one set per client (tenant);
// no call can reach another client's tables. Each write is prepared under
// the tenant's lock, committed in one transaction with its idempotency
// record, and synced before it is acknowledged, so nothing is half-written.
// The HTTP handlers are thin and live in the handlers*.go files.
package customer
