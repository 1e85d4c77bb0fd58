package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
)

// MaxEntry is the largest entry the log takes: a 4 MiB batch. A server
// whose max_payload is below it, with room for headers, is refused at
// start rather than at the first large upload.
const MaxEntry = 4 << 20

// headerRoom is what a published entry needs beside its bytes.
const headerRoom = 64 << 10

// Names of what the cluster keeps in JetStream.
const (
	StreamName     = "TONEBASE_LOG"
	Subject        = "tonebase.log"
	SnapshotBucket = "TONEBASE_SNAPSHOTS"
	leaseBucket    = "TONEBASE_SNAPSHOT_LEASE"
	sharedBucket   = "TONEBASE_SHARED"
)

// Conn says how to reach NATS: the embedded server's URL or an existing
// cluster's, with the credentials and TLS files nats.go takes.
type Conn struct {
	URLs      string // comma-separated nats:// or tls:// URLs
	Name      string // the connection's name in NATS's monitoring
	CredsFile string // a .creds file (JWT and NKey seed)
	TLSCert   string // client certificate and key, for mutual TLS
	TLSKey    string
	TLSCA     string // the CA that signed the servers' certificates
	// User and Password authenticate to servers that ask for them (the
	// embedded servers' Auth); a server that asks for none ignores them.
	// A CredsFile takes their place.
	User, Password string
	Log            zerolog.Logger
}

// Dial connects, reconnecting for ever after: a node whose NATS went away
// keeps serving reads and waits for it.
func Dial(c Conn) (*nats.Conn, error) {
	opts := []nats.Option{
		nats.Name(c.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(500 * time.Millisecond),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				c.Log.Warn().Err(err).Msg("disconnected from NATS")
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { c.Log.Info().Str("url", nc.ConnectedUrlRedacted()).Msg("reconnected to NATS") }),
	}
	switch {
	case c.CredsFile != "":
		opts = append(opts, nats.UserCredentials(c.CredsFile))
	case c.User != "":
		opts = append(opts, nats.UserInfo(c.User, c.Password))
	}
	if c.TLSCert != "" || c.TLSKey != "" {
		opts = append(opts, nats.ClientCert(c.TLSCert, c.TLSKey))
	}
	if c.TLSCA != "" {
		opts = append(opts, nats.RootCAs(c.TLSCA))
	}
	nc, err := nats.Connect(strings.ReplaceAll(c.URLs, " ", ""), opts...)
	if errors.Is(err, nats.ErrAuthorization) {
		return nil, fmt.Errorf("%w at %s: %w", ErrCredentials, c.URLs, err)
	}
	if err != nil {
		return nil, fmt.Errorf("cluster: connect to NATS at %s: %w", c.URLs, err)
	}
	if max := nc.MaxPayload(); max < MaxEntry+headerRoom {
		nc.Close()
		return nil, &PayloadError{Have: max, Need: MaxEntry + headerRoom}
	}
	return nc, nil
}

// ErrCredentials is a NATS server that refused the node's credentials.
var ErrCredentials = errors.New("cluster: NATS refused this node's credentials")

// PayloadError is a NATS server whose max_payload cannot carry a batch.
type PayloadError struct{ Have, Need int64 }

func (e *PayloadError) Error() string {
	return fmt.Sprintf("cluster: the NATS server's max_payload is %d bytes, below the %d a 4 MiB batch entry needs: set max_payload: 8MB in its configuration", e.Have, e.Need)
}

// Config is the log's shape.
type Config struct {
	// Replicas is the stream's and the snapshot bucket's replica count:
	// 3 for a cluster, 1 for a single node that wants the log.
	Replicas int
	// AppendTimeout bounds one append: past it the write fails as
	// unavailable.
	AppendTimeout time.Duration
	// StartTimeout bounds the wait for JetStream at start: the routes'
	// meta leader, and enough servers for Replicas.
	StartTimeout time.Duration
	Log          zerolog.Logger
}

// Cluster is one node's handle on the log and its snapshots.
type Cluster struct {
	nc     *nats.Conn
	js     jetstream.JetStream
	stream jetstream.Stream
	snaps  jetstream.ObjectStore
	lease  jetstream.KeyValue
	shared jetstream.KeyValue
	cfg    Config
	health *health
}

// Open makes sure the stream and the snapshot bucket exist, waiting up to
// StartTimeout for JetStream: the servers of a cluster started together
// elect their meta leader some seconds after they meet.
func Open(ctx context.Context, nc *nats.Conn, cfg Config) (*Cluster, error) {
	if cfg.Replicas < 1 || cfg.Replicas > 5 {
		return nil, fmt.Errorf("cluster: log replicas must be 1 to 5, not %d", cfg.Replicas)
	}
	if cfg.AppendTimeout <= 0 {
		cfg.AppendTimeout = 5 * time.Second
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	c := &Cluster{nc: nc, js: js, cfg: cfg, health: &health{}}
	ctx, cancel := context.WithTimeout(ctx, max(cfg.StartTimeout, time.Second))
	defer cancel()
	var last error
	for {
		if last = c.create(ctx); last == nil {
			return c, nil
		}
		cfg.Log.Info().Err(last).Msg("waiting for JetStream")
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("cluster: JetStream was not ready within %v (are %d servers of the cluster up, each reachable at its --cluster-listen address and started with the same master key or, without one, the same --admin-token?): %w", cfg.StartTimeout, cfg.Replicas, last)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// attemptTimeout bounds one JetStream request while the cluster forms.
const attemptTimeout = 3 * time.Second

// create finds or makes the stream and the buckets. Each is looked up
// before it is made: nodes starting together would otherwise race to make
// the same one, and the requests that lose are answered late or never.
func (c *Cluster) create(ctx context.Context) error {
	actx, cancel := context.WithTimeout(ctx, attemptTimeout)
	defer cancel()
	// Answered once the servers have a meta leader.
	if _, err := c.js.AccountInfo(actx); err != nil {
		return fmt.Errorf("JetStream: %w", err)
	}
	var err error
	if c.stream == nil {
		if c.stream, err = ensure(actx, c.js.Stream, c.js.CreateStream, StreamName, jetstream.StreamConfig{
			Name:        StreamName,
			Description: "tonebase's write log: every node applies it in order",
			Subjects:    []string{Subject},
			Storage:     jetstream.FileStorage,
			Replicas:    c.cfg.Replicas,
			// Entries are removed only by a purge below the oldest snapshot.
			Retention:  jetstream.LimitsPolicy,
			Discard:    jetstream.DiscardOld,
			MaxMsgSize: MaxEntry + headerRoom,
			// A retried append with the same id is stored once (Append).
			Duplicates: 2 * time.Minute,
		}, jetstream.ErrStreamNotFound, jetstream.ErrStreamNameAlreadyInUse); err != nil {
			return fmt.Errorf("stream %s: %w", StreamName, err)
		}
	}
	if c.snaps == nil {
		if c.snaps, err = ensure(actx, c.js.ObjectStore, c.js.CreateObjectStore, SnapshotBucket, jetstream.ObjectStoreConfig{
			Bucket:      SnapshotBucket,
			Description: "tonebase's snapshots: a consistent backup and the log sequence it holds",
			Storage:     jetstream.FileStorage,
			Replicas:    c.cfg.Replicas,
		}, jetstream.ErrBucketNotFound, jetstream.ErrBucketExists); err != nil {
			return fmt.Errorf("object store %s: %w", SnapshotBucket, err)
		}
	}
	if c.lease == nil {
		if c.lease, err = ensure(actx, c.js.KeyValue, c.js.CreateKeyValue, leaseBucket, jetstream.KeyValueConfig{
			Bucket:   leaseBucket,
			Storage:  jetstream.FileStorage,
			Replicas: c.cfg.Replicas,
			TTL:      time.Minute,
		}, jetstream.ErrBucketNotFound, jetstream.ErrBucketExists); err != nil {
			return fmt.Errorf("key-value bucket %s: %w", leaseBucket, err)
		}
	}
	if c.shared == nil {
		if c.shared, err = ensure(actx, c.js.KeyValue, c.js.CreateKeyValue, sharedBucket, jetstream.KeyValueConfig{
			Bucket:      sharedBucket,
			Description: "what every node of the cluster must hold alike, such as the key sealing upload passwords",
			Storage:     jetstream.FileStorage,
			Replicas:    c.cfg.Replicas,
		}, jetstream.ErrBucketNotFound, jetstream.ErrBucketExists); err != nil {
			return fmt.Errorf("key-value bucket %s: %w", sharedBucket, err)
		}
	}
	// Made is not ready: each stream's replicas elect a leader after.
	for _, name := range []string{StreamName, "OBJ_" + SnapshotBucket, "KV_" + leaseBucket, "KV_" + sharedBucket} {
		st, err := c.js.Stream(actx, name)
		if err != nil {
			return fmt.Errorf("stream %s: %w", name, err)
		}
		if info := st.CachedInfo(); info.Cluster != nil && info.Cluster.Leader == "" && c.cfg.Replicas > 1 {
			return fmt.Errorf("stream %s has no leader yet", name)
		}
	}
	return nil
}

// ensure looks a JetStream asset up, makes it if it is not there, and
// looks again if another node made it meanwhile.
func ensure[T, C any](ctx context.Context, get func(context.Context, string) (T, error), mk func(context.Context, C) (T, error),
	name string, cfg C, notFound, exists error) (T, error) {
	v, err := get(ctx, name)
	if !errors.Is(err, notFound) {
		return v, err
	}
	v, err = mk(ctx, cfg)
	if errors.Is(err, exists) {
		return get(ctx, name)
	}
	return v, err
}

// StreamState is what the stream holds.
type StreamState struct {
	First, Last uint64
	Leader      string // empty without a quorum (and for a server alone)
}

// State asks the stream for its bounds; without a quorum it fails.
func (c *Cluster) State(ctx context.Context) (StreamState, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	info, err := c.stream.Info(ctx)
	if err != nil {
		return StreamState{}, fmt.Errorf("cluster: stream info: %w", err)
	}
	st := StreamState{First: info.State.FirstSeq, Last: info.State.LastSeq}
	if info.Cluster != nil {
		st.Leader = info.Cluster.Leader
		if st.Leader == "" && c.cfg.Replicas > 1 {
			return st, errors.New("cluster: the stream has no leader (no quorum)")
		}
		if seen, need := reachable(info.Cluster), c.cfg.Replicas/2+1; c.cfg.Replicas > 1 && seen < need {
			return st, fmt.Errorf("cluster: no quorum: the stream's leader hears from %d of its %d servers, and a write needs %d", seen, c.cfg.Replicas, need)
		}
	}
	return st, nil
}

// peerSilence is how long a replica may go unheard before it no longer
// counts towards the quorum. The leader hears from each every second;
// JetStream's own leader keeps its place for 10 to 20 s after its quorum
// is gone, and answers as leader all that time, so the probe counts for
// itself.
const peerSilence = 5 * time.Second

// reachable counts the leader and the replicas it heard from lately.
func reachable(ci *jetstream.ClusterInfo) int {
	n := 1
	for _, p := range ci.Replicas {
		if p != nil && !p.Offline && p.Active < peerSilence {
			n++
		}
	}
	return n
}

// Close closes the connection; the embedded server, if any, is the
// caller's to stop after.
func (c *Cluster) Close() { c.nc.Close() }

// JetStream is the connection's JetStream, for the cluster-wide state
// kept beside the log (internal/sharedstate).
func (c *Cluster) JetStream() jetstream.JetStream { return c.js }
