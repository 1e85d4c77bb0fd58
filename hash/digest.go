package hash

import (
	"crypto/subtle"
	stdhash "hash"
)

// Digest signs or checks a body that arrives in pieces, such as an upload
// written to disk as it is received, so the body never has to sit in
// memory. Its answers are those of Sign and Verify over the whole body.
// Both digests Verify may compare, of the body as sent and of its compact
// form, are kept as it streams, since which one the merchant signed is
// known only at the end. Write never fails.
type Digest struct {
	sent, compact stdhash.Hash
	st            compactor
	changed       bool // the compact form differs from the body as sent
	exact         bool // only the body as sent is signed (NewModeDigest)
}

// NewDigest starts the signature of a body for client cid's database dbid.
func NewDigest(cid, dbid int64, password string) *Digest {
	return &Digest{sent: signed(cid, dbid, password), compact: signed(cid, dbid, password)}
}

// Write adds the next piece of the body.
func (d *Digest) Write(p []byte) (int, error) {
	d.sent.Write(p)
	if d.exact {
		return len(p), nil
	}
	// Whitespace outside strings is dropped by writing the runs between it.
	start := 0
	for i, c := range p {
		if !d.st.keep(c) {
			d.compact.Write(p[start:i])
			start, d.changed = i+1, true
		}
	}
	d.compact.Write(p[start:])
	return len(p), nil
}

// Token is what Sign returns for the body written so far.
func (d *Digest) Token() string {
	return UrlTokenEncode(d.sent.Sum(nil))
}

// Verify answers as Verify does for the body written so far: token signs
// it as sent or in its compact form, compared in constant time.
func (d *Digest) Verify(token string) bool {
	want, ok := digest(token)
	if !ok {
		return false
	}
	if subtle.ConstantTimeCompare(d.sent.Sum(nil), want) == 1 {
		return true
	}
	return !d.exact && d.changed && subtle.ConstantTimeCompare(d.compact.Sum(nil), want) == 1
}

// NewModeDigest starts the signature tonebase's own file endpoint takes:
// SHA-512 over cid + dbid + password + mode + body, so that a file signed
// for one mode cannot be posted with another. It checks the body exactly as
// sent: a CSV file has no compact form a merchant's code would sign.
func NewModeDigest(cid, dbid int64, password, mode string) *Digest {
	h := signed(cid, dbid, password)
	h.Write([]byte(mode))
	return &Digest{sent: h, compact: nil, exact: true}
}
