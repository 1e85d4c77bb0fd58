// Package twilio runs the caller's side of a payment-line call on Twilio
// Programmable Voice. POST /twilio/v1/{cid}/{dbid}/voice is the number's
// voice webhook: each request, signed by Twilio with the client's auth
// token (X-Twilio-Signature), answers TwiML for one turn of the call flow
// (package callflow): a <Gather> of DTMF digits with its <Say> sentences,
// posting back to the same webhook, and at the end a <Hangup/> or a
// <Redirect> to the merchant's own payment step with the outcome.
//
// The refs keyed so far travel between turns in an opaque state parameter,
// sealed (AES-256-GCM) to the client, the database and the call, expiring
// after 15 minutes: Twilio logs the URLs it fetches, and callers' digits
// must not be in them.
package twilio
