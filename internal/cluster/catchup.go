package cluster

import (
	"context"
	"errors"
	"fmt"
)

// ErrNoSnapshot is a node that needs a snapshot where the cluster keeps
// none: waiting does not mend it.
var ErrNoSnapshot = errors.New("cluster: no snapshot to start from")

// CatchUp says whether a node must restore a snapshot before it follows
// the log, and from which: one with no store, or whose store is behind the
// log's first entry (the entries it lacks were purged), starts from a
// snapshot. It returns the snapshots that would do, newest first, none
// when the node can follow the log as it is. Any of them will do: the log
// keeps every entry after the oldest, so a node that cannot read the
// newest starts from the next. A node with no store and a log that was
// never purged replays it all.
func (c *Cluster) CatchUp(ctx context.Context, hasStore bool, applied uint64) ([]Snapshot, error) {
	st, err := c.State(ctx)
	if err != nil {
		return nil, err
	}
	purged := st.First > 1
	if hasStore && (!purged || applied+1 >= st.First) {
		return nil, nil
	}
	snaps, err := c.Snapshots(ctx)
	if err != nil {
		return nil, err
	}
	if len(snaps) == 0 {
		if !purged {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: the log starts at entry %d and the bucket %s holds no snapshot to start from", ErrNoSnapshot, st.First, SnapshotBucket)
	}
	var out []Snapshot
	for i := len(snaps) - 1; i >= 0; i-- {
		if s := snaps[i]; (!hasStore || s.Applied > applied) && s.Applied+1 >= st.First {
			out = append(out, s)
		}
	}
	return out, nil
}
