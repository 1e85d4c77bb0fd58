package hash

import (
	"bytes"
	"crypto/subtle"
	stdhash "hash"
)

// Digest signs or checks a body that arrives in pieces, such as an upload
// written to disk as it is received, so the body never has to sit in
// memory. Its answers are those of Sign and Verify over the whole body.
// Both digests Verify may compare, of the body as sent and of its compact
// form, are kept as it streams (the second from the first byte the
// compact form drops), since which one the merchant signed is known only
// at the end. Write never fails.
type Digest struct {
	sent stdhash.Hash
	// compact is the digest of the compact form, forked from sent at the
	// first byte the compact form drops: until then the two are the same
	// bytes, and most merchants send compact JSON, which is then hashed
	// once instead of twice.
	compact stdhash.Hash
	st      compactor
	changed bool // the compact form differs from the body as sent
	exact   bool // only the body as sent is signed (NewModeDigest)
}

// NewDigest starts the signature of a body for client cid's database dbid.
func NewDigest(cid, dbid int64, password string) *Digest {
	return &Digest{sent: signed(cid, dbid, password)}
}

// Write adds the next piece of the body.
func (d *Digest) Write(p []byte) (int, error) {
	n := len(p)
	if d.exact {
		d.sent.Write(p)
		return n, nil
	}
	plain := bytes.IndexByte(p, '\\') < 0
	if !d.changed {
		i := d.st.next(p, plain)
		if i == len(p) {
			d.sent.Write(p)
			return n, nil
		}
		d.sent.Write(p[:i])
		d.compact = fork(d.sent)
		d.changed = true
		d.sent.Write(p[i:])
		p = p[i+1:]
	} else {
		d.sent.Write(p)
	}
	d.st.runs(p, plain, func(run []byte) { d.compact.Write(run) })
	return n, nil
}

// fork copies a digest's state. Every hash of the standard library is a
// hash.Cloner, SHA-512 included, and cloning it cannot fail.
func fork(h stdhash.Hash) stdhash.Hash {
	c, err := h.(stdhash.Cloner).Clone()
	if err != nil {
		panic("hash: cloning SHA-512: " + err.Error())
	}
	return c
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
	return &Digest{sent: h, exact: true}
}
