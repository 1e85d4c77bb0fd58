package ivr

// Format writes lookup answers in one wire format: JSON, Asterisk's
// key=value, and whatever a telephony platform parses natively (TwiML,
// VoiceXML, FastAGI variables, Amazon Connect's flat JSON). A format is
// one writer for every answer, found or not, and knows nothing of HTTP:
// the handler chooses one by name (format=), sets the status and headers
// and sends what it appended. A format in a package of its own is added
// by naming it to NewHandlers; the lookup service does not change.
//
// Formats are called once per answer, on the lookup's hot path: append to
// b, do not keep it, and make what every answer of a table shares once,
// through Record.Prepared.
type Format interface {
	// ContentType is the media type of what the format writes.
	ContentType() string
	// AppendResult appends a lookup's answer, whatever its status.
	AppendResult(b []byte, r Result) []byte
	// AppendError appends the answer to a lookup that could not be made
	// (unknown client or database, bad credentials, a server fault); msg
	// says why, in words for the platform's logs.
	AppendError(b []byte, msg string) []byte
}

// NamedFormat is a format and the name a lookup asks for it by (format=).
type NamedFormat struct {
	Name   string
	Format Format
}

// builtinFormats are the formats every lookup endpoint answers in, the
// first being what a lookup without format= gets.
func builtinFormats() []NamedFormat {
	return []NamedFormat{{Name: "json", Format: JSONFormat{}}, {Name: "kv", Format: KVFormat{}}}
}
