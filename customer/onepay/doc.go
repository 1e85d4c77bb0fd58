// Package onepay is the customer domain on the wire of OnePay's Customer
// API: one endpoint, POST /Customer, whose JSON body carries a customer,
// and maybe a card or a check, with action codes that say what to do with
// each; the key in the x-authorization header; and answers that always
// come back as one JSON object with a result code, a sub code and the
// stored customer, and, for a card or check, its token.
//
// Requests are read into customer.Save, which writes the customer and its
// payment method in one transaction; the domain's problems are named back
// in OnePay's fields ("customer.zip"), each with a sub code (subcodes.go).
// The address rules that depend on the country (zip and phone) are this
// wire's own, checked against the record as it would be stored.
package onepay
