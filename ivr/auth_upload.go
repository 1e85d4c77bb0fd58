package ivr

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/hash"
)

// The signature schemes an upload may use.
const (
	SchemeActivePay = "activepay" // Hash: SHA-512 over cid + dbid + password [+ mode] + body
	SchemeHMAC      = "hmac"      // X-Tonebase-Signature over the whole request
)

// The endpoints signed uploads arrive at, as a repeat is told.
const (
	EndpointDatabase = "/cppdb/api/database"
	EndpointFile     = "/cppdb/api/file"
)

// Errors of the signature check, beside ErrInvalidHash.
var (
	ErrInvalidSignature = errors.New("Invalid signature") //lint:ignore ST1005 worded as ActivePay's "Invalid hash" beside it
	ErrStaleTimestamp   = fmt.Errorf("%s must be Unix seconds within %v of the server's clock", hash.TimestampHeader, hash.MaxSkew)
	// ErrMissingHash is a request with no signature at all: told apart
	// from a wrong one, which says the password or the body is at fault.
	ErrMissingHash  = fmt.Errorf("Missing hash: send the body's signature as the Hash query parameter, or sign the request with %s and %s", hash.TimestampHeader, hash.SignatureHeader) //lint:ignore ST1005 worded as ActivePay's "Invalid hash" beside it
	ErrHMACRequired = fmt.Errorf("this client must sign uploads with %s and %s; a Hash alone is refused", hash.TimestampHeader, hash.SignatureHeader)
)

// WrongEndpoint refuses a body of the other endpoint's format: a JSON
// upload posted as a CSV file would otherwise be read as lines that are all
// refused, and in replace mode delete every row.
type WrongEndpoint struct {
	Takes, Body string // the endpoint's format and the body's
	Endpoint    string // where the body's format goes
}

func (e *WrongEndpoint) Error() string {
	return fmt.Sprintf("this endpoint takes %s, and the body is %s: post %s bodies to %s", e.Takes, e.Body, e.Body, e.Endpoint)
}

// RequestAuth is what a request carries beside cid, dbid and Hash that a
// signature may cover. The zero value is an ActivePay upload to the JSON
// endpoint, as the demo seed sends.
type RequestAuth struct {
	Method, Path string
	Params       []hash.Param // the query, decoded
	Timestamp    string       // X-Tonebase-Timestamp
	Signature    string       // X-Tonebase-Signature
}

// hmacPolicy is the optional part of Clients that says which clients must
// use the request-bound scheme. tenant.Registry has it.
type hmacPolicy interface {
	RequiresHMAC(cid int64) bool
}

// signedRequest reads what signedFrom reads, and what the request-bound
// scheme signs. Everything is copied: nothing of ctx outlives the handler.
func signedRequest(ctx *fasthttp.RequestCtx) (Signed, bool) {
	u, ok := signedFrom(ctx)
	u.Auth = RequestAuth{
		Method:    string(ctx.Method()),
		Path:      string(ctx.Path()),
		Timestamp: string(ctx.Request.Header.Peek(hash.TimestampHeader)),
		Signature: string(ctx.Request.Header.Peek(hash.SignatureHeader)),
	}
	for k, v := range ctx.QueryArgs().All() {
		u.Auth.Params = append(u.Auth.Params, hash.Param{Name: string(k), Value: string(v)})
	}
	return u, ok
}

// proof checks one upload's signature while its body is written to it.
// It is made before the body is read, so a malformed or stale signature,
// or a scheme the client may not use, costs no body.
type proof struct {
	s        *Service
	t        *columndb.Table
	use      Use
	w        io.Writer // the digest the body goes through
	verify   func() bool
	fail     error  // what a signature that does not hold answers
	print    string // the signature's fingerprint, for the record of used ones
	head     []byte // the body's first bytes, to tell JSON from CSV
	endpoint string
}

// headLen is how much of a body is kept to tell JSON from CSV.
const headLen = 512

// prove starts checking u's signature for an upload into t at endpoint in
// mode (upsert, delete or replace), with the client's upload password.
func (s *Service) prove(t *columndb.Table, u Signed, password, method, endpoint, mode string) (*proof, error) {
	p := &proof{s: s, t: t, endpoint: endpoint, use: Use{Method: method, Endpoint: endpoint, Mode: mode}}
	a := u.Auth
	if a.Signature != "" || a.Timestamp != "" {
		if _, ok := hash.ParseTimestamp(a.Timestamp, s.used.now()); !ok {
			return nil, ErrStaleTimestamp
		}
		sig, ok := hash.ParseSignature(a.Signature)
		if !ok {
			return nil, ErrInvalidSignature
		}
		d := hash.NewRequestDigest(password, hash.Request{Method: a.Method, Path: a.Path,
			Query: hash.CanonicalQuery(a.Params), Timestamp: a.Timestamp})
		p.use.Scheme, p.w, p.fail = SchemeHMAC, d, ErrInvalidSignature
		p.verify = func() bool { return d.Verify(a.Signature) }
		p.print = hash.Fingerprint(SchemeHMAC, sig)
		return p, nil
	}
	if pol, ok := s.clients.(hmacPolicy); ok && pol.RequiresHMAC(u.CID) {
		return nil, ErrHMACRequired
	}
	if u.Hash == "" {
		return nil, ErrMissingHash
	}
	sum, ok := hashSum(u.Hash)
	if !ok {
		return nil, ErrInvalidHash
	}
	var d *hash.Digest
	if endpoint == EndpointFile {
		d = hash.NewModeDigest(u.CID, u.DBID, password, mode)
	} else {
		d = hash.NewDigest(u.CID, u.DBID, password)
	}
	p.use.Scheme, p.w, p.fail = SchemeActivePay, d, ErrInvalidHash
	p.verify = func() bool { return d.Verify(u.Hash) }
	p.print = hash.Fingerprint(SchemeActivePay, sum)
	return p, nil
}

// Write passes the next piece of the body to the digest.
func (p *proof) Write(b []byte) (int, error) {
	if n := min(headLen-len(p.head), len(b)); n > 0 {
		p.head = append(p.head, b[:n]...)
	}
	return p.w.Write(b)
}

// admit ends the check once the whole body is written: a body of the other
// endpoint's format, then a signature that does not hold, are refused, and
// an accepted signature is claimed. The caller calls the claim's applied
// once the upload is on disk and release in any case.
func (p *proof) admit() (*claim, error) {
	if err := p.wrongFormat(); err != nil {
		return nil, err
	}
	if !p.verify() {
		// A Hash already used answers as used whatever it is now sent
		// with: the mode it is re-posted in is not what it signed.
		if first, ok := p.s.used.applied(p.t, p.print); ok {
			return nil, &AlreadyApplied{First: first}
		}
		return nil, p.fail
	}
	return p.s.used.claim(p.t, p.print, p.use)
}

// admitBody checks a body held whole: prove, write, admit.
func (s *Service) admitBody(t *columndb.Table, u Signed, password, method, mode string, body []byte) (*claim, error) {
	p, err := s.prove(t, u, password, method, EndpointDatabase, mode)
	if err != nil {
		return nil, err
	}
	_, _ = p.Write(body)
	return p.admit()
}

func (p *proof) wrongFormat() error {
	json := looksJSON(p.head)
	switch {
	case p.endpoint == EndpointFile && json:
		return &WrongEndpoint{Takes: "CSV", Body: "JSON", Endpoint: EndpointDatabase}
	case p.endpoint == EndpointDatabase && !json && looksCSV(p.head):
		return &WrongEndpoint{Takes: "JSON", Body: "CSV", Endpoint: EndpointFile}
	}
	return nil
}

// looksJSON reports whether a body starts as an upload's JSON does. A
// debtor line never starts with a brace or a bracket.
func looksJSON(head []byte) bool {
	head = bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	return len(head) > 0 && (head[0] == '{' || head[0] == '[')
}

// looksCSV reports whether a body that is not JSON reads as debtor lines:
// a first line with a comma. Other junk keeps its 400 with the offset.
func looksCSV(head []byte) bool {
	head = bytes.TrimLeft(head, " \t\r\n")
	line, _, _ := bytes.Cut(head, []byte("\n"))
	return strings.Contains(string(line), ",")
}
