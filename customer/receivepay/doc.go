// Package receivepay is the customer domain on the wire of ReceivePay's XML
// API (an OpenGateway rebrand), so integrations written against it work
// unchanged: one endpoint taking an XML <request> whatever its
// Content-Type, credentials inside the body, a <type> naming the method,
// numbered response and error codes in OpenGateway's own words, and
// answers in XML or, on request, the same tree as JSON.
//
// Requests are read into the typed inputs of package customer: NewCustomer
// and its kin are customers of the domain (internal_id is the domain's
// customer number, customer_id its per-client Seq), and Recur makes a
// recurring card plan, with its customer and stored card as needed, in one
// transaction. Where OpenGateway was wrong (answering success for unknown
// ids, counting every customer whatever the filters, leaving orphan
// customers behind a refused charge) this wire answers as the README says.
package receivepay
