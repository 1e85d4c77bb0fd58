package main

import (
	"slices"
	"testing"
)

func TestParseServeCluster(t *testing.T) {
	embedded := []string{"--node-name", "n1", "--nats-listen", "127.0.0.1:4222", "--cluster-listen", "127.0.0.1:6222",
		"--routes", "nats://127.0.0.1:6223,nats://127.0.0.1:6224"}
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		on         bool
		routes     []string
		replicas   int
		wantErrSub string
	}{
		{name: "off by default", replicas: 3},
		{name: "three embedded nodes", args: embedded, on: true, routes: []string{"nats://127.0.0.1:6223", "nats://127.0.0.1:6224"}, replicas: 3},
		{name: "from the environment", env: map[string]string{"TONEBASE_NATS_URL": "nats://a:4222,nats://b:4222", "TONEBASE_NODE_NAME": "n2"},
			on: true, replicas: 3},
		{name: "one node that wants the log", args: []string{"--node-name", "n1", "--nats-listen", "127.0.0.1:4222", "--log-replicas", "1"}, on: true, replicas: 1},
		{name: "one embedded server cannot hold three copies", args: []string{"--node-name", "n1", "--nats-listen", "127.0.0.1:4222"}, wantErrSub: "--log-replicas 1"},
		{name: "no node name", args: []string{"--nats-listen", "127.0.0.1:4222", "--log-replicas", "1"}, wantErrSub: "--node-name"},
		{name: "both embedded and external", args: append([]string{"--nats-url", "nats://a:4222"}, embedded...), wantErrSub: "not both"},
		{name: "routes without the embedded server", args: []string{"--routes", "nats://a:6222"}, wantErrSub: "--nats-listen"},
		{name: "routes without a cluster address", args: []string{"--node-name", "n1", "--nats-listen", "127.0.0.1:4222", "--routes", "nats://a:6222"}, wantErrSub: "--cluster-listen"},
		{name: "a route that is not a URL", args: []string{"--node-name", "n1", "--nats-listen", "127.0.0.1:4222", "--cluster-listen", ":6222", "--routes", "127.0.0.1:6223"}, wantErrSub: "--routes"},
		{name: "a listen address without a port", args: []string{"--node-name", "n1", "--nats-listen", "127.0.0.1", "--log-replicas", "1"}, wantErrSub: "--nats-listen"},
		{name: "a bad NATS URL", args: []string{"--node-name", "n1", "--nats-url", "a:4222"}, wantErrSub: "--nats-url"},
		{name: "a certificate without its key", args: []string{"--node-name", "n1", "--nats-url", "tls://a:4222", "--nats-tls-cert", "c.pem"}, wantErrSub: "go together"},
		{name: "replicas out of range", args: append([]string{"--log-replicas", "7"}, embedded...), wantErrSub: "1 to 5"},
		{name: "a node name with a dot", args: []string{"--node-name", "n.1", "--nats-url", "nats://a:4222"}, wantErrSub: "letters"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := parseCase(t, tc.args, tc.env, tc.wantErrSub, "TONEBASE_NATS_URL", "TONEBASE_NODE_NAME", "TONEBASE_NATS_LISTEN", "TONEBASE_LOG_REPLICAS")
			if !ok {
				return
			}
			if c.Cluster.On() != tc.on || c.Cluster.Replicas != tc.replicas || !slices.Equal(c.Cluster.Routes, tc.routes) {
				t.Fatalf("cluster %+v", c.Cluster)
			}
		})
	}
}
