package hash

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	stdhash "hash"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The headers of the request-bound scheme. Beside ActivePay's Hash, which
// signs only the body and so says nothing of the method, endpoint or mode it
// was meant for, this scheme signs the whole request and when it was made.
const (
	TimestampHeader = "X-Tonebase-Timestamp"
	SignatureHeader = "X-Tonebase-Signature"
)

// MaxSkew is how far a request's timestamp may be from the server's clock:
// wide enough for clocks that drift, narrow enough that the record of used
// signatures need not be consulted for long.
const MaxSkew = 5 * time.Minute

// Param is one query parameter, decoded.
type Param struct{ Name, Value string }

// CanonicalQuery is the QUERY line of the string to sign: every parameter
// but Hash (in any letter case, as the upload reads it), sorted by name and
// then value, each name and value percent-encoded as RFC 3986 says (only
// unreserved characters are left as they are, and hex digits are upper
// case), joined by '&'. Both sides compute it from decoded values, so
// however a client spelled its query the line is the same.
func CanonicalQuery(params []Param) string {
	kept := make([]Param, 0, len(params))
	for _, p := range params {
		if !strings.EqualFold(p.Name, "hash") {
			kept = append(kept, p)
		}
	}
	sort.Slice(kept, func(i, j int) bool {
		if kept[i].Name != kept[j].Name {
			return kept[i].Name < kept[j].Name
		}
		return kept[i].Value < kept[j].Value
	})
	var b strings.Builder
	for i, p := range kept {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(Escape(p.Name))
		b.WriteByte('=')
		b.WriteString(Escape(p.Value))
	}
	return b.String()
}

// Escape percent-encodes s as RFC 3986 section 2 says: every byte but the
// unreserved characters ALPHA / DIGIT / "-" / "." / "_" / "~".
func Escape(s string) string {
	const hexUpper = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexUpper[c>>4])
		b.WriteByte(hexUpper[c&15])
	}
	return b.String()
}

// Request is what the request-bound scheme signs besides the body.
type Request struct {
	Method, Path, Query string // Query as CanonicalQuery gives it
	Timestamp           string // Unix seconds, as sent
}

// StringToSign is METHOD\nPATH\nQUERY\nTIMESTAMP\nhex(SHA-256(body)).
func StringToSign(r Request, bodySum [sha256.Size]byte) string {
	return r.Method + "\n" + r.Path + "\n" + r.Query + "\n" + r.Timestamp + "\n" + hex.EncodeToString(bodySum[:])
}

// SignRequest returns the X-Tonebase-Signature of a request with body:
// lower-case hex HMAC-SHA256 keyed with the upload password.
func SignRequest(password string, r Request, body []byte) string {
	return signString(password, StringToSign(r, sha256.Sum256(body)))
}

func signString(password, s string) string {
	m := hmac.New(sha256.New, []byte(password))
	m.Write([]byte(s))
	return hex.EncodeToString(m.Sum(nil))
}

// ParseTimestamp reads a timestamp header and reports whether it lies
// within MaxSkew of now. Only plain decimal seconds are accepted, so one
// instant has one spelling.
func ParseTimestamp(s string, now time.Time) (time.Time, bool) {
	if s == "" || len(s) > 12 || (len(s) > 1 && s[0] == '0') {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, false
	}
	at := time.Unix(n, 0)
	d := now.Sub(at)
	return at, d <= MaxSkew && d >= -MaxSkew
}

// ParseSignature decodes a signature header: 64 lower-case hex digits.
func ParseSignature(s string) ([]byte, bool) {
	if len(s) != 2*sha256.Size {
		return nil, false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return nil, false
		}
	}
	b, err := hex.DecodeString(s)
	return b, err == nil
}

// RequestDigest checks a request-bound signature over a body that arrives
// in pieces. Write never fails.
type RequestDigest struct {
	password string
	req      Request
	body     stdhash.Hash
}

// NewRequestDigest starts checking the signature of r's body.
func NewRequestDigest(password string, r Request) *RequestDigest {
	return &RequestDigest{password: password, req: r, body: sha256.New()}
}

// Write adds the next piece of the body.
func (d *RequestDigest) Write(p []byte) (int, error) { return d.body.Write(p) }

// Signature is what SignRequest returns for the body written so far.
func (d *RequestDigest) Signature() string {
	var sum [sha256.Size]byte
	d.body.Sum(sum[:0])
	return signString(d.password, StringToSign(d.req, sum))
}

// Verify reports, in constant time, whether sig signs the request and the
// body written so far.
func (d *RequestDigest) Verify(sig string) bool {
	want, ok := ParseSignature(sig)
	if !ok {
		return false
	}
	got, _ := hex.DecodeString(d.Signature())
	return subtle.ConstantTimeCompare(got, want) == 1
}
