// Package callflow is the caller's side of a payment-line call, defined
// once for every platform that runs it (Twilio, VoiceXML, FastAGI): for
// each ref column in order, a prompt naming the column and its length;
// the keyed digits checked by the lookup service's own keypad rules, with
// the reason said and the question asked again, at most three tries a
// ref; then the lookup, and the sentences its outcome is told with. Every
// caller-facing sentence comes from one table per language (sentences.go).
//
// A platform turns each Turn into its own wire (TwiML, a VoiceXML
// document, AGI commands) and carries the State between turns as it can.
// The flow holds no copy of the DTMF rules, the lockout or the amounts:
// it asks the ivr service.
//
// A platform that takes card payments continues a found caller's call
// (pay.go): Offer asks them to pay the balance or key another amount
// between the minimum and the maximum, a Pay turn hands the amount to the
// platform's own payment capture, and Paid says what was taken and the
// balance now; OfferCard and Saved do the same for keeping a card on file.
package callflow
