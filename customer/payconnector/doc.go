// Package payconnector is tonebase as a Twilio Generic Pay Connector, so
// that a caller's card or bank account keyed into Twilio's <Pay> is kept
// on file in tonebase's vault (package customer) for their recurring plan,
// without an agent hearing it or tonebase's merchant handling it.
//
// POST /pay/v1/{cid}/twilio-connector is the connector's endpoint URL in
// the Twilio console, signed in to with HTTP Basic and the username and
// password set for the client. A tokenize request stores the card or
// account under the customer whose customer number is parameters.ref1
// (added if missing) and answers its token; a charge is refused with
// error_code "unsupported": tonebase keeps cards, it does not charge them.
// Twilio retries a request up to five times with the same transaction_id,
// and each retry answers the token the first one earned.
//
// The card number never leaves this package but through the vault, and the
// CVV is read only to be dropped: neither is stored, logged or answered.
package payconnector
