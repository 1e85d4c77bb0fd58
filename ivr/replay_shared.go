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
func (c *claim) claimShared() error {
	c.token = rand.Text()
	b, _ := json.Marshal(sharedUse{Use: c.use, Token: c.token})
	if _, err := c.u.shared.Create(c.key, b, sharedClaimTTL); err != nil {
		if r, ok := c.u.sharedRecord(c.key); ok {
			return &AlreadyApplied{First: r.Use, InProgress: !r.Applied}
		}
		return fmt.Errorf("%w (claim the signature: %w)", ErrNoCluster, err)
	}
	c.stop, c.kept = make(chan struct{}), make(chan struct{})
	go c.keepShared()
	return nil
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
		if err == nil || errors.Is(err, errNotOurs) || time.Now().After(deadline) {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}
