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
package callflow
