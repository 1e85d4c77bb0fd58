package ivr

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// SharedHashes is a key-value bucket every node of a cluster shares
// (sharedstate.Bucket): Create is an atomic first-writer-wins.
type SharedHashes interface {
	Create(key string, val []byte, ttl time.Duration) (uint64, error)
	Get(key string) ([]byte, error)
	Put(key string, val []byte, ttl time.Duration) (uint64, error)
	Update(key string, fn func(cur []byte, found bool) ([]byte, time.Duration, error)) (uint64, error)
}

// Why the claim is made in the bucket: the store's record of applied
// signatures reaches every node through the log, but a claim decided
// against one node's store and memory can be won by two nodes given the
// same signed upload at once, and by a node whose store has not yet
// applied the other's record. So the claim is a Create in the shared
// bucket, which one node wins, and the applied record is written there too,
// for UsedRetention (the bucket's TTL).
//
// A claim being applied lives sharedClaimTTL unless its node keeps it
// alive, so that an upload a crashed node cut short can be sent again.
const (
	sharedClaimTTL  = 2 * time.Minute
	sharedClaimKeep = sharedClaimTTL / 4
)

// sharedUse is a signature's record in the shared bucket.
type sharedUse struct {
	Use     Use    `json:"use"`
	Applied bool   `json:"applied"`
	Token   string `json:"token,omitempty"` // the claim's, while it is applied
}

// refusal is the answer to a claim of a signature the record holds.
func (r sharedUse) refusal() *AlreadyApplied {
	if r.Applied {
		return &AlreadyApplied{First: r.Use}
	}
	return &AlreadyApplied{First: r.Use, InProgress: true, Lapses: sharedClaimTTL}
}

func (u *usedSignatures) sharedRecord(key string) (sharedUse, bool) {
	b, err := u.shared.Get(key)
	var r sharedUse
	if err != nil || json.Unmarshal(b, &r) != nil {
		return sharedUse{}, false
	}
	return r, true
}

var errNotOurs = errors.New("ivr: the claim is no longer this upload's")

// ErrNoCluster is an upload refused because the cluster's shared record of
// signatures could not be reached: nothing was applied, and it may be sent
// again once the cluster is back.
var ErrNoCluster = errors.New("the cluster cannot take uploads now (no quorum of its nodes is reachable, or it is choosing a leader): nothing was applied; send it again shortly")

// claimShared wins the signature in the bucket, or says who has it. A
// bucket out of reach refuses the upload: a write in a cluster needs the
// cluster, and applying it unclaimed could apply it twice.
//
// A Create that got no answer may still land: the bucket's leader can hold
// it while it has no quorum and write it once the quorum is back. The
// merchant is told to send the upload again, and that resend would then
// find a claim nobody holds, and be refused as in progress until the claim
// lapsed. So the token of a claim that got no answer is kept, and this
// node's next claim of the same key uses it: finding it in the bucket, the
// resend takes that claim over.
func (c *claim) claimShared() error {
	c.token = c.u.unansweredToken(c.key)
	b, _ := json.Marshal(sharedUse{Use: c.use, Token: c.token})
	if _, err := c.u.shared.Create(c.key, b, sharedClaimTTL); err != nil {
		r, ok := c.u.sharedRecord(c.key)
		switch {
		case !ok:
			c.u.setUnanswered(c.key, c.token)
			return fmt.Errorf("%w (claim the signature: %w)", ErrNoCluster, err)
		case r.Applied || r.Token != c.token:
			c.u.setUnanswered(c.key, "")
			return r.refusal()
		}
		if err := c.takeOver(b); err != nil {
			return err
		}
	}
	c.u.setUnanswered(c.key, "")
	c.stop, c.kept = make(chan struct{}), make(chan struct{})
	go c.keepShared()
	return nil
}

// takeOver makes this node's earlier, unanswered claim this upload's: the
// record is renewed for its full TTL and carries this upload's use.
func (c *claim) takeOver(rec []byte) error {
	_, err := c.u.shared.Update(c.key, func(cur []byte, found bool) ([]byte, time.Duration, error) {
		var r sharedUse
		if !found || json.Unmarshal(cur, &r) != nil || r.Token != c.token || r.Applied {
			return nil, 0, errNotOurs
		}
		return rec, sharedClaimTTL, nil
	})
	switch {
	case errors.Is(err, errNotOurs):
		// Applied or claimed between the read and the update.
		c.u.setUnanswered(c.key, "")
		if r, ok := c.u.sharedRecord(c.key); ok {
			return r.refusal()
		}
		return fmt.Errorf("%w (claim the signature: it changed while it was read)", ErrNoCluster)
	case err != nil:
		return fmt.Errorf("%w (claim the signature: %w)", ErrNoCluster, err)
	}
	return nil
}

// maxUnanswered bounds what a node remembers of unanswered claims; one
// forgotten only makes its resend wait for the claim to lapse.
const maxUnanswered = 4096

// unansweredToken is the token of this node's unanswered claim of key, or
// a new one.
func (u *usedSignatures) unansweredToken(key string) string {
	u.mu.Lock()
	defer u.mu.Unlock()
	if t, ok := u.unanswered[key]; ok {
		return t
	}
	return rand.Text()
}

// setUnanswered remembers token as key's unanswered claim, or with ""
// forgets it.
func (u *usedSignatures) setUnanswered(key, token string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if token == "" {
		delete(u.unanswered, key)
		return
	}
	if _, ok := u.unanswered[key]; !ok && len(u.unanswered) >= maxUnanswered {
		for k := range u.unanswered {
			delete(u.unanswered, k)
			break
		}
	}
	u.unanswered[key] = token
}

// keepShared renews the claim while the upload is applied.
func (c *claim) keepShared() {
	defer close(c.kept)
	tick := time.NewTicker(sharedClaimKeep)
	defer tick.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-tick.C:
			_, _ = c.u.shared.Update(c.key, func(cur []byte, found bool) ([]byte, time.Duration, error) {
				var r sharedUse
				if !found || json.Unmarshal(cur, &r) != nil || r.Token != c.token || r.Applied {
					return nil, 0, errNotOurs
				}
				return cur, sharedClaimTTL, nil
			})
		}
	}
}

func (c *claim) stopKeeping() {
	if c.stop != nil {
		close(c.stop)
		<-c.kept
		c.stop = nil
	}
}

// appliedWait is how long an applied upload waits to record its
// signature in the shared bucket.
const appliedWait = 15 * time.Second

// appliedShared turns the claim into the record of an applied signature.
func (c *claim) appliedShared() error {
	if c.u.shared == nil {
		return nil
	}
	c.stopKeeping()
	b, _ := json.Marshal(sharedUse{Use: c.use, Applied: true})
	// The rows are applied: the record is worth waiting for while the
	// bucket's servers choose a new leader (a node was lost), which takes
	// seconds.
	var err error
	for deadline := time.Now().Add(appliedWait); ; {
		if _, err = c.u.shared.Put(c.key, b, 0); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		return err
	}
	c.token = "" // the record is no longer a claim to give back
	return nil
}

// releaseShared gives up a claim not applied, so the upload may be sent
// again at once; a claim some other upload now holds is left alone.
func (c *claim) releaseShared() {
	if c.u.shared == nil || c.token == "" {
		return
	}
	c.stopKeeping()
	// Given up while the bucket's servers choose a leader, the claim
	// would hold the upload's resend off until it expires: worth retrying.
	for deadline := time.Now().Add(appliedWait); ; {
		_, err := c.u.shared.Update(c.key, func(cur []byte, found bool) ([]byte, time.Duration, error) {
			var r sharedUse
			if !found || json.Unmarshal(cur, &r) != nil || r.Token != c.token || r.Applied {
				return nil, 0, errNotOurs
			}
			return nil, 0, nil
		})
		if err == nil || errors.Is(err, errNotOurs) {
			return
		}
		if time.Now().After(deadline) {
			c.u.setUnanswered(c.key, c.token) // this node's resend takes it over
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}
