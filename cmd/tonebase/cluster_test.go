package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

type digestReply struct {
	Rows    int64  `json:"rows"`
	Digest  string `json:"digest"`
	Applied uint64 `json:"applied"`
}

func digestOf(t *testing.T, s *testServer, cid, dbid int64) (digestReply, int) {
	t.Helper()
	r := s.admin("GET", fmt.Sprintf("/admin/api/clients/%d/databases/%d/digest", cid, dbid), "")
	var d digestReply
	if r.status == 200 {
		r.json(t, &d)
	}
	return d, r.status
}

// singleNode is the cluster mode of one node with its own NATS and the
// log at one replica.
func singleNode(c *serveConfig) {
	c.Cluster = clusterConfig{Name: "tb", Node: "n1", NATSListen: "127.0.0.1:0", Replicas: 1, AppendTimeout: 5 * time.Second,
		StartTimeout: 30 * time.Second, SnapshotEvery: time.Hour, SnapshotKeep: 2}
}

// TestClusterSingleNode runs the wired service in cluster mode with one
// node: writes go through the log and answer once applied, and /healthz
// says where the node is.
func TestClusterSingleNode(t *testing.T) {
	s := startServer(t, singleNode)
	c := s.newClient("Solo")
	dbid := s.newDatabase(c.CID)
	if r := s.upload("POST", c, dbid, `[{"colA":"123456","colB":"01021990","colC":"£12.50"}]`); r.status != 200 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	if r := s.lookup(c, c.CID, dbid, "ref1=123456&ref2=01021990"); r.status != 200 || !strings.Contains(string(r.body), "12.50") {
		t.Fatalf("lookup: %d %s", r.status, r.body)
	}
	d, status := digestOf(t, s, c.CID, dbid)
	if status != 200 || d.Rows != 1 || len(d.Digest) != 64 || d.Applied == 0 {
		t.Fatalf("digest: %d %+v", status, d)
	}
	var h map[string]any
	s.do("GET", "/healthz", "", nil).json(t, &h)
	if h["node"] != "n1" || h["writes"] != "ok" || h["status"] != "ok" || h["applied"].(float64) < float64(d.Applied) {
		t.Fatalf("healthz %v", h)
	}
	m := string(s.do("GET", "/metrics", "", nil).body)
	for _, want := range []string{"tonebase_cluster_lag_entries{node=\"n1\"} 0", "tonebase_cluster_applying{node=\"n1\"} 1", "tonebase_cluster_apply_delay_seconds_count{node=\"n1\"}"} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
