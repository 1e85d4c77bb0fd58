// Package natstest starts real NATS servers with JetStream inside a test
// process: one server, or a cluster of servers joined by routes, each on
// loopback with random ports and its store in the test's temporary folder.
// Only tests import it.
package natstest

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Server is one running NATS server.
type Server struct {
	*server.Server
	t testing.TB
}

// Start runs a single NATS server with JetStream until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := run(t, &server.Options{ServerName: "single"})
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("natstest: the server did not start")
	}
	return s
}

// StartCluster runs n NATS servers routed to each other, with JetStream,
// and waits until JetStream's meta group has a leader, so a bucket with n
// replicas can be made at once.
func StartCluster(t testing.TB, n int) []*Server {
	t.Helper()
	ports := freePorts(t, n)
	var routes []*url.URL
	for _, p := range ports {
		routes = append(routes, &url.URL{Scheme: "nats", Host: fmt.Sprintf("127.0.0.1:%d", p)})
	}
	out := make([]*Server, n)
	for i := range n {
		out[i] = run(t, &server.Options{ServerName: fmt.Sprintf("n%d", i+1), Routes: routes,
			Cluster: server.ClusterOpts{Name: "natstest", Host: "127.0.0.1", Port: ports[i]}})
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		ready := 0
		for _, s := range out {
			if s.ReadyForConnections(time.Second) && s.JetStreamIsClustered() && s.JetStreamIsCurrent() {
				ready++
			}
		}
		if ready == n && hasMetaLeader(out) {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatal("natstest: the cluster did not form within 30s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func hasMetaLeader(ss []*Server) bool {
	for _, s := range ss {
		if s.JetStreamIsLeader() {
			return true
		}
	}
	return false
}

// URLs joins the servers' client addresses as nats.Connect takes them.
func URLs(ss []*Server) string {
	var u []string
	for _, s := range ss {
		u = append(u, s.ClientURL())
	}
	return strings.Join(u, ",")
}

func run(t testing.TB, o *server.Options) *Server {
	t.Helper()
	o.Host, o.Port = "127.0.0.1", server.RANDOM_PORT
	o.JetStream, o.StoreDir = true, t.TempDir()
	o.NoLog, o.NoSigs = true, true
	ns, err := server.NewServer(o)
	if err != nil {
		t.Fatalf("natstest: %v", err)
	}
	go ns.Start()
	t.Cleanup(func() {
		ns.Shutdown()
		ns.WaitForShutdown()
	})
	return &Server{Server: ns, t: t}
}

// freePorts finds n ports free now on loopback. A route must name its
// peers' ports before they listen, so a random port chosen by each server
// will not do.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var ls []net.Listener
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("natstest: %v", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

// JetStream connects to url (one server's or a cluster's) and returns its
// JetStream context; the connection is closed when the test ends.
func JetStream(t testing.TB, url string) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(url, nats.Timeout(5*time.Second))
	if err != nil {
		t.Fatalf("natstest: connect: %v", err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("natstest: %v", err)
	}
	return js
}

// JetStream connects to this server.
func (s *Server) JetStream() jetstream.JetStream { return JetStream(s.t, s.ClientURL()) }
