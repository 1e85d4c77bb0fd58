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
//
// n3's own NATS server holds a replica of the log, and it learns of the
// purge only as it catches up with the others: if n3's reader gets the
// entries from that replica first, n3 is not behind at all and rightly
// follows the log. That outcome is checked as well (the same data as n1)
// and the pause tried again, so that the exit is what a run checks.
func scBehind(t *testing.T, c *scCluster, cl client, dbid int64) {
	const attempts = 3
	for try := range attempts {
		first := 960_000 + 10_000*try
		if pauseBehind(t, c, cl, dbid, first) {
			return
		}
		t.Logf("attempt %d: n3 found the entries it lacked in its own replica of the log and followed it, as it may", try+1)
	}
	t.Logf("in %d attempts n3 always caught up from its own replica: the exit was not reached end to end (TestApplierStops covers the applier's stop, not the process's exit)", attempts)
}

// pauseBehind is one attempt of scBehind, writing rows from first on. It
// reports whether n3 exited; if it did not, it followed the log to the
// same data as n1.
func pauseBehind(t *testing.T, c *scCluster, cl client, dbid int64, first int) bool {
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
	deadline := time.Now().Add(120 * time.Second)
	for i := 0; ; i++ {
		// A 503 is the cluster choosing new leaders for what n3 led, which
		// takes until its routes are cut: the client's part is to send the
		// batch again, as the answer says.
		switch r, err := scUpload(n1, cl, dbid, scRowsBody(first+10*i, 10)); {
		case err == nil && r.status == 503:
			i--
		case err != nil || r.status != 200:
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

	last := n1.applied(t)
	n3.send(t, syscall.SIGCONT)
	paused = false
	resumed := time.Now()
	for followed := false; !followed; {
		select {
		case <-n3.exitedCh():
			t.Logf("n3 exited %v after it went on", time.Since(resumed).Round(time.Millisecond))
			checkBehindExit(t, c, cl, dbid, first)
			return true
		case <-time.After(100 * time.Millisecond):
		}
		if status, h := n3.health(); status == 200 && h.Applied >= last {
			followed = true
		} else if time.Since(resumed) > 60*time.Second {
			t.Fatalf("n3 neither exited nor followed the log to %d within 60 s of going on (%d %+v); its log ends:\n%s", last, status, h, n3.logTail(3000))
		}
	}
	// Give the probe a few rounds to find a purge that the reader missed.
	select {
	case <-n3.exitedCh():
		t.Fatalf("n3 exited after it had followed the log to %d; its log ends:\n%s", last, n3.logTail(3000))
	case <-time.After(3 * time.Second):
	}
	c.sameDigest(t, n1, cl.CID, dbid, 60*time.Second, n3)
	return false
}

// checkBehindExit checks that n3 exited as a node behind the log's start
// must, and catches up from a snapshot when started again.
func checkBehindExit(t *testing.T, c *scCluster, cl client, dbid int64, first int) {
	n1, n3 := c.nodes[0], c.nodes[2]
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
