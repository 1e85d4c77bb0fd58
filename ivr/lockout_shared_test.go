package ivr

import (
	"context"
	"testing"
	"time"

	"github.com/tonebase/tonebase/internal/sharedstate"
	"github.com/tonebase/tonebase/internal/testkit/natstest"
)

// The test at the service: five wrong dates of birth spread over
// three nodes, each on its own store and its own server of a three-server
// cluster, lock the ref on all of them, the right date of birth included.
func TestWrongDatesOfBirthOverThreeNodesLockTheRefOnAll(t *testing.T) {
	cluster := natstest.StartCluster(t, 3)
	var nodes []*Service
	var dbid int64
	for i := range 3 {
		b, err := sharedstate.New(cluster[i].JetStream(), 3, 0).Bucket(context.Background(), sharedstate.CallerLocks, 15*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		store, cat, id := newTestCatalog(t, guideColumns())
		s := NewService(store, cat, fakeClients{}, Config{LockoutLimit: 5, LockoutWindow: 15 * time.Minute, SharedLocks: b})
		t.Cleanup(s.Close)
		if err := s.KeepLocks(store, func(err error) { t.Error(err) }); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		uploadRows(t, s, id, `[{"colA":"123456","colB":"01021990","colC":"£12.50"}]`)
		nodes, dbid = append(nodes, s), id
	}
	lookup := func(node int, dob string) string {
		t.Helper()
		q := Query{Param: func(name string) (string, bool) {
			switch name {
			case "ref1":
				return "123456", true
			case "ref2":
				return dob, true
			}
			return "", false
		}}
		res, err := nodes[node].Lookup(1234, dbid, q)
		if err != nil {
			t.Fatal(err)
		}
		return res.Status
	}
	tests := []struct {
		name string
		node int
		dob  string
		want string
	}{
		{"the right date of birth is found", 2, "01021990", StatusFound},
		{"miss 1 on node 1", 0, "01011990", StatusNotFound},
		{"miss 2 on node 2", 1, "02011990", StatusNotFound},
		{"miss 3 on node 3", 2, "03011990", StatusNotFound},
		{"miss 4 on node 1", 0, "04011990", StatusNotFound},
		{"miss 5 on node 2", 1, "05011990", StatusNotFound},
		{"node 2 is locked", 1, "01021990", StatusLocked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := lookup(tt.node, tt.dob); got != tt.want {
				t.Fatalf("status %q, want %q", got, tt.want)
			}
		})
	}
	for _, node := range []int{0, 2} {
		deadline := time.Now().Add(5 * time.Second)
		for lookup(node, "01021990") != StatusLocked {
			if time.Now().After(deadline) {
				t.Fatalf("node %d still finds the caller after five misses over three nodes", node+1)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	if locks := nodes[0].Locks(1234, dbid); len(locks) != 1 || locks[0].Value != "123456" {
		t.Fatalf("node 1 lists locks %+v, want the ref", locks)
	}
	if !nodes[2].Unlock(1234, dbid, false, "123456") {
		t.Fatal("unlocking on node 3 found no lock")
	}
	deadline := time.Now().Add(5 * time.Second)
	for lookup(0, "01021990") != StatusFound {
		if time.Now().After(deadline) {
			t.Fatal("node 1 still locked after the ref was unlocked on node 3")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
