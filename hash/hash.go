// Package hash signs and verifies merchant uploads the way the ActivePay
// Customer Database API does: the .NET HttpServerUtility.UrlTokenEncode of
// SHA-512 over cid + dbid + password + body. It is pure: no I/O, no state.
package hash

import (
	"bytes"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	stdhash "hash"
	"strconv"
)

// ErrToken reports a string that UrlTokenDecode cannot read.
var ErrToken = errors.New("hash: malformed url token")

// UrlTokenEncode matches .NET's HttpServerUtility.UrlTokenEncode: base64 with
// '-' and '_' for '+' and '/', padding removed and its count appended as a
// digit. Merchants' C# produces exactly this, so it is what we must accept.
func UrlTokenEncode(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	enc := base64.URLEncoding.EncodeToString(b)
	pad := 0
	for pad < len(enc) && enc[len(enc)-1-pad] == '=' {
		pad++
	}
	return enc[:len(enc)-pad] + strconv.Itoa(pad)
}

// UrlTokenDecode reverses UrlTokenEncode. It is strict: the padding digit must
// be 0, 1 or 2 and agree with the length, so one token has one meaning.
func UrlTokenDecode(s string) ([]byte, error) {
	if s == "" {
		return []byte{}, nil
	}
	pad := int(s[len(s)-1]) - '0'
	body := s[:len(s)-1]
	if pad < 0 || pad > 2 || len(body) == 0 || (len(body)+pad)%4 != 0 {
		return nil, ErrToken
	}
	// The decoder skips CR and LF; a token never holds them, so refuse them
	// here rather than accept two spellings of one signature.
	for i := 0; i < len(body); i++ {
		if !isTokenByte(body[i]) {
			return nil, ErrToken
		}
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(body)
	if err != nil {
		return nil, ErrToken
	}
	return b, nil
}

// Sum returns the raw SHA-512 digest that a signature encodes.
func Sum(cid, dbid int64, password string, body []byte) [sha512.Size]byte {
	h := signed(cid, dbid, password)
	h.Write(body)
	var out [sha512.Size]byte
	h.Sum(out[:0])
	return out
}

// signed starts the digest a signature covers: everything before the body.
func signed(cid, dbid int64, password string) stdhash.Hash {
	h := sha512.New()
	var num [20]byte
	h.Write(strconv.AppendInt(num[:0], cid, 10))
	h.Write(strconv.AppendInt(num[:0], dbid, 10))
	h.Write([]byte(password))
	return h
}

// Sign returns the token a merchant sends as the Hash parameter.
func Sign(cid, dbid int64, password string, body []byte) string {
	sum := Sum(cid, dbid, password, body)
	return UrlTokenEncode(sum[:])
}

// Verify reports whether token signs body, first as sent and then in its
// compact form: the ActivePay guide tells C# integrators to re-serialise the
// JSON before hashing, which strips the whitespace they then post. The
// comparison is constant time in the digest.
func Verify(cid, dbid int64, password string, body []byte, token string) bool {
	want, ok := digest(token)
	if !ok {
		return false
	}
	sum := Sum(cid, dbid, password, body)
	if subtle.ConstantTimeCompare(sum[:], want) == 1 {
		return true
	}
	compact, changed := Compact(body)
	if !changed {
		return false
	}
	sum = Sum(cid, dbid, password, compact)
	return subtle.ConstantTimeCompare(sum[:], want) == 1
}

// digest decodes the SHA-512 digest a signature carries.
func digest(token string) ([]byte, bool) {
	want, err := UrlTokenDecode(token)
	return want, err == nil && len(want) == sha512.Size
}

// Compact removes JSON whitespace outside string literals, keeping key order
// and every other byte, as Json.NET's SerializeObject(DeserializeObject(s))
// does for ordinary documents. It reports whether anything was removed, so
// callers can skip hashing the same bytes twice. It does not validate.
func Compact(body []byte) ([]byte, bool) {
	out := make([]byte, 0, len(body))
	var st compactor
	st.runs(body, bytes.IndexByte(body, '\\') < 0, func(run []byte) { out = append(out, run...) })
	return out, len(out) != len(body)
}

// compactor is Compact's position in a body: inside a string literal or
// not, and just after a backslash in one. It is kept apart from Compact so
// a body that arrives in pieces (Digest) is compacted the same way.
type compactor struct{ inString, escaped bool }

// keep reports whether c stays in the compact form, and moves past it.
func (st *compactor) keep(c byte) bool {
	if st.inString {
		switch {
		case st.escaped:
			st.escaped = false
		case c == '\\':
			st.escaped = true
		case c == '"':
			st.inString = false
		}
		return true
	}
	switch c {
	case ' ', '\t', '\n', '\r':
		return false
	case '"':
		st.inString = true
	}
	return true
}

// next moves past the bytes of p the compact form keeps and returns the
// index of the first it drops, or len(p). It answers as keep does byte by
// byte, but crosses a string literal's body with a vectorised search
// instead of a step a byte: the names and values that fill an upload are
// most of its bytes. plain says that p holds no backslash, so that only
// a quote can end a string (the caller looks once for a whole piece).
func (st *compactor) next(p []byte, plain bool) int {
	for i := 0; i < len(p); {
		if st.inString && !st.escaped {
			j := stringEnd(p[i:], plain)
			if j < 0 {
				return len(p)
			}
			i += j
		}
		if !st.keep(p[i]) {
			return i
		}
		i++
	}
	return len(p)
}

// runs hands kept, in order, each run of p's bytes that the compact form
// keeps between the bytes it drops; plain is as for next.
func (st *compactor) runs(p []byte, plain bool, kept func([]byte)) {
	for len(p) > 0 {
		i := st.next(p, plain)
		kept(p[:i])
		if i == len(p) {
			return
		}
		p = p[i+1:]
	}
}

// stringEnd is the index of the first quote or backslash in p, or -1.
func stringEnd(p []byte, plain bool) int {
	q := bytes.IndexByte(p, '"')
	if plain {
		return q
	}
	in := p
	if q >= 0 {
		in = p[:q]
	}
	if b := bytes.IndexByte(in, '\\'); b >= 0 {
		return b
	}
	return q
}

func isTokenByte(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// SignMode returns the Hash tonebase's file endpoint takes for a body
// posted in mode: the token of SHA-512 over cid + dbid + password + mode +
// body.
func SignMode(cid, dbid int64, password, mode string, body []byte) string {
	d := NewModeDigest(cid, dbid, password, mode)
	d.Write(body)
	return d.Token()
}

// Fingerprint names a signature without keeping it: the record of used
// signatures stores this, so the store never holds a credential.
func Fingerprint(scheme string, sig []byte) string {
	h := sha512.New512_256()
	h.Write([]byte(scheme))
	h.Write([]byte{0})
	h.Write(sig)
	return hex.EncodeToString(h.Sum(nil)[:16])
}
