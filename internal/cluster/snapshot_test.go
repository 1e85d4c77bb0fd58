package cluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
)

func TestSnapshots(t *testing.T) {
	c := open(t, startNode(t).URL(), 1)
	ctx := context.Background()
	l := c.Log()
	body := func(seq uint64) []byte { return bytes.Repeat(fmt.Appendf(nil, "state at %d;", seq), 50_000) }
	for _, at := range []uint64{3, 6, 9} {
		for c.mustState(t).Last < at {
			if _, err := l.Append([]byte("e")); err != nil {
				t.Fatal(err)
			}
		}
		snap, err := c.Take(ctx, "n1", func(w io.Writer) (uint64, error) {
			_, err := w.Write(body(at))
			return at, err
		})
		if err != nil || snap.Applied != at {
			t.Fatalf("take at %d: %+v, %v", at, snap, err)
		}
	}
	snaps, err := c.Snapshots(ctx)
	if err != nil || len(snaps) != 3 || snaps[0].Applied != 3 || snaps[2].Applied != 9 {
		t.Fatalf("snapshots %+v, %v", snaps, err)
	}
	// Fewer snapshots than it keeps: nothing is pruned, the log is whole.
	if err := c.Prune(ctx, 4, time.Hour); err != nil {
		t.Fatal(err)
	}
	if st := c.mustState(t); st.First != 1 {
		t.Fatalf("with 3 snapshots of 4 kept the log starts at %d, want 1", st.First)
	}
	var got []byte
	if err := c.Fetch(ctx, snaps[2], func(r io.Reader) error {
		var err error
		got, err = io.ReadAll(r)
		return err
	}); err != nil || !bytes.Equal(got, body(9)) {
		t.Fatalf("fetched %d bytes, %v", len(got), err)
	}
	if err := c.Prune(ctx, 2, time.Hour); err != nil {
		t.Fatal(err)
	}
	snaps, _ = c.Snapshots(ctx)
	if len(snaps) != 2 || snaps[0].Applied != 6 {
		t.Fatalf("after pruning to 2: %+v", snaps)
	}
	// The log keeps what a node restoring the oldest kept snapshot needs.
	if st := c.mustState(t); st.First != 7 || st.Last != 9 {
		t.Fatalf("the log holds %d..%d, want 7..9", st.First, st.Last)
	}
}

// TestSnapshotFailedWrite: a backup that fails leaves no snapshot behind.
func TestSnapshotFailedWrite(t *testing.T) {
	c := open(t, startNode(t).URL(), 1)
	ctx := context.Background()
	_, err := c.Take(ctx, "n1", func(w io.Writer) (uint64, error) {
		_, _ = w.Write([]byte("half"))
		return 0, fmt.Errorf("disk gone")
	})
	if err == nil {
		t.Fatal("a failed backup made a snapshot")
	}
	snaps, _ := c.Snapshots(ctx)
	infos, _ := c.snaps.List(ctx)
	if len(snaps) != 0 || len(infos) != 0 {
		t.Fatalf("left behind %+v / %d objects", snaps, len(infos))
	}
}

// TestSnapshotRound: a round writes a snapshot when there is something
// new, and only then.
func TestSnapshotRound(t *testing.T) {
	c := open(t, startNode(t).URL(), 1)
	ctx := context.Background()
	for range 4 {
		if _, err := c.Log().Append([]byte("e")); err != nil {
			t.Fatal(err)
		}
	}
	writes := 0
	s := Snapshotting{Node: "n1", Every: time.Minute, Keep: 1, Log: zerolog.Nop(), Applied: func() uint64 { return 4 },
		Write: func(w io.Writer) (uint64, error) { writes++; _, err := w.Write([]byte("x")); return 4, err }}
	for range 2 {
		if err := c.round(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if writes != 1 {
		t.Fatalf("%d snapshots written, want 1", writes)
	}
	if st := c.mustState(t); st.First != 5 {
		t.Fatalf("the log starts at %d after a snapshot at 4", st.First)
	}
}

func (c *Cluster) mustState(t *testing.T) StreamState {
	t.Helper()
	st, err := c.State(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestCatchUp(t *testing.T) {
	c := open(t, startNode(t).URL(), 1)
	ctx := context.Background()
	for range 6 {
		if _, err := c.Log().Append([]byte("e")); err != nil {
			t.Fatal(err)
		}
	}
	check := func(name string, has bool, applied uint64, want ...uint64) {
		t.Helper()
		snaps, err := c.CatchUp(ctx, has, applied)
		var got []uint64
		for _, s := range snaps {
			got = append(got, s.Applied)
		}
		if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: snapshots at %v (%v), want %v", name, got, err, want)
		}
	}
	check("empty folder, log whole", false, 0)
	check("a store, log whole", true, 2)
	for _, at := range []uint64{3, 4} {
		if _, err := c.Take(ctx, "n1", func(w io.Writer) (uint64, error) { _, err := w.Write([]byte("s")); return at, err }); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Prune(ctx, 2, time.Hour); err != nil {
		t.Fatal(err)
	}
	check("empty folder after a purge: both, newest first", false, 0, 4, 3)
	check("a store behind the log's start", true, 2, 4, 3)
	check("a store right at the log's start", true, 3)
	check("a store ahead", true, 6)
}

func TestShare(t *testing.T) {
	c := open(t, startNode(t).URL(), 1)
	ctx := context.Background()
	same := func(a, b []byte) (bool, error) { return bytes.Equal(a, b), nil }
	made := func() ([]byte, error) { return []byte("made"), nil }
	for _, tt := range []struct {
		name  string
		offer []byte
		want  string
		fails bool
	}{
		{"the first offer sets it", []byte("first"), "first", false},
		{"a node without one gets it", nil, "first", false},
		{"the same offer agrees", []byte("first"), "first", false},
		{"another is refused", []byte("other"), "", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Share(ctx, "secrets.key", tt.offer, made, same)
			if tt.fails != (err != nil) || string(got) != tt.want {
				t.Fatalf("got %q, %v", got, err)
			}
		})
	}
	if got, err := c.Share(ctx, "other", nil, made, same); err != nil || string(got) != "made" {
		t.Fatalf("nothing offered anywhere: %q, %v", got, err)
	}
}

// staleStore answers the first misses renames of an object as a replica
// that has not yet stored it does.
type staleStore struct {
	jetstream.ObjectStore
	misses  int
	renames int
}

func (s *staleStore) UpdateMeta(ctx context.Context, name string, meta jetstream.ObjectMeta) error {
	s.renames++
	if s.renames <= s.misses {
		return jetstream.ErrUpdateMetaDeleted
	}
	return s.ObjectStore.UpdateMeta(ctx, name, meta)
}

// TestSnapshotRenameAfterAStaleRead: a snapshot whose rename is first
// answered by a replica behind the upload is still named and kept; one
// the store keeps reporting missing fails without leaving a part behind.
func TestSnapshotRenameAfterAStaleRead(t *testing.T) {
	tests := []struct {
		name   string
		misses int
		ok     bool
	}{
		{"one stale answer", 1, true},
		{"a few", 5, true},
		{"never found", renameTries, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := open(t, startNode(t).URL(), 1)
			stale := &staleStore{ObjectStore: c.snaps, misses: tt.misses}
			c.snaps = stale
			ctx := context.Background()
			snap, err := c.Take(ctx, "n1", func(w io.Writer) (uint64, error) {
				_, err := w.Write([]byte("a whole backup"))
				return 7, err
			})
			snaps, _ := c.Snapshots(ctx)
			infos, _ := stale.ObjectStore.List(ctx)
			if !tt.ok {
				if err == nil || !errors.Is(err, jetstream.ErrUpdateMetaDeleted) || len(infos) != 0 {
					t.Fatalf("take: %+v, %v; objects left %d", snap, err, len(infos))
				}
				return
			}
			if err != nil || snap.Applied != 7 || len(snaps) != 1 || len(infos) != 1 {
				t.Fatalf("take after %d stale answers: %+v, %v; snapshots %+v, objects %d", tt.misses, snap, err, snaps, len(infos))
			}
		})
	}
}
