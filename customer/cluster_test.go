package customer

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer/internal/schema"
	"github.com/tonebase/tonebase/customer/vault"
	"github.com/tonebase/tonebase/internal/testkit/memlog"
)

// clusterNodes opens n services, each on its own store, all on one log.
func clusterNodes(t testing.TB, n int) (*memlog.Log, []*Service, []*columndb.Store) {
	t.Helper()
	log := memlog.New()
	var svcs []*Service
	var stores []*columndb.Store
	for range n {
		// A node catches up before it opens anything over its store, as
		// serve does: its vault then finds the cluster's keys.
		store := log.Open(t, columndb.Options{RowCacheBytes: 4 << 20})
		log.CaughtUp(t, store)
		ring, err := vault.Open(store, testMaster)
		if err != nil {
			t.Fatal(err)
		}
		log.CaughtUp(t, store)
		svcs = append(svcs, New(Config{Store: store, Ring: ring, Log: zerolog.Nop()}))
		stores = append(stores, store)
	}
	log.CaughtUp(t, stores...)
	return log, svcs, stores
}

func TestClusterDecisions(t *testing.T) {
	cases := []struct {
		name string
		run  func(t *testing.T, s *Service, who int) (Result, error)
		// check sees both results once every node has caught up.
		check func(t *testing.T, svcs []*Service, res [2]Result, errs [2]error)
	}{
		{
			name: "one customer number created at once on two nodes",
			run: func(t *testing.T, s *Service, who int) (Result, error) {
				return s.CreateCustomer(7, CustomerInput{Number: Some("C-100")}, Idem{})
			},
			check: func(t *testing.T, svcs []*Service, res [2]Result, errs [2]error) {
				var taken *NumberTakenError
				if (errs[0] == nil) == (errs[1] == nil) {
					t.Fatalf("errors %v, %v: want one customer and one refusal", errs[0], errs[1])
				}
				for _, err := range errs {
					if err != nil && !errors.As(err, &taken) {
						t.Fatalf("refusal %v, want the number named as taken", err)
					}
				}
				for i, s := range svcs {
					list, err := s.FindCustomers(7, CustomerFilter{})
					if err != nil || len(list.Items) != 1 {
						t.Fatalf("node %d: %d customers, %v; want 1", i, len(list.Items), err)
					}
				}
			},
		},
		{
			name: "an idempotency key sent to two nodes at once creates once",
			run: func(t *testing.T, s *Service, who int) (Result, error) {
				return s.CreateCustomer(7, CustomerInput{Number: Some("C-200")}, Idem{Key: "k-1", Hash: "h"})
			},
			check: func(t *testing.T, svcs []*Service, res [2]Result, errs [2]error) {
				for _, err := range errs {
					if err != nil {
						t.Fatal(err)
					}
				}
				if res[0].ID != res[1].ID || res[0].Replayed == res[1].Replayed {
					t.Fatalf("results %+v and %+v: want one created and its replay", res[0], res[1])
				}
			},
		},
		{
			name: "customers created on both nodes get distinct sequence numbers",
			run: func(t *testing.T, s *Service, who int) (Result, error) {
				var last Result
				for i := range 10 {
					r, err := s.CreateCustomer(7, CustomerInput{Number: Some(string(rune('A'+who)) + string(rune('0'+i)))}, Idem{})
					if err != nil {
						return r, err
					}
					last = r
				}
				return last, nil
			},
			check: func(t *testing.T, svcs []*Service, res [2]Result, errs [2]error) {
				distinctSeqs(t, svcs[1], errs, 20)
			},
		},
		{
			// A write that leaves the customers table alone (a card) can
			// land after another node's new customer: the next customer
			// this node creates must still see that one's Seq as taken.
			name: "customers created on one node while the other adds cards between its own",
			run: func(t *testing.T, s *Service, who int) (Result, error) {
				var last Result
				for i := range 20 {
					r, err := s.CreateCustomer(7, CustomerInput{Number: Some(fmt.Sprintf("N%d-%d", who, i))}, Idem{})
					if err != nil {
						return r, err
					}
					last = r
					if who == 0 {
						continue
					}
					if _, err := s.CreatePayment(7, PaymentInput{CustomerID: Some(r.ID), Kind: Some(KindCard),
						CardNumber: Some("4111111111111111"), CardExpiry: Some("1230"), HolderName: Some("A Caller")}, Idem{}); err != nil {
						return r, err
					}
				}
				return last, nil
			},
			check: func(t *testing.T, svcs []*Service, res [2]Result, errs [2]error) {
				distinctSeqs(t, svcs[0], errs, 40)
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			log, svcs, stores := clusterNodes(t, 2)
			var res [2]Result
			var errs [2]error
			var wg sync.WaitGroup
			for i := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					res[i], errs[i] = tc.run(t, svcs[i], i)
				}()
			}
			wg.Wait()
			log.CaughtUp(t, stores...)
			tc.check(t, svcs, res, errs)
		})
	}
}

// A replay on another node, after the first answered, answers the first
// result; a card sealed on one node opens on the other, before and after
// a rotation made on either.
func TestClusterReplayAndKeys(t *testing.T) {
	log, svcs, stores := clusterNodes(t, 2)
	first, err := svcs[0].CreateCustomer(7, CustomerInput{Number: Some("C-1")}, Idem{Key: "k", Hash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	log.CaughtUp(t, stores...)
	again, err := svcs[1].CreateCustomer(7, CustomerInput{Number: Some("C-1")}, Idem{Key: "k", Hash: "h"})
	if err != nil || again.ID != first.ID || !again.Replayed {
		t.Fatalf("replay on node 2: %+v, %v; want %s replayed", again, err, first.ID)
	}
	card, err := svcs[0].CreatePayment(7, PaymentInput{CustomerID: Some(first.ID), Kind: Some(KindCard),
		CardNumber: Some("4111111111111111"), CardExpiry: Some("1230"), HolderName: Some("A Caller")}, Idem{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svcs[1].RotateKeys(); err != nil {
		t.Fatal(err)
	}
	log.CaughtUp(t, stores...)
	if _, err := svcs[0].RotateKeys(); err != nil {
		t.Fatal(err)
	}
	log.CaughtUp(t, stores...)
	for i, s := range svcs {
		if err := s.ring.Refresh(); err != nil {
			t.Fatal(err)
		}
		if got := s.ring.Active(); got != "k3" {
			t.Fatalf("node %d: active key %s after two rotations, want k3", i, got)
		}
		m, err := s.getPayment(mustTenant(t, s, 7), card.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.ring.Open(m.secret, paymentAAD(7, card.ID)); err != nil {
			t.Fatalf("node %d cannot open the card: %v", i, err)
		}
	}
}

// distinctSeqs fails unless both runs succeeded and s lists want
// customers, no two with one Seq.
func distinctSeqs(t *testing.T, s *Service, errs [2]error, want int) {
	t.Helper()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.FindCustomers(7, CustomerFilter{Limit: 2 * want})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for _, c := range list.Items {
		if seen[c.Seq] {
			t.Fatalf("seq %d given twice", c.Seq)
		}
		seen[c.Seq] = true
	}
	if len(seen) != want {
		t.Fatalf("%d customers, want %d", len(seen), want)
	}
}

func mustTenant(t *testing.T, s *Service, cid int64) *tenantState {
	t.Helper()
	ts, err := s.tenant(cid)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// TestClusterUpgradeOnce: two nodes restarted on an upgrade open a tenant
// whose stored methods have no token at once: the tokens each node hands
// out once it has opened the tenant are the ones both keep, so a token
// given to a merchant by either never changes under it.
func TestClusterUpgradeOnce(t *testing.T) {
	log, svcs, stores := clusterNodes(t, 2)
	cust, err := svcs[0].CreateCustomer(7, CustomerInput{Number: Some("U-1")}, Idem{})
	if err != nil {
		t.Fatal(err)
	}
	ts := mustTenant(t, svcs[0], 7)
	var legacy []columndb.Row
	var ids []string
	for i := range 40 {
		card, err := svcs[0].CreatePayment(7, PaymentInput{CustomerID: Some(cust.ID), Kind: Some(KindCard),
			CardNumber: Some(fmt.Sprintf("4111111111%06d", i)), CardExpiry: Some("1230")}, Idem{})
		if err != nil {
			// Not every number passes Luhn: the ones that do are enough.
			continue
		}
		m, err := svcs[0].getPayment(ts, card.ID)
		if err != nil {
			t.Fatal(err)
		}
		m.Token = ""
		legacy = append(legacy, ts.pay.encode(m))
		ids = append(ids, card.ID)
	}
	if err := stores[0].Commit(columndb.Change{Table: ts.payments, Put: legacy}); err != nil {
		t.Fatal(err)
	}
	log.CaughtUp(t, stores...)

	seen := make([]map[string]string, 2)
	var wg sync.WaitGroup
	for i, st := range stores {
		wg.Go(func() {
			s := New(Config{Store: st, Ring: svcs[i].ring, Log: zerolog.Nop()})
			seen[i] = map[string]string{}
			for _, id := range ids {
				m, err := s.GetPayment(7, id, 0)
				if err != nil {
					t.Error(err)
					return
				}
				seen[i][id] = m.Token
			}
		})
	}
	wg.Wait()
	log.CaughtUp(t, stores...)
	final := New(Config{Store: stores[1], Ring: svcs[1].ring, Log: zerolog.Nop()})
	for _, id := range ids {
		m, err := final.GetPayment(7, id, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !ValidToken(m.Token) || seen[0][id] != m.Token || seen[1][id] != m.Token {
			t.Fatalf("method %s: node 1 handed out %q, node 2 %q, and both keep %q", id, seen[0][id], seen[1][id], m.Token)
		}
	}
	if len(ids) < 2 {
		t.Fatalf("only %d methods stored", len(ids))
	}
}

// TestClusterSeqCounter: creates that alternate between two nodes number
// customers one after another, each node reading where numbers stand
// from the counter committed beside them; a tenant whose customers came
// before the counter is numbered on from its highest Seq.
func TestClusterSeqCounter(t *testing.T) {
	log, svcs, stores := clusterNodes(t, 2)
	var seqs []int64
	for i := range 6 {
		s := svcs[i%2]
		r, err := s.CreateCustomer(7, CustomerInput{Number: Some(fmt.Sprintf("A-%d", i))}, Idem{})
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.GetCustomer(7, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, c.Seq)
		log.CaughtUp(t, stores...)
	}
	for i, seq := range seqs {
		if seq != FirstSeq+int64(i) {
			t.Fatalf("Seqs %v, want %d on from %d", seqs, len(seqs), FirstSeq)
		}
	}
	for i, s := range svcs {
		ts := mustTenant(t, s, 7)
		if next, err := s.storedNextSeq(ts); err != nil || next != FirstSeq+6 {
			t.Fatalf("node %d: stored next Seq %d, %v; want %d", i, next, err, FirstSeq+6)
		}
	}
	// Without the counter (customers stored before it), the next Seq is
	// one past the highest stored.
	ts := mustTenant(t, svcs[0], 7)
	if err := stores[0].Commit(columndb.Change{Table: ts.counters, Delete: []columndb.Row{keyRow(ts.counters, schema.CounterName, schema.NextSeq)}}); err != nil {
		t.Fatal(err)
	}
	log.CaughtUp(t, stores...)
	r, err := svcs[1].CreateCustomer(7, CustomerInput{Number: Some("B-1")}, Idem{})
	if err != nil {
		t.Fatal(err)
	}
	if c, err := svcs[1].GetCustomer(7, r.ID); err != nil || c.Seq != FirstSeq+6 {
		t.Fatalf("after the counter was gone: Seq %d, %v; want %d", c.Seq, err, FirstSeq+6)
	}
}

// BenchmarkClusterAlternatingCreates: a customer created on one node after
// the other node created one, with 20,000 customers stored.
func BenchmarkClusterAlternatingCreates(b *testing.B) {
	log, svcs, stores := clusterNodes(b, 2)
	for i := range 20 {
		var in []CustomerInput
		for j := range 1000 {
			in = append(in, CustomerInput{Number: Some(fmt.Sprintf("P-%d-%d", i, j))})
		}
		for _, c := range in {
			if _, err := svcs[0].CreateCustomer(7, c, Idem{}); err != nil {
				b.Fatal(err)
			}
		}
	}
	log.CaughtUp(b, stores...)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := svcs[i%2].CreateCustomer(7, CustomerInput{Number: Some(fmt.Sprintf("N-%d", i))}, Idem{}); err != nil {
			b.Fatal(err)
		}
		log.CaughtUp(b, stores...)
		i++
	}
}
