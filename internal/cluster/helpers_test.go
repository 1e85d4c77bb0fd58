package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/rs/zerolog"
	"github.com/tonebase/tonebase/internal/testkit"
)

// startNode starts an embedded server alone, with JetStream in a temp
// folder, on a free port.
func startNode(t *testing.T) *Server {
	t.Helper()
	s, err := StartEmbedded(Embedded{NodeName: "solo", Listen: "127.0.0.1:0", Dir: t.TempDir(), Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Shutdown)
	return s
}

// freePorts finds n ports free now; a route needs its peers' ports before
// they listen.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	for len(ports) < n {
		_, p, _ := net.SplitHostPort(testkit.FreeAddr(t))
		port, _ := strconv.Atoi(p)
		if !slices.Contains(ports, port) {
			ports = append(ports, port)
		}
	}
	return ports
}

// startCluster starts n embedded servers routed to each other.
func startCluster(t *testing.T, n int) []*Server {
	t.Helper()
	return startClusterAuth(t, n, nil)
}

// startClusterAuth starts n embedded servers routed to each other, each
// asking clients and routes for auth.
func startClusterAuth(t *testing.T, n int, auth *Auth) []*Server {
	t.Helper()
	ports := freePorts(t, n)
	var routes []string
	for _, p := range ports {
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", p))
	}
	servers := make([]*Server, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			servers[i], errs[i] = StartEmbedded(Embedded{ClusterName: "tb", NodeName: fmt.Sprintf("n%d", i+1), Listen: "127.0.0.1:0",
				ClusterListen: fmt.Sprintf("127.0.0.1:%d", ports[i]), Routes: routes, Dir: t.TempDir(), Auth: auth, Log: zerolog.Nop()})
		})
	}
	wg.Wait()
	for i, s := range servers {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		t.Cleanup(s.Shutdown)
	}
	return servers
}

// open connects to url and opens the log with replicas.
func open(t *testing.T, url string, replicas int) *Cluster {
	t.Helper()
	nc, err := Dial(Conn{URLs: url, Name: t.Name(), Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	return openOn(t, nc, replicas)
}

// openOn opens the log with replicas over a connection made otherwise.
func openOn(t *testing.T, nc *nats.Conn, replicas int) *Cluster {
	t.Helper()
	c, err := Open(context.Background(), nc, Config{Replicas: replicas, AppendTimeout: 3 * time.Second, StartTimeout: 60 * time.Second, Log: zerolog.Nop()})
	if err != nil {
		nc.Close()
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// dialCase is a connection a test expects NATS to take, and the log to
// append over, or to refuse.
type dialCase struct {
	name string
	conn Conn
	ok   bool
}

// dialCases dials each case. A refused one must fail, with refusal when
// that is set; a taken one must append to the log, after check, when set,
// has looked at the connection.
func dialCases(t *testing.T, cases []dialCase, refusal error, check func(*testing.T, *nats.Conn)) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			tt.conn.Log = zerolog.Nop()
			nc, err := Dial(tt.conn)
			if !tt.ok {
				if err == nil {
					nc.Close()
					t.Fatal("connected")
				}
				if refusal != nil && !errors.Is(err, refusal) {
					t.Fatalf("refused with %v, want %v", err, refusal)
				}
				t.Logf("refused: %v", err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c := openOn(t, nc, 1)
			if check != nil {
				check(t, nc)
			}
			if seq, err := c.Log().Append([]byte(tt.name)); err != nil || seq == 0 {
				t.Fatalf("append: %d %v", seq, err)
			}
		})
	}
}

// memStore is a Store in memory: the entries applied, in order.
type memStore struct {
	mu      sync.Mutex
	applied uint64
	entries []string
	// fail, when set, refuses an entry.
	fail func(seq uint64, entry []byte) error
}

var errBadEntry = errors.New("memstore: entry cannot be applied")

func (m *memStore) ApplyEntry(seq uint64, entry []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if seq <= m.applied {
		return nil
	}
	if seq != m.applied+1 {
		return fmt.Errorf("memstore: gap at %d after %d", seq, m.applied)
	}
	if m.fail != nil {
		if err := m.fail(seq, entry); err != nil {
			return err
		}
	}
	m.applied = seq
	m.entries = append(m.entries, string(entry))
	return nil
}

func (m *memStore) Applied() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.applied
}

func (m *memStore) got() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.entries...)
}

// eventually waits up to 20 s for cond.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
