package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// scCluster is the scenario tests' cluster: real tonebase processes built
// from this package, each with its own data folder and embedded NATS
// server, sharing one master key file and one admin token.
type scCluster struct {
	bin, root, key, token string
	extra                 []string // flags every node takes
	nodes                 []*scNode
}

// scNode is one tonebase serve process of the cluster.
type scNode struct {
	name, addr, data, natsAddr, clusterAddr, logPath string
	args                                             []string
	mu                                               sync.Mutex
	cmd                                              *exec.Cmd
	exited                                           chan struct{}
}

// buildTonebase builds the tonebase binary once, without the race
// detector the tests may run under: the processes are what an operator runs.
func buildTonebase(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "tonebase")
	start := time.Now()
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built tonebase in %v", time.Since(start).Round(time.Millisecond))
	return bin
}

// newSCCluster makes (but does not start) n nodes routed to one another.
func newSCCluster(t *testing.T, n int, extra ...string) *scCluster {
	t.Helper()
	c := &scCluster{bin: buildTonebase(t), root: t.TempDir(), token: "cluster-scenarios-admin-token-0123", extra: extra}
	c.key = writeMasterKey(t, 0x5c)
	for i := range n {
		c.nodes = append(c.nodes, c.newNode(t, fmt.Sprintf("n%d", i+1)))
	}
	for _, nd := range c.nodes {
		c.setArgs(nd)
	}
	t.Cleanup(func() {
		var wg sync.WaitGroup
		for _, nd := range c.nodes {
			wg.Go(func() { nd.stop(t) })
		}
		wg.Wait()
		if t.Failed() {
			for _, nd := range c.nodes {
				t.Logf("%s's log (last lines):\n%s", nd.name, nd.logTail(4000))
			}
		}
	})
	return c
}

func (c *scCluster) newNode(t *testing.T, name string) *scNode {
	return &scNode{name: name, addr: freeAddr(t), natsAddr: freeAddr(t), clusterAddr: freeAddr(t),
		data: filepath.Join(c.root, name), logPath: filepath.Join(c.root, name+".log")}
}

// setArgs gives a node its flags, its routes being every other node's
// cluster address known now.
func (c *scCluster) setArgs(nd *scNode) {
	var routes []string
	for _, o := range c.nodes {
		if o != nd {
			routes = append(routes, "nats://"+o.clusterAddr)
		}
	}
	nd.args = append([]string{"serve", "--addr", nd.addr, "--data", nd.data, "--admin-token", c.token,
		"--master-key-file", c.key, "--log-format", "json", "--access-log=false",
		"--row-cache-mb", "64", "--memory-limit", "512", "--min-free-mb", "0",
		"--cluster-name", "tb", "--node-name", nd.name, "--nats-listen", nd.natsAddr,
		"--cluster-listen", nd.clusterAddr, "--routes", strings.Join(routes, ",")}, c.extra...)
}

// join adds a node with an empty folder to the running cluster.
func (c *scCluster) join(t *testing.T, name string) *scNode {
	t.Helper()
	nd := c.newNode(t, name)
	c.nodes = append(c.nodes, nd)
	c.setArgs(nd)
	nd.start(t, c.bin)
	return nd
}

// startAll starts every node that is not running and waits for all to be
// healthy: nodes of a cluster become healthy only together.
func (c *scCluster) startAll(t *testing.T) {
	t.Helper()
	for _, nd := range c.nodes {
		if !nd.running() {
			nd.start(t, c.bin)
		}
	}
	for _, nd := range c.nodes {
		nd.waitHealthy(t, 120*time.Second)
	}
}

// api is a node's HTTP side for the e2e tests' helpers.
func (c *scCluster) api(t *testing.T, nd *scNode) *testServer {
	return &testServer{t: t, base: "http://" + nd.addr, token: c.token}
}

func (nd *scNode) running() bool {
	nd.mu.Lock()
	defer nd.mu.Unlock()
	if nd.cmd == nil {
		return false
	}
	select {
	case <-nd.exited:
		return false
	default:
		return true
	}
}

func (nd *scNode) start(t *testing.T, bin string) {
	t.Helper()
	f, err := os.OpenFile(nd.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "=== start %s\n", time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(bin, nd.args...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		_ = f.Close()
		t.Fatalf("start %s: %v", nd.name, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		_ = f.Close()
		close(exited)
	}()
	nd.mu.Lock()
	nd.cmd, nd.exited = cmd, exited
	nd.mu.Unlock()
}

// stop sends SIGTERM and waits for the process, killing it after 45 s.
func (nd *scNode) stop(t *testing.T) {
	nd.signal(t, syscall.SIGTERM, 45*time.Second)
}

// kill ends the process with SIGKILL, as a power cut would.
func (nd *scNode) kill(t *testing.T) {
	nd.signal(t, syscall.SIGKILL, 10*time.Second)
}

func (nd *scNode) signal(t *testing.T, sig syscall.Signal, within time.Duration) {
	nd.mu.Lock()
	cmd, exited := nd.cmd, nd.exited
	nd.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-exited:
	case <-time.After(within):
		t.Errorf("%s did not exit within %v of %v; killing it", nd.name, within, sig)
		_ = cmd.Process.Kill()
		<-exited
	}
}

// health answers /healthz's status and JSON; 0 when the node does not answer.
func (nd *scNode) health() (int, scHealth) {
	var h scHealth
	r, err := scGet("http://"+nd.addr+"/healthz", nil)
	if err != nil {
		return 0, h
	}
	_ = json.Unmarshal(r.body, &h)
	return r.status, h
}

type scHealth struct {
	Status  string `json:"status"`
	Node    string `json:"node"`
	Applied uint64 `json:"applied"`
	Lag     uint64 `json:"lag"`
	Writes  string `json:"writes"`
	Error   string `json:"error"`
}

func (nd *scNode) waitHealthy(t *testing.T, within time.Duration) scHealth {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if status, h := nd.health(); status == 200 {
			return h
		}
		if !nd.running() {
			t.Fatalf("%s exited while starting; its log:\n%s", nd.name, nd.logTail(4000))
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s was not healthy within %v; its log:\n%s\nwhere it was:\n%s", nd.name, within, nd.logTail(4000), nd.stuck(t))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitApplied waits for every node given to have applied the log up to
// at least seq.
func waitApplied(t *testing.T, seq uint64, within time.Duration, nodes ...*scNode) {
	t.Helper()
	deadline := time.Now().Add(within)
	for _, nd := range nodes {
		for {
			status, h := nd.health()
			if status == 200 && h.Applied >= seq {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s did not apply up to %d within %v: %d %+v", nd.name, seq, within, status, h)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// applied is the node's place in the log, from /healthz.
func (nd *scNode) applied(t *testing.T) uint64 {
	t.Helper()
	status, h := nd.health()
	if status != 200 {
		t.Fatalf("%s's /healthz: %d", nd.name, status)
	}
	return h.Applied
}

// stuck ends a node that does not answer with SIGQUIT, which makes the Go
// runtime write every goroutine's stack to its log, and returns the main
// goroutine's.
func (nd *scNode) stuck(t *testing.T) string {
	nd.signal(t, syscall.SIGQUIT, 10*time.Second)
	b, _ := os.ReadFile(nd.logPath)
	s := string(b)
	i := strings.LastIndex(s, "\ngoroutine 1 ")
	if i < 0 {
		return "(no stacks in the log)"
	}
	s = s[i+1:]
	if j := strings.Index(s, "\n\n"); j > 0 {
		s = s[:j]
	}
	return s
}

func (nd *scNode) logTail(n int) string {
	b, _ := os.ReadFile(nd.logPath)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// logLines are the node's JSON log lines whose message is msg.
func (nd *scNode) logLines(msg string) []map[string]any {
	f, err := os.Open(nd.logPath)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var line map[string]any
		if json.Unmarshal(sc.Bytes(), &line) == nil && line["message"] == msg {
			out = append(out, line)
		}
	}
	return out
}

func scDo(method, url, body string, header map[string]string) (reply, error) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return reply{}, err
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	// Bounded: a node that is down or stalled fails the request, not the
	// test's wall time.
	resp, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: b}, err
}

func scGet(url string, header map[string]string) (reply, error) { return scDo("GET", url, "", header) }

// scUpload posts a signed upload to a node, failing neither the test nor
// the caller when the node is gone.
func scUpload(nd *scNode, c client, dbid int64, body string) (reply, error) {
	return scDo("POST", fmt.Sprintf("http://%s/cppdb/api/database?cid=%d&dbid=%d&Hash=%s", nd.addr, c.CID, dbid, signFor(c, dbid, body)),
		body, map[string]string{"Content-Type": "application/json"})
}

// scDigest is a node's digest of a database.
func (c *scCluster) digest(t *testing.T, nd *scNode, cid, dbid int64) (digestReply, int) {
	t.Helper()
	var d digestReply
	r, err := scGet(fmt.Sprintf("http://%s/admin/api/clients/%d/databases/%d/digest", nd.addr, cid, dbid),
		map[string]string{"Authorization": "Bearer " + c.token})
	if err != nil {
		return d, 0
	}
	if r.status == 200 {
		r.json(t, &d)
	}
	return d, r.status
}

// sameDigest waits for every node to have applied what from has, and
// checks they then hold the same rows with the same digest.
func (c *scCluster) sameDigest(t *testing.T, from *scNode, cid, dbid int64, within time.Duration, nodes ...*scNode) digestReply {
	t.Helper()
	want, status := c.digest(t, from, cid, dbid)
	if status != 200 {
		t.Fatalf("%s's digest: %d", from.name, status)
	}
	waitApplied(t, want.Applied, within, nodes...)
	for _, nd := range nodes {
		got, status := c.digest(t, nd, cid, dbid)
		if status != 200 || got.Rows != want.Rows || got.Digest != want.Digest {
			t.Errorf("%s's digest: %d %+v; %s's %+v", nd.name, status, got, from.name, want)
		}
	}
	return want
}
