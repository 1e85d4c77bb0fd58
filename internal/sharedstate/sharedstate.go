// Package sharedstate keeps the state that must be the same on every node
// of a cluster, where one process used to keep it in memory: caller and
// sign-in locks, admin sessions, the record of signatures being applied,
// and import jobs' progress. Each kind lives in its own JetStream key-value
// bucket, replicated as the cluster's log is, whose keys expire by
// themselves (a bucket's TTL, and a TTL per write where a kind needs one).
//
// A Bucket's keys are any strings: they are encoded to what a NATS subject
// may hold, and decoded again for a watcher. Its operations take no context:
// each is bounded by the bucket's own timeout, so a caller on a request's
// path waits at most that long for an unreachable server.
package sharedstate

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// The buckets tonebase keeps, each with what expires its keys.
const (
	CallerLocks = "tonebase_caller_locks" // TTL: the lockout's window
	SigninLocks = "tonebase_signin_locks" // TTL: the sign-in lockout's window (15 minutes)
	Sessions    = "tonebase_sessions"     // TTL: a session's longest life (12 hours)
	UsedHashes  = "tonebase_used_hashes"  // TTL: ivr.UsedRetention (35 days)
	Imports     = "tonebase_imports"      // TTL: how long a finished import's status is shown (a day)
)

// Errors a Bucket's operations answer.
var (
	ErrNotFound = errors.New("sharedstate: no such key")
	ErrExists   = errors.New("sharedstate: the key exists")
	// ErrDisconnected is answered at once while the connection to NATS
	// is down, rather than after the timeout: a caller on a lookup's path
	// then falls back without waiting.
	ErrDisconnected = errors.New("sharedstate: not connected to NATS")
)

// DefaultTimeout bounds one operation of a bucket when New is given none.
// A write replicated on three servers takes milliseconds; one that takes a
// second is a cluster in trouble, and a lookup should not wait longer.
const DefaultTimeout = time.Second

// markerTTL is how long a bucket keeps the marker of a key its TTL
// removed: long enough for every watcher to hear of the removal.
const markerTTL = time.Minute

// State opens the buckets of one cluster.
type State struct {
	js       jetstream.JetStream
	replicas int
	timeout  time.Duration
}

// New returns the state kept on js, in buckets of replicas copies (3 in a
// three-node cluster, 1 for a single node), each operation waiting at
// most timeout (DefaultTimeout if 0).
func New(js jetstream.JetStream, replicas int, timeout time.Duration) *State {
	if replicas <= 0 {
		replicas = 1
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &State{js: js, replicas: replicas, timeout: timeout}
}

// Bucket makes bucket name, or opens it and sets its TTL and replicas to
// these. Every key of it is gone ttl after it was last written, or sooner
// if a write gave it a shorter TTL.
func (s *State) Bucket(ctx context.Context, name string, ttl time.Duration) (*Bucket, error) {
	if ttl < time.Second {
		return nil, fmt.Errorf("sharedstate: bucket %s: a TTL of at least a second is needed, not %v", name, ttl)
	}
	cfg := jetstream.KeyValueConfig{
		Bucket: name, History: 1, TTL: ttl, Storage: jetstream.FileStorage,
		Replicas: s.replicas, LimitMarkerTTL: markerTTL,
	}
	// Nodes starting together would race to make or update the same
	// bucket, and the requests that lose are answered late or never: each
	// looks the bucket up first, makes it only if it is missing, and
	// updates it only if its TTL differs; a try that times out while the
	// cluster forms is tried again until ctx ends.
	var kv jetstream.KeyValue
	var err error
	for {
		kv, err = s.openBucket(ctx, cfg)
		if err == nil || ctx.Err() != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return nil, fmt.Errorf("sharedstate: bucket %s: %w", name, err)
	}
	st, err := s.js.Stream(ctx, "KV_"+name)
	if err != nil {
		return nil, fmt.Errorf("sharedstate: bucket %s: %w", name, err)
	}
	return &Bucket{js: s.js, kv: kv, stream: st, subject: "$KV." + name + ".", timeout: s.timeout}, nil
}

func (s *State) openBucket(ctx context.Context, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	actx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	kv, err := s.js.KeyValue(actx, cfg.Bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		kv, err = s.js.CreateKeyValue(actx, cfg)
		if errors.Is(err, jetstream.ErrBucketExists) {
			kv, err = s.js.KeyValue(actx, cfg.Bucket)
		}
	}
	if err != nil {
		return nil, err
	}
	st, err := kv.Status(actx)
	if err != nil {
		return nil, err
	}
	if st.TTL() != cfg.TTL {
		if kv, err = s.js.UpdateKeyValue(actx, cfg); err != nil {
			return nil, err
		}
	}
	// Made is not ready: the bucket's replicas elect a leader after, and
	// until then every operation finds no responders.
	str, err := s.js.Stream(actx, "KV_"+cfg.Bucket)
	if err != nil {
		return nil, err
	}
	if info := str.CachedInfo(); info.Cluster != nil && info.Cluster.Leader == "" && cfg.Replicas > 1 {
		return nil, fmt.Errorf("bucket %s has no leader yet", cfg.Bucket)
	}
	// Nor is a leader: reads go to the replicas, which answer only once
	// they have caught up with it.
	if _, err := kv.Get(actx, "ready"); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, fmt.Errorf("bucket %s does not answer reads yet: %w", cfg.Bucket, err)
	}
	return kv, nil
}

// Bucket is one key-value bucket. It is safe for concurrent use.
type Bucket struct {
	js      jetstream.JetStream
	kv      jetstream.KeyValue
	stream  jetstream.Stream // the bucket's, read directly to learn a removed key's revision
	subject string           // a key's subject, less the key
	timeout time.Duration
}

func encodeKey(k string) string {
	if k == "" {
		return "="
	}
	return base64.RawURLEncoding.EncodeToString([]byte(k))
}

func decodeKey(s string) (string, bool) {
	if s == "=" {
		return "", true
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	return string(b), err == nil
}

func (b *Bucket) ctx() (context.Context, context.CancelFunc, error) {
	if nc := b.js.Conn(); nc != nil && !nc.IsConnected() {
		return nil, nil, ErrDisconnected
	}
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
	return ctx, cancel, nil
}

// Get returns key's value, or ErrNotFound.
func (b *Bucket) Get(key string) ([]byte, error) {
	v, _, err := b.get(key)
	return v, err
}

// get returns key's value and revision; a key never written or removed
// has no value and the revision a write must expect.
func (b *Bucket) get(key string) ([]byte, uint64, error) {
	ctx, cancel, err := b.ctx()
	if err != nil {
		return nil, 0, err
	}
	defer cancel()
	subj := b.subject + encodeKey(key)
	m, err := b.stream.GetLastMsgForSubject(ctx, subj)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		m, err = b.leaderLast(ctx, subj) // a replica's miss may be its lag (leader.go)
	}
	switch {
	case errors.Is(err, jetstream.ErrMsgNotFound):
		return nil, 0, ErrNotFound
	case err != nil:
		return nil, 0, fmt.Errorf("sharedstate: get: %w", err)
	case m.Header.Get("KV-Operation") != "" || m.Header.Get(jetstream.MarkerReasonHeader) != "":
		return nil, m.Sequence, ErrNotFound // a removal's marker
	}
	if m.Data == nil {
		m.Data = []byte{}
	}
	return m.Data, m.Sequence, nil
}

// Create writes key only if it has no value: of two nodes creating the same
// key at once, one wins and the other gets ErrExists. A ttl of 0 leaves
// the bucket's.
func (b *Bucket) Create(key string, val []byte, ttl time.Duration) (uint64, error) {
	rev, err := b.write(key, val, ttl, ptr(uint64(0)), false)
	if errors.Is(err, errConflict) {
		// A removed key keeps a marker, which a create must expect.
		_, last, gerr := b.get(key)
		switch {
		case gerr == nil:
			return 0, ErrExists
		case !errors.Is(gerr, ErrNotFound):
			return 0, gerr
		}
		rev, err = b.write(key, val, ttl, &last, false)
		if errors.Is(err, errConflict) {
			return 0, ErrExists
		}
	}
	return rev, err
}

// Put writes key whatever it holds, for ttl (0: the bucket's).
func (b *Bucket) Put(key string, val []byte, ttl time.Duration) (uint64, error) {
	return b.write(key, val, ttl, nil, false)
}

// Delete removes key, whatever it holds, and returns the revision of the
// removal.
func (b *Bucket) Delete(key string) (uint64, error) {
	return b.write(key, nil, 0, nil, true)
}

// Update changes key atomically: fn gets its value (found false if it has
// none) and returns what replaces it, for how long (0: the bucket's TTL),
// nil to remove the key. When another write comes between, fn is called
// again with the newer value. An error of fn ends Update with that error,
// writing nothing. Update returns the revision written.
func (b *Bucket) Update(key string, fn func(cur []byte, found bool) (next []byte, ttl time.Duration, err error)) (uint64, error) {
	for {
		cur, rev, err := b.get(key)
		found := err == nil
		if err != nil && !errors.Is(err, ErrNotFound) {
			return 0, err
		}
		next, ttl, err := fn(cur, found)
		if err != nil {
			return 0, err
		}
		if next == nil && !found {
			return rev, nil // nothing to remove
		}
		rev, err = b.write(key, next, ttl, &rev, next == nil)
		if !errors.Is(err, errConflict) {
			return rev, err
		}
	}
}

var errConflict = errors.New("sharedstate: the key changed meanwhile")

func ptr[T any](v T) *T { return &v }

// write publishes key's next message: a value, or a removal marker. With
// expect set the write is made only if the key's last revision is that.
func (b *Bucket) write(key string, val []byte, ttl time.Duration, expect *uint64, remove bool) (uint64, error) {
	m := &nats.Msg{Subject: b.subject + encodeKey(key), Data: val, Header: nats.Header{}}
	if remove {
		m.Header.Set("KV-Operation", "DEL")
	}
	var opts []jetstream.PublishOpt
	if expect != nil {
		opts = append(opts, jetstream.WithExpectLastSequencePerSubject(*expect))
	}
	if ttl > 0 {
		opts = append(opts, jetstream.WithMsgTTL(max(ttl, time.Second)))
	}
	ctx, cancel, err := b.ctx()
	if err != nil {
		return 0, err
	}
	defer cancel()
	ack, err := b.js.PublishMsg(ctx, m, opts...)
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant) {
		return 0, errConflict
	}
	if err != nil {
		return 0, fmt.Errorf("sharedstate: write: %w", err)
	}
	return ack.Sequence, nil
}

// Watch calls fn with every key's value, then with every change, in
// revision order (revisions grow across the bucket), from one goroutine,
// until stop is called; a removed key comes with a nil value. It returns
// once fn has had every value the bucket held, so a node's copy is
// complete before it serves.
func (b *Bucket) Watch(fn func(key string, value []byte, revision uint64)) (stop func(), err error) {
	ctx, cancel := context.WithCancel(context.Background())
	w, err := b.kv.WatchAll(ctx)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("sharedstate: watch: %w", err)
	}
	ready := make(chan struct{})
	done := make(chan struct{})
	// Once stop has returned fn is not called again, even while the
	// subscription takes its time to end.
	var mu sync.Mutex
	stopped := false
	go func() {
		defer close(done)
		initial := true
		for e := range w.Updates() {
			if e == nil {
				if initial {
					initial = false
					close(ready)
				}
				continue
			}
			key, ok := decodeKey(e.Key())
			if !ok {
				continue // not written by a Bucket
			}
			var v []byte
			if e.Operation() == jetstream.KeyValuePut {
				v = e.Value()
				if v == nil {
					v = []byte{}
				}
			}
			mu.Lock()
			if !stopped {
				fn(key, v, e.Revision())
			}
			mu.Unlock()
		}
		if initial {
			close(ready)
		}
	}()
	stop = func() {
		mu.Lock()
		stopped = true
		mu.Unlock()
		cancel()
		// Without a connection, ending the subscription waits for the
		// server's answer until nats.go's own timeout: not worth a
		// shutdown's time.
		unsubscribed := make(chan struct{})
		go func() {
			_ = w.Stop()
			close(unsubscribed)
		}()
		select {
		case <-done:
		case <-unsubscribed:
		case <-time.After(time.Second):
		}
	}
	select {
	case <-ready:
		return stop, nil
	case <-time.After(max(b.timeout, 10*time.Second)):
		stop()
		return nil, fmt.Errorf("sharedstate: watch: the bucket's values did not arrive in time")
	}
}
