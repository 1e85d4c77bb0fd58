package cluster

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// TestEmbeddedAuth: servers started with Auth form their cluster over
// authenticated routes and take a client with the password; a client
// without it, or with another, is refused with ErrCredentials, and a
// server whose routes carry another password does not join.
func TestEmbeddedAuth(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a three-server cluster")
	}
	auth := &Auth{User: "tonebase", Password: "client-secret", RouteUser: "tonebase-route", RoutePassword: "route-secret"}
	servers := startClusterAuth(t, 3, auth)
	url := servers[0].URL()

	tests := []struct {
		name       string
		user, pass string
		ok         bool
	}{
		{"the cluster's password", auth.User, auth.Password, true},
		{"no password", "", "", false},
		{"another password", auth.User, "guess", false},
		{"the routes' password", auth.RouteUser, auth.RoutePassword, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nc, err := Dial(Conn{URLs: url, User: tt.user, Password: tt.pass, Log: zerolog.Nop()})
			if !tt.ok {
				if !errors.Is(err, ErrCredentials) {
					if nc != nil {
						nc.Close()
					}
					t.Fatalf("Dial = %v, want ErrCredentials", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// Three replicas: the routes carry the log between the servers.
			c := openOn(t, nc, 3)
			if _, err := c.Log().Append([]byte("authenticated")); err != nil {
				t.Fatal(err)
			}
		})
	}

	before := servers[0].s.NumRoutes()
	ports := freePorts(t, 1)
	rogue, err := StartEmbedded(Embedded{ClusterName: "tb", NodeName: "rogue", Listen: "127.0.0.1:0",
		ClusterListen: fmt.Sprintf("127.0.0.1:%d", ports[0]), Routes: []string{fmt.Sprintf("nats://%s", servers[0].ClusterAddr())},
		Dir: t.TempDir(), Auth: &Auth{User: "x", Password: "y", RouteUser: auth.RouteUser, RoutePassword: "guess"}, Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	defer rogue.Shutdown()
	time.Sleep(2 * time.Second)
	if n := rogue.s.NumRoutes(); n != 0 {
		t.Fatalf("a server with another route password has %d routes into the cluster", n)
	}
	if after := servers[0].s.NumRoutes(); after != before {
		t.Fatalf("the cluster's routes went from %d to %d when a server with another route password tried to join", before, after)
	}
}
