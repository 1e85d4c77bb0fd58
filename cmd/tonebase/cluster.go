package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/tonebase/tonebase/admin/web"
	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer/vault"
	"github.com/tonebase/tonebase/internal/backup"
	"github.com/tonebase/tonebase/internal/cluster"
	"github.com/tonebase/tonebase/internal/lockout"
	"github.com/tonebase/tonebase/internal/observe"
	"github.com/tonebase/tonebase/internal/sharedstate"
	"github.com/tonebase/tonebase/internal/tenant"
	"github.com/tonebase/tonebase/ivr"
)

// clusterNode is this process's part of a cluster: its NATS server when
// embedded, the log, the applier and the snapshots.
type clusterNode struct {
	cfg     clusterConfig
	log     zerolog.Logger
	srv     *cluster.Server // nil with --nats-url
	c       *cluster.Cluster
	applier *cluster.Applier
	snaps   *cluster.Snapshotter
}

// startCluster starts the embedded NATS server, if it is ours, connects
// and waits for JetStream to hold the log.
func startCluster(cfg serveConfig, log zerolog.Logger) (*clusterNode, error) {
	cc := cfg.Cluster
	n := &clusterNode{cfg: cc, log: log.With().Str("component", "cluster").Logger()}
	auth, err := natsAuth(cfg)
	if err != nil {
		return nil, err
	}
	url := cc.NATSURL
	if cc.Embedded() {
		n.srv, err = cluster.StartEmbedded(cluster.Embedded{ClusterName: cc.Name, NodeName: cc.Node, Listen: cc.NATSListen,
			ClusterListen: cc.ClusterListen, Routes: cc.Routes, Dir: filepath.Join(cfg.Data, "nats"), Auth: &auth,
			Log: log.With().Str("component", "nats").Logger()})
		if err != nil {
			return nil, err
		}
		url = n.srv.URL()
	}
	conn := cluster.Conn{URLs: url, Name: "tonebase " + cc.Node, CredsFile: cc.Creds,
		TLSCert: cc.TLSCert, TLSKey: cc.TLSKey, TLSCA: cc.TLSCA, Log: n.log}
	// Another node's embedded server asks for the cluster's own
	// credentials; a NATS that asks for none ignores them, and one with
	// its own takes them from --nats-creds or the URL.
	if cc.Creds == "" && !strings.Contains(url, "@") {
		conn.User, conn.Password = auth.User, auth.Password
	}
	nc, err := cluster.Dial(conn)
	if errors.Is(err, cluster.ErrCredentials) {
		err = fmt.Errorf("%w: the nodes of a cluster authenticate to its NATS servers with a key derived from the master key (without one, from --admin-token), so every node needs the same", err)
	}
	if err != nil {
		n.close()
		return nil, err
	}
	n.log.Info().Str("nats", nc.ConnectedUrlRedacted()).Int("replicas", cc.Replicas).Msg("waiting for JetStream to hold the write log")
	n.c, err = cluster.Open(context.Background(), nc, cluster.Config{Replicas: cc.Replicas, AppendTimeout: cc.AppendTimeout,
		StartTimeout: cc.StartTimeout, Log: n.log})
	if err != nil {
		nc.Close()
		n.close()
		return nil, err
	}
	return n, nil
}

// natsAuth is what the cluster's NATS servers ask of clients and routes,
// derived from what every node must already share: the master key, or
// without one the admin token. A node with another key is refused.
func natsAuth(cfg serveConfig) (cluster.Auth, error) {
	secret, err := vault.LoadMasterKey(cfg.MasterKeyFile, cfg.MasterKey)
	switch {
	case errors.Is(err, vault.ErrNoMasterKey) && cfg.AdminToken != "":
		secret = []byte(cfg.AdminToken)
	case errors.Is(err, vault.ErrNoMasterKey):
		return cluster.Auth{}, errors.New("cluster mode needs a master key (--master-key-file) or --admin-token, the same on every node: the nodes' NATS servers take only clients and routes that prove they hold it")
	case err != nil:
		return cluster.Auth{}, err
	}
	return cluster.Auth{
		User: "tonebase", Password: hex.EncodeToString(vault.Derive(secret, "nats-client")),
		RouteUser: "tonebase-route", RoutePassword: hex.EncodeToString(vault.Derive(secret, "nats-route")),
	}, nil
}

// shareSecretsKey makes this node's secrets.key the cluster's: upload
// passwords are sealed under it in the store every node replicates, so
// every node must hold the same. The first node to start offers its own;
// the others take it. In the bucket it is sealed under the master key,
// when there is one.
func (n *clusterNode) shareSecretsKey(data string, master []byte) error {
	path := filepath.Join(data, "secrets.key")
	seal, open := func(b []byte) ([]byte, error) { return b, nil }, func(b []byte) ([]byte, error) { return b, nil }
	if master != nil {
		box, err := tenant.NewBox(vault.Derive(master, "cluster-shared"))
		if err != nil {
			return err
		}
		seal = func(b []byte) ([]byte, error) { s, err := box.Seal(b); return []byte(s), err }
		open = func(b []byte) ([]byte, error) {
			p, err := box.Open(string(b))
			if err != nil {
				return nil, fmt.Errorf("the cluster's secrets.key is sealed under another master key: every node needs the same: %w", err)
			}
			return p, nil
		}
	}
	local, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("secrets.key: %w", err)
	}
	var offer []byte
	if local != nil {
		if offer, err = seal(local); err != nil {
			return err
		}
	}
	shared, err := n.c.Share(context.Background(), "secrets.key", offer, func() ([]byte, error) {
		k := make([]byte, 32)
		_, _ = rand.Read(k)
		return seal(k)
	}, func(a, b []byte) (bool, error) {
		pa, err := open(a)
		if err != nil {
			return false, err
		}
		pb, err := open(b)
		return bytes.Equal(pa, pb), err
	})
	if errors.Is(err, cluster.ErrNotShared) {
		return fmt.Errorf("%s is not the secrets.key the cluster's other nodes share: a node joining with data of its own cannot verify the cluster's uploads; start it with an empty --data folder, or copy the cluster's secrets.key", path)
	}
	if err != nil {
		return err
	}
	key, err := open(shared)
	if err != nil {
		return err
	}
	if local == nil {
		return tenant.WriteSecretFile(path, key)
	}
	return nil
}

// restore builds the store from snap into aside, verified.
func (n *clusterNode) restore(ctx context.Context, snap cluster.Snapshot, data, aside string, master, atRest []byte, has bool, applied uint64) (columndb.BackupStats, error) {
	n.log.Info().Bool("had_store", has).Uint64("applied", applied).Uint64("snapshot", snap.Applied).Uint64("bytes", snap.Size).
		Msg("restoring a snapshot, then replaying the log from it")
	var st columndb.BackupStats
	err := n.c.Fetch(ctx, snap, func(r io.Reader) error {
		head := &headOf{r: r}
		_, files, err := backup.Read(head, backupKey(master), func(r io.Reader) error {
			var err error
			st, err = columndb.Restore(columndb.Options{Dir: aside, EncryptionKey: atRest, Logger: badgerLogger{zerolog.Nop()}}, r)
			return err
		})
		if errors.Is(err, backup.ErrNotBackup) {
			// Kept to find out why: a snapshot once read back as not one.
			return fmt.Errorf("%w (its first bytes: %x)", err, head.b)
		}
		if err != nil {
			return err
		}
		return sameSecrets(data, files)
	})
	if err != nil {
		return st, fmt.Errorf("catch up from snapshot %s: %w", snap.Name, err)
	}
	return st, nil
}

// headOf keeps the first bytes read through it.
type headOf struct {
	r io.Reader
	b []byte
}

func (h *headOf) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if room := 16 - len(h.b); room > 0 {
		h.b = append(h.b, p[:min(n, room)]...)
	}
	return n, err
}

// restoringSnapshot is where a node builds the store from a snapshot; it
// becomes db/ only once the snapshot has verified.
const restoringSnapshot = "db.snapshot"

// catchUp restores the newest snapshot into the data folder when the node
// has no store, or one behind the log's first entry.
func (n *clusterNode) catchUp(data string, master, atRest []byte) error {
	dir := filepath.Join(data, "db")
	_ = os.RemoveAll(filepath.Join(data, restoringSnapshot)) // a restore that was cut short
	has, applied, err := peekApplied(dir, atRest)
	if err != nil {
		return err
	}
	ctx := context.Background()
	// A node that has just joined may not hear the snapshots' bucket for
	// a while, as JetStream catches it up: that is waited out, as the
	// start waits for JetStream itself.
	var snaps []cluster.Snapshot
	for deadline := time.Now().Add(n.cfg.StartTimeout); ; {
		snaps, err = n.c.CatchUp(ctx, has, applied)
		if err == nil || errors.Is(err, cluster.ErrNoSnapshot) || time.Now().After(deadline) {
			break
		}
		n.log.Info().Err(err).Msg("waiting for the cluster's snapshots")
		time.Sleep(time.Second)
	}
	if err != nil || len(snaps) == 0 {
		return err
	}
	aside := filepath.Join(data, restoringSnapshot)
	// The newest first; one that does not restore (the bucket's copy
	// unreadable, say) gives way to the next, which the log also covers.
	start := time.Now()
	var st columndb.BackupStats
	var errs []error
	for _, snap := range snaps {
		st, err = n.restore(ctx, snap, data, aside, master, atRest, has, applied)
		if err == nil {
			break
		}
		_ = os.RemoveAll(aside)
		n.log.Error().Err(err).Str("snapshot", snap.Name).Msg("this snapshot did not restore; trying the next")
		errs = append(errs, err)
	}
	if err != nil {
		return errors.Join(errs...)
	}
	old := filepath.Join(data, "db.replaced")
	_ = os.RemoveAll(old)
	if has {
		if err := os.Rename(dir, old); err != nil {
			return fmt.Errorf("catch up: %w", err)
		}
	}
	if err := os.Rename(aside, dir); err != nil {
		return fmt.Errorf("catch up: %w", err)
	}
	if d, err := os.Open(data); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	_ = os.RemoveAll(old)
	n.log.Info().Int64("keys", st.Keys).Dur("took", time.Since(start)).Msg("snapshot restored")
	return nil
}

// sameSecrets checks a snapshot's secrets.key is this node's, which
// shareSecretsKey made the cluster's.
func sameSecrets(data string, files []backup.File) error {
	local, err := os.ReadFile(filepath.Join(data, "secrets.key"))
	if err != nil {
		return err
	}
	for _, f := range files {
		if f.Name == "secrets.key" && !bytes.Equal(f.Data, local) {
			return errors.New("the snapshot's secrets.key is not the cluster's")
		}
	}
	return nil
}

// peekApplied opens the store, if there is one, for its applied sequence.
func peekApplied(dir string, atRest []byte) (bool, uint64, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) || err == nil && len(entries) == 0 {
		return false, 0, nil
	}
	if err != nil {
		return false, 0, err
	}
	s, err := columndb.Open(columndb.Options{Dir: dir, EncryptionKey: atRest, Logger: badgerLogger{zerolog.Nop()}})
	if err != nil {
		return false, 0, openHint(err, atRest != nil, "start with the same key as the cluster's other nodes")
	}
	applied := s.Applied()
	return true, applied, s.Close()
}

// apply starts applying the log to the store, with the metrics of where
// the node is, and waits until it has applied what the log held when it
// started: everything opened over the store after it (the vault, the
// clients, the customer tenants) then finds the cluster's state, and the
// node's own first writes wait for no one. A write before the applier runs
// would wait for ever for its own entry.
// busy is told of every entry applied: applying is bulk work.
func (n *clusterNode) apply(store *columndb.Store, reg *observe.Registry, log zerolog.Logger, busy func()) error {
	delay := reg.Histogram("tonebase_cluster_apply_delay_seconds", "Time from an entry's publish to its apply on this node.", "node").With(n.cfg.Node)
	applied := func(d time.Duration) { busy(); delay.Observe(d) }
	n.applier = n.c.Follow(cluster.Follow{Store: store, Log: n.log, Delay: applied,
		Fatal: func(err error) bool { return errors.Is(err, columndb.ErrDiverged) || errors.Is(err, columndb.ErrGap) }})
	gauge := func(name, help string, v func(cluster.Status) float64) {
		reg.GaugeOf(name, help, "node", n.cfg.Node, func() float64 { return v(n.applier.Status()) })
	}
	gauge("tonebase_cluster_applied", "The last log entry this node applied.", func(s cluster.Status) float64 { return float64(s.Applied) })
	gauge("tonebase_cluster_log_last", "The log's last entry as this node last saw it.", func(s cluster.Status) float64 { return float64(s.Last) })
	gauge("tonebase_cluster_lag_entries", "Log entries this node has yet to apply.", func(s cluster.Status) float64 { return float64(s.Lag) })
	gauge("tonebase_cluster_lag_seconds", "Publish to apply of the last entry this node applied.", func(s cluster.Status) float64 { return s.Delay.Seconds() })
	gauge("tonebase_cluster_writable", "1 while a JetStream quorum takes writes.", func(s cluster.Status) float64 { return b2f(s.Writable) })
	gauge("tonebase_cluster_applying", "1 while this node applies the log; 0 once it stopped (diverged, or behind the log's start).", func(s cluster.Status) float64 { return b2f(s.Stopped == nil) })
	ctx, cancel := context.WithTimeout(context.Background(), n.cfg.StartTimeout)
	defer cancel()
	st, err := n.c.State(ctx)
	if err != nil {
		return fmt.Errorf("cluster: read where the log ends: %w", err)
	}
	start := time.Now()
	for store.Applied() < st.Last {
		if s := n.applier.Status(); s.Stopped != nil {
			return fmt.Errorf("cluster: applying the log: %w", s.Stopped)
		}
		if ctx.Err() != nil {
			return fmt.Errorf("cluster: applied %d of the log's %d entries within --cluster-start-timeout %v", store.Applied(), st.Last, n.cfg.StartTimeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
	log.Info().Str("node", n.cfg.Node).Uint64("applied", store.Applied()).Dur("took", time.Since(start)).Msg("caught up with the write log")
	return nil
}

// snapshot starts the periodic snapshots.
func (n *clusterNode) snapshot(store *columndb.Store, write func(io.Writer) (uint64, error)) {
	n.snaps = n.c.Snapshot(cluster.Snapshotting{Node: n.cfg.Node, Every: n.cfg.SnapshotEvery, Keep: n.cfg.SnapshotKeep,
		Write: write, Applied: store.Applied, Log: n.log})
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// snapshotWriter writes a backup, as /admin/api/backup does, and says the
// sequence it holds.
func snapshotWriter(store *columndb.Store, key []byte, files func() ([]backup.File, error)) func(io.Writer) (uint64, error) {
	return func(w io.Writer) (uint64, error) {
		fs, err := files()
		if err != nil {
			return 0, err
		}
		var applied uint64
		_, err = backup.Write(w, key, fs, func(w io.Writer) error {
			st, err := store.Backup(w)
			applied = st.Applied
			return err
		})
		return applied, err
	}
}

// behind is closed once this node fell behind the log's start while it
// ran; nil, never ready, on a node alone.
func (n *clusterNode) behind() <-chan struct{} {
	if n == nil || n.applier == nil {
		return nil
	}
	return n.applier.Behind()
}

// errBehind ends serve when the node fell behind the log's start: a
// start catches it up from the newest snapshot, which a running store
// cannot take, so the service manager's restart mends it.
var errBehind = errors.New("this node fell behind the start of the cluster's log (it was cut off for longer than the log keeps) and stopped; start it again and it catches up from the newest snapshot (a service manager with Restart=on-failure does it)")

// stop stops applying and snapshotting; the store closes after.
func (n *clusterNode) stop() {
	if n == nil {
		return
	}
	if n.snaps != nil {
		n.snaps.Stop()
	}
	if n.applier != nil {
		n.applier.Stop()
	}
}

// close closes the connection and the embedded server, once the store
// has closed.
func (n *clusterNode) close() {
	if n == nil {
		return
	}
	if n.c != nil {
		n.c.Close()
	}
	if n.srv != nil {
		n.srv.Shutdown()
	}
}

// readSnapshotFiles is what a snapshot carries beside the store: the
// shared secrets.key only, since the admin token is each node's own.
func readSnapshotFiles(data string) func() ([]backup.File, error) {
	return func() ([]backup.File, error) {
		b, err := os.ReadFile(filepath.Join(data, "secrets.key"))
		if err != nil {
			return nil, fmt.Errorf("snapshot: %w", err)
		}
		return []backup.File{{Name: "secrets.key", Data: b}}, nil
	}
}

// clusterHealth is /healthz in cluster mode: the node, its place in the
// log and whether writes can reach a quorum. Without a quorum reads go on,
// so it answers 200; a node that stopped applying answers 503, so a load
// balancer stops sending it lookups it would answer from a store that is
// no longer kept up to date.
type clusterHealth struct {
	Status  string `json:"status"`
	Node    string `json:"node"`
	Applied uint64 `json:"applied"`
	Lag     uint64 `json:"lag"`
	Writes  string `json:"writes"`
	Error   string `json:"error,omitempty"`
}

func (n *clusterNode) health(diskLow bool) (int, clusterHealth) {
	st := n.applier.Status()
	h := clusterHealth{Status: "ok", Node: n.cfg.Node, Applied: st.Applied, Lag: st.Lag, Writes: "ok"}
	if !st.Writable {
		h.Writes = "no_quorum"
	}
	if diskLow {
		h.Status, h.Writes = "degraded", "refused: disk below --min-free-mb"
	}
	if st.Stopped != nil {
		h.Status, h.Error = "not_applying", st.Stopped.Error()
		return 503, h
	}
	return 200, h
}

// sharedState is the state a cluster's nodes keep in common beside the
// log; every field stays nil on a node alone, where it is the process's own.
type sharedState struct {
	callerLocks lockout.Shared
	hashes      ivr.SharedHashes
	signins     lockout.Shared
	sessions    web.SharedBucket
	imports     web.SharedBucket
}

// shared opens the key-value buckets of the caller lockout, the used-Hash
// claims, admin sign-ins and sessions and import status. A nil node has
// none.
func (n *clusterNode) shared(cfg serveConfig) (sharedState, error) {
	var sh sharedState
	if n == nil {
		return sh, nil
	}
	st := sharedstate.New(n.c.JetStream(), n.cfg.Replicas, 0)
	ctx, cancel := context.WithTimeout(context.Background(), n.cfg.StartTimeout)
	defer cancel()
	open := func(name string, ttl time.Duration) (*sharedstate.Bucket, error) {
		b, err := st.Bucket(ctx, name, ttl)
		if err != nil {
			return nil, fmt.Errorf("cluster: shared state %s: %w", name, err)
		}
		return b, nil
	}
	// Each is assigned only when opened: a nil *Bucket in an interface
	// would not be nil.
	if cfg.LockoutLimit > 0 {
		b, err := open(sharedstate.CallerLocks, cfg.LockoutWindow)
		if err != nil {
			return sh, err
		}
		sh.callerLocks = b
	}
	for _, x := range []struct {
		name string
		ttl  time.Duration
		set  func(*sharedstate.Bucket)
	}{
		{sharedstate.UsedHashes, ivr.UsedRetention, func(b *sharedstate.Bucket) { sh.hashes = b }},
		{sharedstate.SigninLocks, web.SigninWindow, func(b *sharedstate.Bucket) { sh.signins = b }},
		{sharedstate.Sessions, web.SessionMax, func(b *sharedstate.Bucket) { sh.sessions = b }},
		{sharedstate.Imports, 24 * time.Hour, func(b *sharedstate.Bucket) { sh.imports = b }},
	} {
		b, err := open(x.name, x.ttl)
		if err != nil {
			return sh, err
		}
		x.set(b)
	}
	return sh, nil
}
