package ivr

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tonebase/tonebase/hash"
	"github.com/tonebase/tonebase/internal/sharedstate"
	"github.com/tonebase/tonebase/internal/testkit/natstest"
	"github.com/valyala/fasthttp"
)

// twoNodes is two services, each on its own store as the nodes of a
// cluster are, sharing one bucket of used signatures.
func twoNodes(t *testing.T) ([2]*Service, int64) {
	t.Helper()
	s := natstest.Start(t)
	var out [2]*Service
	var dbid int64
	for i := range out {
		b, err := sharedstate.New(s.JetStream(), 1, 0).Bucket(context.Background(), sharedstate.UsedHashes, UsedRetention)
		if err != nil {
			t.Fatal(err)
		}
		store, cat, id := newTestCatalog(t, guideColumns())
		out[i], dbid = NewService(store, cat, fakeClients{}, Config{SharedHashes: b}), id
		t.Cleanup(out[i].Close)
	}
	return out, dbid
}

// A signed upload applied on one node is refused on another whose own
// store has no record of it yet (the log had not brought it).
func TestSignatureUsedOnOneNodeIsUsedOnAll(t *testing.T) {
	nodes, dbid := twoNodes(t)
	body := `[{"colA":"111111","colB":"01011990","colC":"1.00"}]`
	url := func(i int) string {
		return fmt.Sprintf("%s%s?cid=1234&dbid=%d&Hash=%s", serveUploads(t, nodes[i]), EndpointDatabase, dbid,
			hash.Sign(1234, dbid, "secret", []byte(body)))
	}
	u1, u2 := url(0), url(1)
	tests := []struct {
		name     string
		url      string
		wantCode int
	}{
		{"first on node 1", u1, 200},
		{"again on node 2", u2, 409},
		{"again on node 1", u1, 409},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, out := send(t, "POST", tt.url, body, nil); code != tt.wantCode {
				t.Fatalf("%d %v, want %d", code, out, tt.wantCode)
			}
		})
	}
	if rows := rowsOf(t, nodes[1], dbid); len(rows) != 0 {
		t.Fatalf("node 2 applied the replayed upload: %v", rows)
	}
}

// Two nodes claiming one signature at once: one wins, the other is told
// it is in progress; a claim given back (the upload failed) frees it.
func TestSignatureClaimOneNodeWins(t *testing.T) {
	nodes, dbid := twoNodes(t)
	tab, err := nodes[0].catalog.Table(1234, dbid)
	if err != nil {
		t.Fatal(err)
	}
	use := Use{Method: "POST", Endpoint: EndpointDatabase, Mode: "upsert", Scheme: SchemeActivePay}
	c1, err := nodes[0].used.claim(tab, "fp", use)
	if err != nil {
		t.Fatal(err)
	}
	_, err = nodes[1].used.claim(tab, "fp", use)
	var used *AlreadyApplied
	if !errors.As(err, &used) || !used.InProgress {
		t.Fatalf("second node's claim = %v, want in progress", err)
	}
	c1.release()
	c2, err := nodes[1].used.claim(tab, "fp", use)
	if err != nil {
		t.Fatalf("a released claim is still held: %v", err)
	}
	if err := c2.applied(); err != nil {
		t.Fatal(err)
	}
	_, err = nodes[0].used.claim(tab, "fp", use)
	if !errors.As(err, &used) || used.InProgress {
		t.Fatalf("claim after it was applied on the other node = %v, want already applied", err)
	}
	if first, ok := nodes[0].used.applied(tab, "fp"); !ok || first.Mode != "upsert" {
		t.Fatalf("applied() on node 1 = %+v, %v", first, ok)
	}
}

// unreachableHashes is a bucket whose server is gone.
type unreachableHashes struct{}

var errNoServers = errors.New("nats: no servers available")

func (unreachableHashes) Create(string, []byte, time.Duration) (uint64, error) {
	return 0, errNoServers
}
func (unreachableHashes) Get(string) ([]byte, error)                        { return nil, errNoServers }
func (unreachableHashes) Put(string, []byte, time.Duration) (uint64, error) { return 0, errNoServers }
func (unreachableHashes) Update(string, func([]byte, bool) ([]byte, time.Duration, error)) (uint64, error) {
	return 0, errNoServers
}

// Without the bucket a signed upload is refused, not applied unclaimed.
func TestSignatureClaimWithoutTheBucketRefuses(t *testing.T) {
	store, cat, dbid := newTestCatalog(t, guideColumns())
	s := NewService(store, cat, fakeClients{}, Config{SharedHashes: unreachableHashes{}})
	t.Cleanup(s.Close)
	tab, _ := cat.Table(1234, dbid)
	if _, err := s.used.claim(tab, "fp", Use{}); !errors.Is(err, ErrNoCluster) || !errors.Is(err, errNoServers) {
		t.Fatalf("claim = %v, want ErrNoCluster with the bucket's error", err)
	}
	body := `[{"colA":"111111","colB":"01011990","colC":"1.00"}]`
	url := fmt.Sprintf("%s%s?cid=1234&dbid=%d&Hash=%s", serveUploads(t, s), EndpointDatabase, dbid,
		hash.Sign(1234, dbid, "secret", []byte(body)))
	if code, out := send(t, "POST", url, body, nil); code != 503 {
		t.Fatalf("an upload without the cluster: %d %v, want 503", code, out)
	}
	if rows := rowsOf(t, s, dbid); len(rows) != 0 {
		t.Fatalf("applied without the cluster: %v", rows)
	}
	// The hold of this node was given back: the same upload goes through
	// once the cluster is back (here: without one).
	s.used.shared = nil
	if code, out := send(t, "POST", url, body, nil); code != 200 {
		t.Fatalf("the upload again: %d %v", code, out)
	}
}

// lateHashes is a bucket whose leader writes a Create but answers too
// late: the caller sees a timeout, as it does while the leader waits for
// a quorum that then returns.
type lateHashes struct {
	SharedHashes
	late bool // the next Create, and the read after it, answer nothing
}

var errTimeout = errors.New("context deadline exceeded")

func (l *lateHashes) Create(key string, val []byte, ttl time.Duration) (uint64, error) {
	rev, err := l.SharedHashes.Create(key, val, ttl)
	if l.late {
		return 0, errTimeout
	}
	return rev, err
}

func (l *lateHashes) Get(key string) ([]byte, error) {
	if l.late {
		l.late = false
		return nil, errTimeout
	}
	return l.SharedHashes.Get(key)
}

// A claim that got no answer but landed does not hold off the resend the
// 503 asked for: the same node takes its own claim over; another node is
// still told the upload is in progress, since this node may be applying it.
func TestSignatureClaimUnansweredIsTakenOver(t *testing.T) {
	nodes, dbid := twoNodes(t)
	late := &lateHashes{SharedHashes: nodes[0].used.shared, late: true}
	nodes[0].used.shared = late
	tab, err := nodes[0].catalog.Table(1234, dbid)
	if err != nil {
		t.Fatal(err)
	}
	use := Use{Method: "POST", Endpoint: EndpointDatabase, Mode: "upsert", Scheme: SchemeActivePay}
	if _, err := nodes[0].used.claim(tab, "fp", use); !errors.Is(err, ErrNoCluster) {
		t.Fatalf("unanswered claim = %v, want ErrNoCluster", err)
	}
	var used *AlreadyApplied
	if _, err := nodes[1].used.claim(tab, "fp", use); !errors.As(err, &used) || !used.InProgress || used.Lapses != sharedClaimTTL {
		t.Fatalf("the other node's claim = %v, want in progress, lapsing in %v", err, sharedClaimTTL)
	}
	if msg := used.Error(); !strings.Contains(msg, "send it again in 120 s") {
		t.Fatalf("the refusal does not say when to send it again: %s", msg)
	}
	c, err := nodes[0].used.claim(tab, "fp", use)
	if err != nil {
		t.Fatalf("the resend on the node whose claim got no answer: %v", err)
	}
	if err := c.applied(); err != nil {
		t.Fatal(err)
	}
	if _, err := nodes[1].used.claim(tab, "fp", use); !errors.As(err, &used) || used.InProgress {
		t.Fatalf("the other node's claim once applied = %v, want already applied", err)
	}
	if n := len(nodes[0].used.unanswered); n != 0 {
		t.Fatalf("%d unanswered claims still remembered", n)
	}
}

// A 409 for a claim held in the cluster's record says when to send the
// upload again, in Retry-After as well as in words; one for an applied
// upload or a claim of this process does not.
func TestAlreadyAppliedRetryAfter(t *testing.T) {
	tests := []struct {
		name string
		err  *AlreadyApplied
		want string
	}{
		{"a claim in the cluster's record", &AlreadyApplied{InProgress: true, Lapses: sharedClaimTTL}, "120"},
		{"a claim of this process", &AlreadyApplied{InProgress: true}, ""},
		{"applied", &AlreadyApplied{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ctx fasthttp.RequestCtx
			if !signatureError(&ctx, fmt.Errorf("ivr: upload: %w", tt.err)) {
				t.Fatal("not answered as a refusal")
			}
			if got := string(ctx.Response.Header.Peek("Retry-After")); ctx.Response.StatusCode() != 409 || got != tt.want {
				t.Fatalf("%d, Retry-After %q; want 409, %q", ctx.Response.StatusCode(), got, tt.want)
			}
		})
	}
}
