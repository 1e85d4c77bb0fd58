// Package tenant keeps tonebase's clients: the merchants whose databases,
// rows and customers the store holds, with the credentials they integrate
// with. API secrets are kept only as hashes; upload passwords must stay
// recoverable because hash verification needs them, so they are sealed with
// AES-256-GCM under a key that never enters the store.
package tenant

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tonebase/tonebase/columndb"
)

// Errors callers map to responses.
var (
	ErrNotFound  = errors.New("tenant: no such client")
	ErrExists    = errors.New("tenant: client id already used")
	ErrInvalid   = errors.New("tenant: invalid client")
	ErrAuth      = errors.New("tenant: bad credentials")
	ErrSuspended = errors.New("tenant: client suspended")
)

// Status of a client.
const (
	StatusActive    = "active"
	StatusSuspended = "suspended"
)

// FirstCID is where client ids start, so they never look like small test numbers.
const FirstCID = 1000

// MaxCID keeps cids inside what merchants' C# (int) and the key layout hold.
const MaxCID = 1<<31 - 1

// Client is a merchant as stored. Secrets are never in it in clear.
type Client struct {
	CID            int64  `json:"cid"`
	Name           string `json:"name"`
	Status         string `json:"status"`
	APIKey         string `json:"api_key"`
	SecretHash     string `json:"secret_hash"`
	SealedPassword string `json:"sealed_upload_password"`
	// RequireHMAC refuses the client's uploads signed with ActivePay's
	// Hash alone, which covers neither the request nor its time, once every
	// system of the client signs with X-Tonebase-Signature.
	RequireHMAC bool `json:"require_hmac,omitempty"`
	// SealedTwilioToken is the client's Twilio auth token, which signs
	// the webhooks Twilio sends; sealed as the upload password is, since
	// checking a signature needs it in clear.
	SealedTwilioToken string `json:"sealed_twilio_token,omitempty"`
	// PayConnector is the username and sealed password Twilio's Generic
	// Pay Connector signs in to the client's connector endpoint with.
	PayConnector *PayConnector `json:"pay_connector,omitempty"`
	Created      time.Time     `json:"created"`
	Updated      time.Time     `json:"updated"`
}

// Credentials are what a merchant is shown once, at creation or rotation.
type Credentials struct {
	UploadPassword string `json:"upload_password,omitempty"`
	APISecret      string `json:"api_secret,omitempty"`
}

// Docs is the part of columndb the registry needs.
type Docs interface {
	PutDoc(collection, key string, v any, create bool) error
	GetDoc(collection, key string, v any) error
	EachDoc(collection string, fn func(key string, value []byte) error) error
	NextID(name string, start int64) (int64, error)
	ReserveID(name string, id int64) error
}

const (
	collClients = "client"
	collKeys    = "apikey"
)

// Registry creates, finds and authenticates clients. It caches clients in
// memory because every IVR request authenticates. Alone, this process is
// the only writer of its store, so the cache is always current; in a
// cluster, a client another node changed reaches it through Changed (and
// Reload reads them all again).
type Registry struct {
	docs Docs
	box  *Box

	mu    sync.RWMutex
	byCID map[int64]Client
	byKey map[string]int64
}

// New loads every client into memory.
func New(docs Docs, box *Box) (*Registry, error) {
	r := &Registry{docs: docs, box: box}
	if err := r.Reload(); err != nil {
		return nil, err
	}
	return r, nil
}

// Reload reads every client from the store again, for the changes other
// nodes made: a client created, a secret rotated, a client suspended.
func (r *Registry) Reload() error {
	byCID, byKey := map[int64]Client{}, map[string]int64{}
	err := r.docs.EachDoc(collClients, func(_ string, v []byte) error {
		var c Client
		if err := json.Unmarshal(v, &c); err != nil {
			return err
		}
		byCID[c.CID], byKey[c.APIKey] = c, c.CID
		return nil
	})
	if err != nil {
		return fmt.Errorf("tenant: load clients: %w", err)
	}
	r.mu.Lock()
	r.byCID, r.byKey = byCID, byKey
	r.mu.Unlock()
	return nil
}

// Create registers a client. cid 0 means "the next free one".
func (r *Registry) Create(name string, cid int64) (Client, Credentials, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return Client{}, Credentials{}, fmt.Errorf("%w: name must be 1 to 100 characters", ErrInvalid)
	}
	if cid < 0 || cid > MaxCID {
		return Client{}, Credentials{}, fmt.Errorf("%w: cid must be between 1 and %d", ErrInvalid, MaxCID)
	}
	var err error
	if cid == 0 {
		if cid, err = r.docs.NextID(collClients, FirstCID); err != nil {
			return Client{}, Credentials{}, fmt.Errorf("tenant: allocate cid: %w", err)
		}
	} else if err = r.docs.ReserveID(collClients, cid); err != nil {
		return Client{}, Credentials{}, fmt.Errorf("tenant: reserve cid: %w", err)
	}
	creds := Credentials{UploadPassword: randomToken(18), APISecret: randomToken(24)}
	now := time.Now().UTC().Truncate(time.Second)
	c := Client{CID: cid, Name: name, Status: StatusActive, APIKey: "tb_" + randomToken(12),
		SecretHash: hashSecret(creds.APISecret), Created: now, Updated: now}
	if c.SealedPassword, err = r.box.Seal([]byte(creds.UploadPassword)); err != nil {
		return Client{}, Credentials{}, err
	}
	if err := r.docs.PutDoc(collClients, cidKey(cid), c, true); err != nil {
		if errors.Is(err, columndb.ErrExists) {
			return Client{}, Credentials{}, fmt.Errorf("%w: %d", ErrExists, cid)
		}
		return Client{}, Credentials{}, fmt.Errorf("tenant: create: %w", err)
	}
	r.remember(c)
	return c, creds, nil
}

// Changed reads again the client stored under key (a document of the
// clients collection another node of a cluster wrote), or forgets it if
// it is gone.
func (r *Registry) Changed(key string) {
	var c Client
	if err := r.docs.GetDoc(collClients, key, &c); err != nil {
		cid, perr := strconv.ParseInt(key, 10, 64)
		if perr != nil {
			return
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if old, ok := r.byCID[cid]; ok && errors.Is(err, columndb.ErrNotFound) {
			delete(r.byKey, old.APIKey)
			delete(r.byCID, cid)
		}
		return
	}
	r.remember(c)
}

// ClientsCollection is the collection of the documents Changed reads.
const ClientsCollection = collClients

// cidKey pads so documents iterate in cid order.
func cidKey(cid int64) string { return fmt.Sprintf("%010d", cid) }

func (r *Registry) remember(c Client) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.byCID[c.CID]; ok {
		delete(r.byKey, old.APIKey)
	}
	r.byCID[c.CID], r.byKey[c.APIKey] = c, c.CID
}

// Get returns a client by cid.
func (r *Registry) Get(cid int64) (Client, error) {
	r.mu.RLock()
	c, ok := r.byCID[cid]
	r.mu.RUnlock()
	if !ok {
		return Client{}, fmt.Errorf("%w: %d", ErrNotFound, cid)
	}
	return c, nil
}

// List returns every client in cid order.
func (r *Registry) List() []Client {
	r.mu.RLock()
	out := make([]Client, 0, len(r.byCID))
	for _, c := range r.byCID {
		out = append(out, c)
	}
	r.mu.RUnlock()
	sortClients(out)
	return out
}

// Authenticate returns the cid whose API key and secret these are. The
// secret is compared by hash in constant time; an unknown key costs the same
// hash so timing says nothing about which keys exist.
//
// It takes bytes so that credentials read from a request need no copy: this
// runs on every IVR lookup, and hashes into stack buffers for the same
// reason.
func (r *Registry) Authenticate(apiKey, secret []byte) (int64, error) {
	r.mu.RLock()
	cid, ok := r.byKey[string(apiKey)]
	c := r.byCID[cid]
	hash, active := c.SecretHash, c.Status == StatusActive
	r.mu.RUnlock()
	sum := sha256.Sum256(secret)
	var got [2 * sha256.Size]byte
	hex.Encode(got[:], sum[:])
	if !ok || !sameText(got[:], hash) {
		return 0, ErrAuth
	}
	if !active {
		return 0, ErrSuspended
	}
	return cid, nil
}

// UploadPassword returns the client's upload password for hash
// verification; a suspended client has none.
func (r *Registry) UploadPassword(cid int64) (string, error) {
	c, err := r.Get(cid)
	if err != nil {
		return "", err
	}
	if c.Status != StatusActive {
		return "", ErrSuspended
	}
	p, err := r.box.Open(c.SealedPassword)
	if err != nil {
		return "", err
	}
	return string(p), nil
}

// ErrNoTwilio is a client without a Twilio auth token.
var ErrNoTwilio = errors.New("tenant: no Twilio auth token set")

// SetTwilioToken stores the client's Twilio auth token, sealed; an empty
// token removes it.
func (r *Registry) SetTwilioToken(cid int64, token string) (Client, error) {
	token = strings.TrimSpace(token)
	if len(token) > 256 || strings.ContainsAny(token, " \t\r\n") {
		return Client{}, fmt.Errorf("%w: auth_token must be at most 256 characters without spaces", ErrInvalid)
	}
	err := r.change(cid, func(c *Client) error {
		if token == "" {
			c.SealedTwilioToken = ""
			return nil
		}
		var err error
		c.SealedTwilioToken, err = r.box.Seal([]byte(token))
		return err
	})
	if err != nil {
		return Client{}, err
	}
	return r.Get(cid)
}

// TwilioToken returns an active client's Twilio auth token.
func (r *Registry) TwilioToken(cid int64) (string, error) {
	c, err := r.Get(cid)
	if err != nil {
		return "", err
	}
	if c.Status != StatusActive {
		return "", ErrSuspended
	}
	if c.SealedTwilioToken == "" {
		return "", ErrNoTwilio
	}
	p, err := r.box.Open(c.SealedTwilioToken)
	if err != nil {
		return "", err
	}
	return string(p), nil
}

// RotateSecret issues a new API secret; the old one stops working at once.
func (r *Registry) RotateSecret(cid int64) (Credentials, error) {
	creds := Credentials{APISecret: randomToken(24)}
	return creds, r.change(cid, func(c *Client) error {
		c.SecretHash = hashSecret(creds.APISecret)
		return nil
	})
}

// RotatePassword issues a new upload password.
func (r *Registry) RotatePassword(cid int64) (Credentials, error) {
	creds := Credentials{UploadPassword: randomToken(18)}
	return creds, r.change(cid, func(c *Client) error {
		var err error
		c.SealedPassword, err = r.box.Seal([]byte(creds.UploadPassword))
		return err
	})
}

// SetStatus suspends or reactivates a client.
func (r *Registry) SetStatus(cid int64, status string) (Client, error) {
	if status != StatusActive && status != StatusSuspended {
		return Client{}, fmt.Errorf("%w: status must be %s or %s", ErrInvalid, StatusActive, StatusSuspended)
	}
	err := r.change(cid, func(c *Client) error { c.Status = status; return nil })
	if err != nil {
		return Client{}, err
	}
	return r.Get(cid)
}

// SetRequireHMAC says whether the client's uploads must use the
// request-bound scheme.
func (r *Registry) SetRequireHMAC(cid int64, require bool) (Client, error) {
	if err := r.change(cid, func(c *Client) error { c.RequireHMAC = require; return nil }); err != nil {
		return Client{}, err
	}
	return r.Get(cid)
}

// RequiresHMAC reports whether the client refuses ActivePay's Hash; an
// unknown client does not, so it is answered as unknown, not as unsigned.
func (r *Registry) RequiresHMAC(cid int64) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.byCID[cid].RequireHMAC
}

// Rename changes a client's display name.
func (r *Registry) Rename(cid int64, name string) (Client, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return Client{}, fmt.Errorf("%w: name must be 1 to 100 characters", ErrInvalid)
	}
	if err := r.change(cid, func(c *Client) error { c.Name = name; return nil }); err != nil {
		return Client{}, err
	}
	return r.Get(cid)
}

func (r *Registry) change(cid int64, fn func(*Client) error) error {
	c, err := r.Get(cid)
	if err != nil {
		return err
	}
	if err := fn(&c); err != nil {
		return err
	}
	c.Updated = time.Now().UTC().Truncate(time.Second)
	if err := r.docs.PutDoc(collClients, cidKey(cid), c, false); err != nil {
		return fmt.Errorf("tenant: update %d: %w", cid, err)
	}
	r.remember(c)
	return nil
}

// hashSecret is SHA-256: API secrets are 192 random bits, so a slow
// password hash would add latency to every call and no safety.
// sameText compares in time that depends only on the lengths.
func sameText(got []byte, want string) bool {
	if len(got) != len(want) {
		return false
	}
	var v byte
	for i := range got {
		v |= got[i] ^ want[i]
	}
	return subtle.ConstantTimeByteEq(v, 0) == 1
}

func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// randomToken returns n random bytes as URL-safe text without padding.
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("tenant: crypto/rand failed: " + err.Error()) // rand.Read never fails on supported platforms
	}
	return base64url(b)
}

// ParseCID reads a cid from text.
func ParseCID(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0 && n <= MaxCID
}
