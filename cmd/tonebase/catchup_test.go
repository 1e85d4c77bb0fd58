package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/cluster"
	"github.com/tonebase/tonebase/internal/testkit"
)

// TestCatchUpFallsBack: an empty node whose newest snapshot does not
// restore (here: not a backup at all) starts from the one before it, which
// the log also covers, instead of failing to start.
func TestCatchUpFallsBack(t *testing.T) {
	srv, err := cluster.StartEmbedded(cluster.Embedded{NodeName: "n1", Listen: "127.0.0.1:0", Dir: t.TempDir(), Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	nc, err := cluster.Dial(cluster.Conn{URLs: srv.URL(), Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	c, err := cluster.Open(context.Background(), nc, cluster.Config{Replicas: 1, AppendTimeout: 5 * time.Second, StartTimeout: 30 * time.Second, Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for range 6 {
		if _, err := c.Log().Append([]byte("entry")); err != nil {
			t.Fatal(err)
		}
	}

	// A store with a row, backed up as a node's snapshot at entry 3.
	from := t.TempDir()
	if err := os.WriteFile(filepath.Join(from, "secrets.key"), []byte("the cluster's secrets key"), 0o600); err != nil {
		t.Fatal(err)
	}
	store, err := columndb.Open(columndb.Options{Dir: filepath.Join(from, "db")})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.PutDoc("test", "k", map[string]string{"v": "restored"}, false); err != nil {
		t.Fatal(err)
	}
	write := snapshotWriter(store, nil, readSnapshotFiles(from))
	ctx := context.Background()
	if _, err := c.Take(ctx, "n1", func(w io.Writer) (uint64, error) { _, err := write(w); return 3, err }); err != nil {
		t.Fatal(err)
	}
	_ = store.Close()
	// A newer one that is not a backup, and the log purged below both.
	if _, err := c.Take(ctx, "n1", func(w io.Writer) (uint64, error) { _, err := w.Write([]byte("not a backup")); return 4, err }); err != nil {
		t.Fatal(err)
	}
	if err := c.Prune(ctx, 2, time.Hour); err != nil {
		t.Fatal(err)
	}

	data := t.TempDir()
	if err := os.WriteFile(filepath.Join(data, "secrets.key"), []byte("the cluster's secrets key"), 0o600); err != nil {
		t.Fatal(err)
	}
	var log testkit.SyncBuffer
	n := &clusterNode{cfg: clusterConfig{Node: "n2"}, log: zerolog.New(&log), c: c}
	if err := n.catchUp(data, nil, nil); err != nil {
		t.Fatalf("catch up: %v\n%s", err, log.String())
	}
	if !strings.Contains(log.String(), "this snapshot did not restore; trying the next") {
		t.Fatalf("the newest snapshot restored, or its failure was not logged:\n%s", log.String())
	}
	restored, err := columndb.Open(columndb.Options{Dir: filepath.Join(data, "db")})
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	var doc map[string]string
	if err := restored.GetDoc("test", "k", &doc); err != nil || doc["v"] != "restored" {
		t.Fatalf("the restored store holds %v, %v", doc, err)
	}
	if _, err := os.Stat(filepath.Join(data, restoringSnapshot)); !os.IsNotExist(err) {
		t.Fatalf("the failed restore's folder is left: %v", err)
	}
}
