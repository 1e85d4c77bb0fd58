package cluster

import (
	"context"
	"fmt"
)

// CatchUp says whether a node must restore a snapshot before it follows
// the log, and which: one with no store, or whose store is behind the
// log's first entry (the entries it lacks were purged), starts from the
// newest. A node with no store and a log that was never purged replays it
// all.
func (c *Cluster) CatchUp(ctx context.Context, hasStore bool, applied uint64) (Snapshot, bool, error) {
	st, err := c.State(ctx)
	if err != nil {
		return Snapshot{}, false, err
	}
	purged := st.First > 1
	if hasStore && (!purged || applied+1 >= st.First) {
		return Snapshot{}, false, nil
	}
	snaps, err := c.Snapshots(ctx)
	if err != nil {
		return Snapshot{}, false, err
	}
	if len(snaps) == 0 {
		if !purged {
			return Snapshot{}, false, nil
		}
		return Snapshot{}, false, fmt.Errorf("cluster: the log starts at entry %d and the bucket %s holds no snapshot to start from", st.First, SnapshotBucket)
	}
	newest := snaps[len(snaps)-1]
	if hasStore && newest.Applied <= applied {
		return Snapshot{}, false, nil
	}
	return newest, true, nil
}
