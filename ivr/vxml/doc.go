// Package vxml serves the call flow as VoiceXML 2.1 documents, for the
// platforms that run VoiceXML. GET /vxml/v1/{cid}/{dbid}/start is a form
// with a field per ref (a DTMF digits grammar of the column's lengths),
// its prompts, and noinput and nomatch re-prompts, three tries a ref; it
// posts the digits to /vxml/v1/{cid}/{dbid}/lookup, whose document reads
// the outcome and hands status and the amounts back with <return
// namelist>, so a merchant's application calls tonebase as a <subdialog>.
// Every document carries the VoiceXML 2.1 DOCTYPE and validates against
// the W3C DTD. Auth is HTTP Basic with the client's API key and secret,
// as for a lookup.
package vxml
