package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
)

// Snapshots are named by the sequence they hold, zero-padded so the
// bucket's names sort as their sequences do; one being written has a
// name of its own until it is whole.
const (
	snapPrefix    = "snap-"
	partialPrefix = "partial-"
)

func snapName(seq uint64) string { return fmt.Sprintf("%s%020d", snapPrefix, seq) }

// Snapshot is one snapshot in the bucket.
type Snapshot struct {
	Name    string
	Applied uint64 // the last entry the snapshot holds
	Size    uint64
	Written time.Time
}

// Snapshots lists the bucket's whole snapshots, oldest first.
func (c *Cluster) Snapshots(ctx context.Context) ([]Snapshot, error) {
	infos, err := c.snaps.List(ctx)
	if errors.Is(err, jetstream.ErrNoObjectsFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cluster: list snapshots: %w", err)
	}
	var out []Snapshot
	for _, in := range infos {
		seq, ok := strings.CutPrefix(in.Name, snapPrefix)
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(seq, 10, 64)
		if err != nil {
			continue
		}
		out = append(out, Snapshot{Name: in.Name, Applied: n, Size: in.Size, Written: in.ModTime})
	}
	slices.SortFunc(out, func(a, b Snapshot) int { return cmpU(a.Applied, b.Applied) })
	return out, nil
}

func cmpU(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Fetch hands the snapshot's bytes to read, which must consume them; the
// object store checks their digest at the end, so read's work is whole
// only if Fetch returns nil.
func (c *Cluster) Fetch(ctx context.Context, s Snapshot, read func(io.Reader) error) error {
	obj, err := c.snaps.Get(ctx, s.Name)
	if err != nil {
		return fmt.Errorf("cluster: fetch snapshot %s: %w", s.Name, err)
	}
	defer obj.Close()
	if err := read(obj); err != nil {
		return fmt.Errorf("cluster: restore snapshot %s: %w", s.Name, err)
	}
	// The digest is checked as the last byte is read.
	if _, err := io.Copy(io.Discard, obj); err != nil {
		return fmt.Errorf("cluster: snapshot %s: %w", s.Name, err)
	}
	return nil
}

// Take writes a snapshot: write must write a consistent backup to w and
// return the last sequence it holds. The object is named for that
// sequence only once it is whole, so a reader never sees half of one.
func (c *Cluster) Take(ctx context.Context, node string, write func(io.Writer) (uint64, error)) (Snapshot, error) {
	tmp := fmt.Sprintf("%s%s-%d", partialPrefix, node, time.Now().UnixNano())
	pr, pw := io.Pipe()
	var applied uint64
	go func() {
		var err error
		applied, err = write(pw)
		pw.CloseWithError(err)
	}()
	info, err := c.snaps.Put(ctx, jetstream.ObjectMeta{Name: tmp, Description: "being written by " + node}, pr)
	_ = pr.CloseWithError(errors.New("cluster: the snapshot's upload stopped"))
	if err != nil {
		_ = c.snaps.Delete(context.WithoutCancel(ctx), tmp)
		return Snapshot{}, fmt.Errorf("cluster: write snapshot: %w", err)
	}
	name := snapName(applied)
	err = c.rename(ctx, tmp, jetstream.ObjectMeta{Name: name, Description: "written by " + node,
		Metadata: map[string]string{"applied": strconv.FormatUint(applied, 10)}})
	if err != nil {
		_ = c.snaps.Delete(context.WithoutCancel(ctx), tmp)
		if errors.Is(err, jetstream.ErrObjectAlreadyExists) {
			return Snapshot{Name: name, Applied: applied}, nil // another node's, as good
		}
		return Snapshot{}, fmt.Errorf("cluster: name snapshot %s: %w", name, err)
	}
	return Snapshot{Name: name, Applied: applied, Size: info.Size, Written: info.ModTime}, nil
}

// renameTries bounds the renames of a snapshot just written that find it
// missing, renameWait apart.
const (
	renameTries = 20
	renameWait  = 100 * time.Millisecond
)

// rename gives the partial object tmp its snapshot name. The object store
// reads an object's meta with a direct get, which any replica may answer,
// so a rename right after the upload can be answered by a replica that
// has not yet stored it, and reports the object deleted (seen once in a
// three-node test, as one node was paused: that round wrote no
// snapshot). The upload was acknowledged by a quorum and the replicas
// catch up, so ask again for a couple of seconds.
func (c *Cluster) rename(ctx context.Context, tmp string, meta jetstream.ObjectMeta) error {
	var err error
	for range renameTries {
		if err = c.snaps.UpdateMeta(ctx, tmp, meta); !errors.Is(err, jetstream.ErrUpdateMetaDeleted) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(renameWait):
		}
	}
	return err
}

// Prune keeps the newest keep snapshots, deletes the others and partial
// ones older than stale, and purges the stream below the oldest kept: the
// log keeps every entry a node restoring any kept snapshot needs.
func (c *Cluster) Prune(ctx context.Context, keep int, stale time.Duration) error {
	snaps, err := c.Snapshots(ctx)
	if err != nil {
		return err
	}
	if infos, err := c.snaps.List(ctx); err == nil {
		for _, in := range infos {
			if strings.HasPrefix(in.Name, partialPrefix) && time.Since(in.ModTime) > stale {
				_ = c.snaps.Delete(ctx, in.Name)
			}
		}
	}
	keep = max(keep, 1)
	// Until keep snapshots exist the log is not purged: below the first
	// one alone, a follower a few entries behind it (a reader restarting,
	// a busy moment) would find its next entries gone and have to start
	// again from the snapshot. With keep of them the log reaches back
	// keep-1 rounds.
	if len(snaps) < keep {
		return nil
	}
	for len(snaps) > keep {
		if err := c.snaps.Delete(ctx, snaps[0].Name); err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) {
			return fmt.Errorf("cluster: delete snapshot %s: %w", snaps[0].Name, err)
		}
		snaps = snaps[1:]
	}
	// Purge keeps the sequence it is given and removes the ones before.
	if err := c.stream.Purge(ctx, jetstream.WithPurgeSequence(snaps[0].Applied+1)); err != nil {
		return fmt.Errorf("cluster: purge the log below %d: %w", snaps[0].Applied+1, err)
	}
	return nil
}

// Snapshotting configures the periodic snapshots.
type Snapshotting struct {
	Node  string
	Every time.Duration
	Keep  int
	// Write writes a consistent backup and returns the sequence it holds.
	Write func(io.Writer) (uint64, error)
	// Applied is the node's applied sequence: a node with nothing new
	// since the newest snapshot writes none.
	Applied func() uint64
	Log     zerolog.Logger
}

// Snapshotter writes snapshots every so often; of the nodes, the one that
// takes the lease for the round writes it.
type Snapshotter struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// Snapshot starts the periodic snapshots.
func (c *Cluster) Snapshot(s Snapshotting) *Snapshotter {
	ctx, cancel := context.WithCancel(context.Background())
	sn := &Snapshotter{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(sn.done)
		t := time.NewTicker(s.Every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if err := c.round(ctx, s); err != nil && ctx.Err() == nil {
				s.Log.Warn().Err(err).Msg("snapshot")
			}
		}
	}()
	return sn
}

// Stop stops the snapshots, waiting for one being written.
func (s *Snapshotter) Stop() {
	s.cancel()
	<-s.done
}

// round writes a snapshot if this node takes the round's lease and holds
// something newer than the newest snapshot.
func (c *Cluster) round(ctx context.Context, s Snapshotting) error {
	snaps, err := c.Snapshots(ctx)
	if err != nil {
		return err
	}
	if len(snaps) > 0 && snaps[len(snaps)-1].Applied >= s.Applied() {
		return nil
	}
	// The lease lives a minute (the bucket's TTL) or until deleted: one
	// node writes at a time.
	if _, err := c.lease.Create(ctx, "writer", []byte(s.Node)); err != nil {
		if errors.Is(err, jetstream.ErrKeyExists) {
			return nil
		}
		return fmt.Errorf("cluster: snapshot lease: %w", err)
	}
	defer func() { _ = c.lease.Delete(context.WithoutCancel(ctx), "writer") }()
	start := time.Now()
	snap, err := c.Take(ctx, s.Node, s.Write)
	if err != nil {
		return err
	}
	s.Log.Info().Uint64("applied", snap.Applied).Uint64("bytes", snap.Size).Dur("took", time.Since(start)).Msg("snapshot written")
	return c.Prune(ctx, s.Keep, 2*s.Every+time.Hour)
}
