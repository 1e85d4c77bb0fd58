package cluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/rs/zerolog"
)

func TestAppendSequences(t *testing.T) {
	c := open(t, startNode(t).URL(), 1)
	l := c.Log()
	for i := 1; i <= 5; i++ {
		seq, err := l.Append(fmt.Appendf(nil, "entry %d", i))
		if err != nil {
			t.Fatal(err)
		}
		if seq != uint64(i) {
			t.Fatalf("append %d got sequence %d", i, seq)
		}
	}
	// A whole batch fits; one byte more is refused before it is sent.
	big := bytes.Repeat([]byte{'x'}, l.MaxEntry())
	if _, err := l.Append(big); err != nil {
		t.Fatalf("a %d-byte entry: %v", len(big), err)
	}
	if _, err := l.Append(append(big, 'x')); err == nil {
		t.Fatal("an entry past MaxEntry was taken")
	}
}

// TestSmallPayloadRefused: a server whose max_payload cannot carry a
// batch is refused at connect, with what to set.
func TestSmallPayloadRefused(t *testing.T) {
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("server did not start")
	}
	defer s.Shutdown()
	_, err = Dial(Conn{URLs: s.ClientURL(), Log: zerolog.Nop()})
	var pe *PayloadError
	if !errors.As(err, &pe) || pe.Have != 1<<20 {
		t.Fatalf("want a PayloadError for 1 MiB, got %v", err)
	}
}

// TestQuorum: on three routed servers with the log at R3, appends go on
// with one server down and fail, clearly and within the timeout, with two.
func TestQuorum(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a three-server cluster")
	}
	servers := startCluster(t, 3)
	c := open(t, servers[0].URL(), 3)
	l := c.Log()
	if _, err := l.Append([]byte("all up")); err != nil {
		t.Fatal(err)
	}
	servers[2].Shutdown()
	// The stream may have to elect a new leader: Append waits that out.
	if _, err := l.Append([]byte("one down")); err != nil {
		t.Fatalf("with one of three servers down: %v", err)
	}
	servers[1].Shutdown()
	start := time.Now()
	_, err := l.Append([]byte("two down"))
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("with two of three down: want ErrUnavailable, got %v", err)
	}
	if took := time.Since(start); took > 3*time.Second+2*time.Second {
		t.Fatalf("the failure took %v, past the 3 s timeout", took)
	}
	t.Logf("two down: %v", err)
	if c.health.writable() {
		t.Fatal("health says writable after a failed append")
	}
	// JetStream's leader answers as leader for 10 to 20 s after its quorum
	// is gone: State, which the health probe asks, must not take its word.
	deadline := time.Now().Add(peerSilence + 3*time.Second)
	for {
		_, err := c.State(context.Background())
		if err != nil {
			t.Logf("state with two down: %v", err)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("State still answers %v after two of three servers went down", time.Since(start))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestApplierSurvivesServerLoss: the applier's own server goes down; its
// connection moves to another server of the cluster and applying goes on
// in order, with nothing applied twice.
func TestApplierSurvivesServerLoss(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a three-server cluster")
	}
	servers := startCluster(t, 3)
	follower := open(t, servers[0].URL(), 3)
	writer := open(t, servers[1].URL(), 3)
	st := &memStore{}
	a := follower.Follow(Follow{Store: st, Log: zerolog.Nop()})
	defer a.Stop()
	for i := range 20 {
		if _, err := writer.Log().Append(fmt.Appendf(nil, "%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "twenty applied", func() bool { return st.Applied() == 20 })
	servers[0].Shutdown()
	for i := 20; i < 40; i++ {
		if _, err := writer.Log().Append(fmt.Appendf(nil, "%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "forty applied after the follower's server went down", func() bool { return st.Applied() == 40 })
	for i, e := range st.got() {
		if e != fmt.Sprint(i) {
			t.Fatalf("entry %d is %q", i, e)
		}
	}
}
