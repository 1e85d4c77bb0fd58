// Package ivr is the caller-database service as telephony platforms and
// merchants see it: caller databases and their schemas, the DTMF rules a
// caller's digits must meet, lookups with lockout, the renderers IVR
// platforms parse (JSON and Asterisk-friendly key=value), and the hash-signed
// upload that fills the databases. Its fasthttp handlers are thin wrappers
// over plain functions.
package ivr
