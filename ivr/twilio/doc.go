// Package twilio runs the caller's side of a payment-line call on Twilio
// Programmable Voice. POST /twilio/v1/{cid}/{dbid}/voice is the number's
// voice webhook: each request, signed by Twilio with the client's auth
// token (X-Twilio-Signature), answers TwiML for one turn of the call flow
// (package callflow): a <Gather> of DTMF digits with its <Say> sentences,
// posting back to the same webhook, and at the end a <Hangup/> or a
// <Redirect> to the merchant's own payment step with the outcome.
//
// A database whose settings name a pay connector goes on after a found
// caller's lookup: the caller chooses to pay the balance or another amount,
// Twilio's <Pay> takes the card through that connector, and its action
// request posts the payment (through Payments, the interface this package
// declares for the payments ledger) with the processor's confirmation code as the
// idempotency key. One naming a card connector offers to keep a card on
// file through tonebase's own Generic Pay Connector (customer/payconnector).
//
// The refs keyed so far travel between turns in an opaque state parameter,
// sealed (AES-256-GCM) to the client, the database and the call, expiring
// after 15 minutes: Twilio logs the URLs it fetches, and callers' digits
// must not be in them.
package twilio
