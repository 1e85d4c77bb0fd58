package tenant

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"strings"
)

// PayConnector is the credentials a client's Twilio Generic Pay Connector
// is configured with in the Twilio console. The password is sealed, as the
// upload password is: checking a request needs it in clear.
type PayConnector struct {
	Username       string `json:"username"`
	SealedPassword string `json:"sealed_password"`
}

// Limits of the connector's credentials: HTTP Basic cannot carry a colon
// in the username, and the decoded header is bounded (httpx.BasicAuth).
const (
	maxConnectorUser     = 64
	minConnectorPassword = 16
	maxConnectorPassword = 120
)

// SetPayConnector stores the client's pay connector credentials, the
// password sealed; an empty username and password remove them.
func (r *Registry) SetPayConnector(cid int64, username, password string) (Client, error) {
	username = strings.TrimSpace(username)
	remove := username == "" && password == ""
	if !remove {
		if username == "" || len(username) > maxConnectorUser || strings.ContainsAny(username, ": \t\r\n") {
			return Client{}, fmt.Errorf("%w: username must be 1 to %d characters without a colon or spaces", ErrInvalid, maxConnectorUser)
		}
		if len(password) < minConnectorPassword || len(password) > maxConnectorPassword || strings.ContainsAny(password, "\r\n") {
			return Client{}, fmt.Errorf("%w: password must be %d to %d characters on one line", ErrInvalid, minConnectorPassword, maxConnectorPassword)
		}
	}
	err := r.change(cid, func(c *Client) error {
		if remove {
			c.PayConnector = nil
			return nil
		}
		sealed, err := r.box.Seal([]byte(password))
		if err != nil {
			return err
		}
		c.PayConnector = &PayConnector{Username: username, SealedPassword: sealed}
		return nil
	})
	if err != nil {
		return Client{}, err
	}
	return r.Get(cid)
}

// CheckPayConnector reports whether username and password are an active
// client's pay connector credentials: nil, or ErrAuth for wrong ones, an
// unknown client, or one without credentials alike (the answer says
// nothing of which clients exist), or ErrSuspended.
func (r *Registry) CheckPayConnector(cid int64, username, password []byte) error {
	c, err := r.Get(cid)
	if err != nil || c.PayConnector == nil {
		return ErrAuth
	}
	want, err := r.box.Open(c.PayConnector.SealedPassword)
	if err != nil {
		return err
	}
	// Both compared in full, through hashes so the lengths leak nothing.
	gu, wu := sha256.Sum256(username), sha256.Sum256([]byte(c.PayConnector.Username))
	gp, wp := sha256.Sum256(password), sha256.Sum256(want)
	if subtle.ConstantTimeCompare(gu[:], wu[:])&subtle.ConstantTimeCompare(gp[:], wp[:]) != 1 {
		return ErrAuth
	}
	if c.Status != StatusActive {
		return ErrSuspended
	}
	return nil
}
