package main

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

// scBehind pauses n3 (SIGSTOP: its process and its NATS server) while the
// others take writes and write snapshots until the log is purged past
// n3's place, then lets it go on. A node that finds the entries after its
// store gone must stop serving and exit with the reason, and a start
// catches it up from a snapshot, as a service manager would start it.
func scBehind(t *testing.T, c *scCluster, cl client, dbid int64) {
	n1, n3 := c.nodes[0], c.nodes[2]
	at := n3.applied(t)
	keep := 3 // --snapshot-keep's default
	n3.send(t, syscall.SIGSTOP)
	pausedAt := time.Now()
	paused := true
	defer func() {
		if paused {
			n3.send(t, syscall.SIGCONT)
		}
	}()

	// Writes between snapshot rounds (--snapshot-every 10s): a round writes
	// one only if there is something new, and once keep of them are past
	// n3's place the log is purged below the oldest.
	const first = 960_000
	deadline := time.Now().Add(120 * time.Second)
	for i := 0; ; i++ {
		if r, err := scUpload(n1, cl, dbid, scRowsBody(first+10*i, 10)); err != nil || r.status != 200 {
			t.Fatalf("an upload with n3 paused: %d %v %s", r.status, err, r.body)
		}
		if snapshotsPast(c, at) >= keep {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d snapshots past n3's entry %d within 120 s, want %d", snapshotsPast(c, at), at, keep)
		}
		time.Sleep(time.Second)
	}
	t.Logf("%d snapshots past n3's entry %d, %v after the pause", keep, at, time.Since(pausedAt).Round(time.Millisecond))
	// The purge follows the round's snapshot at once.
	time.Sleep(2 * time.Second)

	n3.send(t, syscall.SIGCONT)
	paused = false
	resumed := time.Now()
	select {
	case <-n3.exitedCh():
		t.Logf("n3 exited %v after it went on", time.Since(resumed).Round(time.Millisecond))
	case <-time.After(60 * time.Second):
		t.Fatalf("n3 did not exit within 60 s of going on behind the log's start; its log ends:\n%s", n3.logTail(3000))
	}
	if code := n3.exitCode(); code == 0 {
		t.Errorf("n3 exited with status 0, want a failure for its service manager to restart it")
	}
	if tail := n3.logTail(20000); !strings.Contains(tail, "fell behind the start of the cluster's log") {
		t.Errorf("n3's log does not say why it stopped; it ends:\n%s", n3.logTail(3000))
	}

	restoredBefore := len(n3.logLines("snapshot restored"))
	n3.start(t, c.bin)
	restarted := time.Now()
	n3.waitHealthy(t, 120*time.Second)
	waitApplied(t, n1.applied(t), 60*time.Second, n3)
	t.Logf("n3 started again and caught up in %v", time.Since(restarted).Round(time.Millisecond))
	if len(n3.logLines("snapshot restored")) <= restoredBefore {
		t.Errorf("n3 caught up without restoring a snapshot")
	}
	c.sameDigest(t, n1, cl.CID, dbid, 60*time.Second, n3)
	lookupsAnswer(t, c, n3, cl, dbid, []int{first, first + 9})
}

// snapshotsPast counts the snapshots any node wrote holding entries past at.
func snapshotsPast(c *scCluster, at uint64) int {
	n := 0
	for _, nd := range c.nodes {
		for _, l := range nd.logLines("snapshot written") {
			if a, _ := l["applied"].(float64); a > float64(at) {
				n++
			}
		}
	}
	return n
}

// send signals the node's process and returns at once.
func (nd *scNode) send(t *testing.T, sig syscall.Signal) {
	t.Helper()
	nd.mu.Lock()
	cmd := nd.cmd
	nd.mu.Unlock()
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatalf("%v to %s: %v", sig, nd.name, err)
	}
}

// exitedCh is closed once the node's process has exited.
func (nd *scNode) exitedCh() <-chan struct{} {
	nd.mu.Lock()
	defer nd.mu.Unlock()
	return nd.exited
}

// exitCode is the exit status of the node's process, once it has exited.
func (nd *scNode) exitCode() int {
	<-nd.exitedCh()
	nd.mu.Lock()
	defer nd.mu.Unlock()
	return nd.cmd.ProcessState.ExitCode()
}
