package bench

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ClusterReport is what the cluster harness measured, in one run.
type ClusterReport struct {
	Rows int
	// Signed ingest of Rows into a server alone (no log), and into one
	// node writing through a log of one replica.
	Embedded, LogR1 float64 // rows/s
	// In a cluster of three on R3: the upload's rate on the node it was
	// sent to, and the rows per second a follower applied, from the
	// upload's start until it had applied the last of them.
	IngestR3, FollowerApply float64
	// Lag of the followers, sampled every 50 ms during a second upload of
	// Rows into another database: in log entries behind the log's end,
	// and in time from the publish to the apply of the entry a follower
	// applied last (its tonebase_cluster_lag_seconds).
	LagP99, LagMax         uint64
	LagTimeP99, LagTimeMax time.Duration
	// Lookups on a follower during that upload.
	During Stats
	// A fourth node started with an empty folder: how long until it had
	// applied everything the others had.
	CatchUp     time.Duration
	CatchUpRows int64
	Args        string
}

// Ratio is the log's ingest (R1) as a share of the embedded mode's.
func (r ClusterReport) Ratio() float64 { return r.LogR1 / r.Embedded }

// clusterNode is a tonebase process of a test cluster and its addresses.
type clusterNode struct {
	*Process
	name, data, nats, route string
}

// health is the part of /healthz the harness reads.
type health struct {
	Node    string `json:"node"`
	Applied uint64 `json:"applied"`
	Lag     uint64 `json:"lag"`
	Writes  string `json:"writes"`
}

func (n *clusterNode) health() (health, error) {
	var h health
	resp, err := http.Get("http://" + n.Addr + "/healthz")
	if err != nil {
		return h, err
	}
	defer resp.Body.Close()
	err = json.NewDecoder(resp.Body).Decode(&h)
	return h, err
}

// applyDelay is the node's tonebase_cluster_lag_seconds: publish to
// apply of the entry it applied last.
func (n *clusterNode) applyDelay() (time.Duration, error) {
	resp, err := http.Get("http://" + n.Addr + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "tonebase_cluster_lag_seconds"); ok {
			f := strings.Fields(rest)
			if len(f) == 0 {
				break
			}
			sec, err := strconv.ParseFloat(f[len(f)-1], 64)
			if err != nil {
				return 0, err
			}
			return time.Duration(sec * float64(time.Second)), nil
		}
	}
	return 0, fmt.Errorf("bench: node %s: no tonebase_cluster_lag_seconds in /metrics", n.name)
}

// startCluster starts one tonebase per name, in its own folder under
// work, with its embedded NATS server routed to the others'. Every node
// starts with the default flags but for the cluster's, one master key and
// extra; they start at once, since each waits for the others' JetStream.
func startCluster(work, bin, token, keyFile string, names []string, peers []string, replicas int, extra ...string) ([]*clusterNode, error) {
	nodes := make([]*clusterNode, len(names))
	for i, name := range names {
		nats, err := FreeAddr()
		if err != nil {
			return nil, err
		}
		route, err := FreeAddr()
		if err != nil {
			return nil, err
		}
		nodes[i] = &clusterNode{name: name, data: filepath.Join(work, name), nats: nats, route: route}
	}
	routes := slices.Clone(peers)
	for _, n := range nodes {
		routes = append(routes, "nats://"+n.route)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(nodes))
	for i, n := range nodes {
		args := []string{"--master-key-file", keyFile, "--node-name", n.name, "--nats-listen", n.nats,
			"--log-replicas", fmt.Sprint(replicas)}
		if len(names)+len(peers) > 1 {
			var others []string
			for _, r := range routes {
				if r != "nats://"+n.route {
					others = append(others, r)
				}
			}
			args = append(args, "--cluster-listen", n.route, "--routes", strings.Join(others, ","))
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			n.Process, errs[i] = StartTonebase(bin, n.data, token, append(args, extra...)...)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			stopNodes(nodes)
			return nil, fmt.Errorf("bench: node %s: %w", names[i], err)
		}
	}
	return nodes, nil
}

func stopNodes(nodes []*clusterNode) {
	for _, n := range nodes {
		if n != nil && n.Process != nil {
			n.Stop()
		}
	}
}

// writeMasterKey writes a fresh master key where every node reads it.
func writeMasterKey(work string) (string, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return "", err
	}
	path := filepath.Join(work, "master.key")
	return path, os.WriteFile(path, []byte(hex.EncodeToString(key)+"\n"), 0o600)
}

// waitApplied waits until every node has applied at least seq.
func waitApplied(nodes []*clusterNode, seq uint64, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for _, n := range nodes {
		for {
			h, err := n.health()
			if err == nil && h.Applied >= seq {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("bench: node %s at %d of %d after %v (%v)", n.name, h.Applied, seq, limit, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return nil
}

// Cluster measures issue 23's figures on this machine, each against the
// others of the same run: signed ingest alone and through a log of one
// replica; in a cluster of three, the ingest, a follower's apply rate, its
// lag and its lookups during an upload; and a fourth, empty node's catch-up.
func Cluster(w io.Writer, work, bin string, probe Prober, rows, batch, inflight, rate, conns int) (ClusterReport, error) {
	const token = "bench-admin-token-0123456789"
	r := ClusterReport{Rows: rows}
	keyFile, err := writeMasterKey(work)
	if err != nil {
		return r, err
	}
	ingest := func(dir string, args ...string) (float64, error) {
		defer os.RemoveAll(dir)
		p, err := StartTonebase(bin, dir, token, append([]string{"--master-key-file", keyFile}, args...)...)
		if err != nil {
			return 0, err
		}
		defer p.Stop()
		t, err := Setup(p.Addr, token)
		if err != nil {
			return 0, err
		}
		st, n, err := Upload(p.Addr, t.CID, t.DBID, Batches(t.CID, t.DBID, t.UploadPassword, 0, rows, batch), inflight)
		if err != nil {
			return 0, err
		}
		return float64(n) / st.Elapsed.Seconds(), nil
	}
	if r.Embedded, err = ingest(filepath.Join(work, "embedded")); err != nil {
		return r, err
	}
	fmt.Fprintf(w, "embedded ingest   %8.0f rows/s\n", r.Embedded)
	nats, err := FreeAddr()
	if err != nil {
		return r, err
	}
	if r.LogR1, err = ingest(filepath.Join(work, "r1"), "--node-name", "n1", "--nats-listen", nats, "--log-replicas", "1"); err != nil {
		return r, err
	}
	fmt.Fprintf(w, "log R1 ingest     %8.0f rows/s  (%.2f of embedded)\n", r.LogR1, r.Ratio())

	nodes, err := startCluster(work, bin, token, keyFile, []string{"n1", "n2", "n3"}, nil, 3)
	if err != nil {
		return r, err
	}
	defer func() { stopNodes(nodes) }()
	r.Args = nodes[0].Args()
	t, err := Setup(nodes[0].Addr, token)
	if err != nil {
		return r, err
	}
	h, err := nodes[0].health()
	if err != nil {
		return r, err
	}
	if err := waitApplied(nodes, h.Applied, time.Minute); err != nil {
		return r, err
	}
	start := time.Now()
	st, n, err := Upload(nodes[0].Addr, t.CID, t.DBID, Batches(t.CID, t.DBID, t.UploadPassword, 0, rows, batch), inflight)
	if err != nil {
		return r, err
	}
	r.IngestR3 = float64(n) / st.Elapsed.Seconds()
	if h, err = nodes[0].health(); err != nil {
		return r, err
	}
	if err := waitApplied(nodes[1:], h.Applied, 10*time.Minute); err != nil {
		return r, err
	}
	r.FollowerApply = float64(n) / time.Since(start).Seconds()
	fmt.Fprintf(w, "R3 ingest         %8.0f rows/s on n1; followers applied %.0f rows/s\n", r.IngestR3, r.FollowerApply)

	time.Sleep(3 * time.Second) // the first upload's flushes and compactions settle
	var lags []uint64
	var delays []time.Duration
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				for _, f := range nodes[1:] {
					if h, err := f.health(); err == nil {
						lags = append(lags, h.Lag)
					}
					if d, err := f.applyDelay(); err == nil {
						delays = append(delays, d)
					}
				}
			}
		}
	}()
	fmt.Fprintf(w, "the lookups on n2 are sent from %v\n", probe)
	during, upRate, err := DuringUpload(nodes[0].Addr, token, t, probe, ProbeSpec{Addr: nodes[1].Addr, Tenant: t, Rows: rows, Rate: rate, Conns: conns},
		rows, batch, inflight, nil)
	close(stop)
	<-sampled
	if err != nil {
		return r, err
	}
	r.During = during
	slices.Sort(lags)
	if len(lags) > 0 {
		r.LagP99, r.LagMax = lags[len(lags)*99/100], lags[len(lags)-1]
	}
	slices.Sort(delays)
	if len(delays) > 0 {
		r.LagTimeP99, r.LagTimeMax = delays[len(delays)*99/100], delays[len(delays)-1]
	}
	fmt.Fprintf(w, "during a second upload (%.0f rows/s): follower lag p99 %d entries, %v (max %d, %v); lookups on n2 at %d/s: %s\n",
		upRate, r.LagP99, r.LagTimeP99.Round(time.Millisecond), r.LagMax, r.LagTimeMax.Round(time.Millisecond), rate, during)

	if h, err = nodes[0].health(); err != nil {
		return r, err
	}
	var peers []string
	for _, n := range nodes {
		peers = append(peers, "nats://"+n.route)
	}
	begin := time.Now()
	fourth, err := startCluster(work, bin, token, keyFile, []string{"n4"}, peers, 3)
	if err != nil {
		return r, err
	}
	nodes = append(nodes, fourth...)
	if err := waitApplied(fourth, h.Applied, 10*time.Minute); err != nil {
		return r, err
	}
	r.CatchUp, r.CatchUpRows = time.Since(begin), int64(2*rows)
	fmt.Fprintf(w, "an empty fourth node caught up %d rows in %v (start included)\n", r.CatchUpRows, r.CatchUp.Round(time.Millisecond))
	return r, nil
}
