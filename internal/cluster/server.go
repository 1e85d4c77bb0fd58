package cluster

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/rs/zerolog"
)

// EmbeddedMaxPayload is the embedded server's largest message: a batch
// entry of MaxEntry with room for headers. NATS's default (1 MiB) is
// below a batch.
const EmbeddedMaxPayload = 8 << 20

// Embedded describes the NATS server a node runs in its own process.
type Embedded struct {
	// ClusterName is the NATS cluster's name, the same on every node.
	ClusterName string
	// NodeName names the server among its routes; unique per node.
	NodeName string
	// Listen is where clients connect (host:port; port 0 picks one).
	Listen string
	// ClusterListen is where the other nodes' routes connect; empty for
	// a server alone.
	ClusterListen string
	// Routes are the other nodes' cluster addresses (nats://host:port).
	Routes []string
	// Dir holds JetStream's files.
	Dir string
	// Auth, when set, is what every client and every route must present:
	// the log's entries are applied by every node as they stand, so
	// anyone who could publish to the server could change every store,
	// or stop every node with an entry none can apply. Without it the
	// server takes anyone who reaches its ports (tests only).
	Auth *Auth
	Log  zerolog.Logger
}

// Auth is the user and password of a cluster's clients and of its routes.
type Auth struct {
	User, Password           string
	RouteUser, RoutePassword string
}

// Server is a running embedded NATS server.
type Server struct{ s *server.Server }

// How often an embedded server pings its routes, and how many pings may go
// unanswered before it closes one as stale.
const (
	routePing     = 3 * time.Second
	routePingsOut = 3
)

// StartEmbedded starts the server and waits until it takes connections.
// JetStream's own readiness (a meta leader among the routes) comes later;
// Open waits for that.
func StartEmbedded(e Embedded) (*Server, error) {
	host, port, err := splitPort(e.Listen)
	if err != nil {
		return nil, fmt.Errorf("cluster: --nats-listen %q: %w", e.Listen, err)
	}
	opts := &server.Options{
		ServerName: e.NodeName,
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   e.Dir,
		MaxPayload: EmbeddedMaxPayload,
		// tonebase handles the signals; a second handler would stop NATS
		// under the store's feet.
		NoSigs: true,
	}
	if e.Auth != nil {
		// The server keeps a client password hashed; the lowest cost will
		// do for a password that is itself a 256-bit key. The routes' stays
		// as it is: the server also presents it to routes it learns of.
		hash, err := bcrypt.GenerateFromPassword([]byte(e.Auth.Password), bcrypt.MinCost)
		if err != nil {
			return nil, fmt.Errorf("cluster: embedded NATS: %w", err)
		}
		opts.Username, opts.Password = e.Auth.User, string(hash)
	}
	if e.ClusterListen != "" {
		chost, cport, err := splitPort(e.ClusterListen)
		if err != nil {
			return nil, fmt.Errorf("cluster: --cluster-listen %q: %w", e.ClusterListen, err)
		}
		// A peer that hangs without closing its routes (a paused VM, a
		// stopped process) still takes its share of the requests any
		// replica may answer, direct gets among them, and leaves them
		// unanswered until its routes are found stale: after NATS's
		// default two pings two minutes apart, every snapshot write timed
		// out for a minute and more with one of three nodes stopped
		// (SIGSTOP). Three pings three seconds apart cut it off in about
		// ten seconds; it routes in again once it answers.
		opts.Cluster = server.ClusterOpts{Name: e.ClusterName, Host: chost, Port: cport, PingInterval: routePing, MaxPingsOut: routePingsOut}
		opts.Routes = server.RoutesFromStr(strings.Join(e.Routes, ","))
		if e.Auth != nil {
			opts.Cluster.Username, opts.Cluster.Password = e.Auth.RouteUser, e.Auth.RoutePassword
			for _, r := range opts.Routes {
				r.User = url.UserPassword(e.Auth.RouteUser, e.Auth.RoutePassword)
			}
		}
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("cluster: embedded NATS: %w", err)
	}
	s.SetLogger(natsLogger{e.Log}, false, false)
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		return nil, errors.New("cluster: the embedded NATS server did not start within 10s (is --nats-listen or --cluster-listen in use?)")
	}
	return &Server{s: s}, nil
}

// URL is where a client of this node's server connects.
func (s *Server) URL() string { return s.s.ClientURL() }

// ClusterAddr is where the other nodes' routes reach this server; nil
// for a server alone.
func (s *Server) ClusterAddr() *net.TCPAddr { return s.s.ClusterAddr() }

// Shutdown stops the server and waits for it.
func (s *Server) Shutdown() {
	s.s.Shutdown()
	s.s.WaitForShutdown()
}

// splitPort reads host:port; port 0 asks NATS for a free one.
func splitPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, errors.New("wants host:port")
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, errors.New("wants a port number")
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	return host, port, nil
}

// natsLogger routes the server's messages into zerolog, a level down:
// NATS's notices are chatty for a component.
type natsLogger struct{ l zerolog.Logger }

func (n natsLogger) Noticef(f string, v ...any) { n.l.Debug().Msgf(f, v...) }
func (n natsLogger) Warnf(f string, v ...any)   { n.l.Warn().Msgf(f, v...) }
func (n natsLogger) Fatalf(f string, v ...any)  { n.l.Error().Msgf(f, v...) }
func (n natsLogger) Errorf(f string, v ...any)  { n.l.Error().Msgf(f, v...) }
func (n natsLogger) Debugf(f string, v ...any)  { n.l.Trace().Msgf(f, v...) }
func (n natsLogger) Tracef(f string, v ...any)  { n.l.Trace().Msgf(f, v...) }
