package main

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// clusterConfig is cluster mode's part of serve's config. With neither
// --nats-listen nor --nats-url, tonebase runs alone as it always has.
type clusterConfig struct {
	Name          string   // --cluster-name
	Node          string   // --node-name
	NATSListen    string   // the embedded server's client address
	ClusterListen string   // the embedded server's route address
	Routes        []string // the other nodes' route addresses
	NATSURL       string   // an existing NATS instead of the embedded one
	Creds         string
	TLSCert       string
	TLSKey        string
	TLSCA         string
	Replicas      int
	AppendTimeout time.Duration
	StartTimeout  time.Duration
	SnapshotEvery time.Duration
	SnapshotKeep  int
}

// On: the node is one of a cluster's, writing through the log.
func (c clusterConfig) On() bool { return c.NATSListen != "" || c.NATSURL != "" }

// Embedded: the node runs its own NATS server.
func (c clusterConfig) Embedded() bool { return c.NATSListen != "" }

func clusterFlags(f *envFlags, c *clusterConfig) *string {
	var routes string
	f.str(&c.Name, "cluster-name", "tonebase", "the NATS cluster's name, the same on every node")
	f.str(&c.Node, "node-name", "", "this node's name in the cluster, unique among its nodes (cluster mode needs it)")
	f.str(&c.NATSListen, "nats-listen", "", "run an embedded NATS server with JetStream for cluster mode, taking clients here (host:port), its data in <data>/nats")
	f.str(&c.ClusterListen, "cluster-listen", "", "the embedded NATS server's address for the other nodes' routes (host:port)")
	f.str(&routes, "routes", "", "the other nodes' --cluster-listen addresses, comma-separated nats://host:port")
	f.str(&c.NATSURL, "nats-url", "", "use an existing NATS cluster with JetStream instead of the embedded server: comma-separated nats:// or tls:// URLs")
	f.str(&c.Creds, "nats-creds", "", "a NATS credentials file (.creds) for --nats-url")
	f.str(&c.TLSCert, "nats-tls-cert", "", "client certificate for NATS over mutual TLS")
	f.str(&c.TLSKey, "nats-tls-key", "", "the client certificate's key")
	f.str(&c.TLSCA, "nats-tls-ca", "", "the CA certificate the NATS servers' certificates are signed by")
	f.integer(&c.Replicas, "log-replicas", 3, "copies JetStream keeps of the write log and the snapshots: 3 for a cluster, 1 for a single node that wants the log")
	f.duration(&c.AppendTimeout, "log-timeout", 10*time.Second, "longest a write waits for the log's quorum to acknowledge it, a new leader's election included; past it the write answers 503")
	f.duration(&c.StartTimeout, "cluster-start-timeout", 2*time.Minute, "longest a start waits for JetStream to be ready (the other nodes to come up)")
	f.duration(&c.SnapshotEvery, "snapshot-every", 10*time.Minute, "how often a node writes a snapshot of its store to the cluster, from which an empty or far-behind node catches up")
	f.integer(&c.SnapshotKeep, "snapshot-keep", 3, "snapshots kept; the log keeps its entries back to the oldest")
	return &routes
}

// checkCluster refuses a cluster set-up that could not work, before
// anything is created.
func checkCluster(c *clusterConfig, routes string) error {
	for _, r := range strings.Split(routes, ",") {
		if r = strings.TrimSpace(r); r != "" {
			c.Routes = append(c.Routes, r)
		}
	}
	if !c.On() {
		if c.ClusterListen != "" || len(c.Routes) > 0 {
			return fmt.Errorf("--cluster-listen and --routes are the embedded NATS server's: give --nats-listen too")
		}
		return nil
	}
	if c.NATSListen != "" && c.NATSURL != "" {
		return fmt.Errorf("give --nats-listen (an embedded NATS server) or --nats-url (an existing one), not both")
	}
	if c.Node == "" {
		return fmt.Errorf("cluster mode needs --node-name, unique among the cluster's nodes, such as n1")
	}
	if !validName(c.Node) || !validName(c.Name) {
		return fmt.Errorf("--node-name and --cluster-name take letters, digits, - and _ only")
	}
	if c.Replicas < 1 || c.Replicas > 5 {
		return fmt.Errorf("--log-replicas must be 1 to 5, not %d", c.Replicas)
	}
	if c.AppendTimeout <= 0 || c.StartTimeout <= 0 || c.SnapshotEvery <= 0 {
		return fmt.Errorf("--log-timeout, --cluster-start-timeout and --snapshot-every must be positive")
	}
	if c.SnapshotKeep < 1 {
		return fmt.Errorf("--snapshot-keep must be at least 1")
	}
	if c.NATSURL != "" {
		if c.ClusterListen != "" || len(c.Routes) > 0 {
			return fmt.Errorf("--cluster-listen and --routes are the embedded NATS server's, not for --nats-url")
		}
		if (c.TLSCert == "") != (c.TLSKey == "") {
			return fmt.Errorf("--nats-tls-cert and --nats-tls-key go together")
		}
		for _, u := range strings.Split(c.NATSURL, ",") {
			if !natsURL(strings.TrimSpace(u)) {
				return fmt.Errorf("--nats-url wants nats://host:port URLs, comma-separated, not %q", u)
			}
		}
		return nil
	}
	for flagName, addr := range map[string]string{"--nats-listen": c.NATSListen, "--cluster-listen": c.ClusterListen} {
		if addr == "" {
			continue
		}
		if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
			return fmt.Errorf("%s wants host:port, such as 127.0.0.1:4222, not %q", flagName, addr)
		}
	}
	for _, r := range c.Routes {
		if !natsURL(r) {
			return fmt.Errorf("--routes wants nats://host:port URLs, comma-separated, not %q", r)
		}
	}
	if c.ClusterListen == "" {
		if len(c.Routes) > 0 {
			return fmt.Errorf("--routes needs --cluster-listen, where the other nodes' routes reach this one")
		}
		if c.Replicas != 1 {
			return fmt.Errorf("an embedded NATS server alone holds one copy of the log: give --log-replicas 1, or --cluster-listen and --routes to join %d servers", c.Replicas)
		}
	}
	return nil
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func natsURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "nats" || u.Scheme == "tls") && u.Host != "" && u.Port() != ""
}
