package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/tonebase/tonebase/internal/sharedstate"
	"github.com/tonebase/tonebase/internal/testkit/natstest"
	"github.com/tonebase/tonebase/ivr"
)

// countingBucket counts the writes made to a shared bucket.
type countingBucket struct {
	*sharedstate.Bucket
	puts atomic.Int64
}

func (c *countingBucket) Put(key string, val []byte, ttl time.Duration) (uint64, error) {
	c.puts.Add(1)
	return c.Bucket.Put(key, val, ttl)
}

func sharedBucket(t *testing.T, js jetstream.JetStream, name string, ttl time.Duration) *countingBucket {
	t.Helper()
	b, err := sharedstate.New(js, 1, 0).Bucket(context.Background(), name, ttl)
	if err != nil {
		t.Fatal(err)
	}
	return &countingBucket{Bucket: b}
}

// testClock is a settable clock both nodes read.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// webNodes starts two admin servers, each on its own store and its own
// connection, sharing the cluster's buckets as two nodes do.
func webNodes(t *testing.T, clock *testClock) (bases [2]string, sessions [2]*countingBucket) {
	t.Helper()
	ns := natstest.Start(t)
	for i := range 2 {
		js := ns.JetStream()
		sessions[i] = sharedBucket(t, js, sharedstate.Sessions, 12*time.Hour)
		signins := sharedBucket(t, js, sharedstate.SigninLocks, 15*time.Minute)
		imports := sharedBucket(t, js, sharedstate.Imports, 24*time.Hour)
		w, _ := newTestServer(t, func(c *Config) {
			c.SharedSessions, c.SharedSignins, c.SharedImports = sessions[i], signins, imports
			if clock != nil {
				c.Now = clock.Now
			}
		})
		bases[i] = listen(t, w)
	}
	return bases, sessions
}

// carry gives browser to the session cookie from's browser holds for from's server.
func carry(t *testing.T, from *browser, to *browser) {
	t.Helper()
	src, _ := url.Parse(from.base + "/admin/")
	dst, _ := url.Parse(to.base + "/admin/")
	var got []*http.Cookie
	for _, c := range from.c.Jar.Cookies(src) {
		if c.Name == cookieSession {
			got = append(got, &http.Cookie{Name: c.Name, Value: c.Value, Path: "/admin/"})
		}
	}
	if len(got) != 1 {
		t.Fatal("the first node set no session cookie")
	}
	to.c.Jar.SetCookies(dst, got)
}

// Sign in on one node, work on another; sign out there and the session
// has ended on both.
func TestSessionSignedInOnOneNodeWorksOnAnother(t *testing.T) {
	bases, _ := webNodes(t, nil)
	b1, b2 := newBrowser(t, bases[0]), newBrowser(t, bases[1])
	signUp(t, b1)
	carry(t, b1, b2)
	steps := []struct {
		name     string
		b        *browser
		do       func(b *browser) int
		wantCode int
	}{
		{"the dashboard on node 1", b1, func(b *browser) int { c, _, _ := b.get("/admin/"); return c }, 200},
		{"the dashboard on node 2 with node 1's cookie", b2, func(b *browser) int { c, _, _ := b.get("/admin/"); return c }, 200},
		{"sign out on node 2", b2, func(b *browser) int { c, _, _ := b.post("/admin/sign-out", url.Values{}); return c }, 303},
		{"node 1 has ended the session", b1, func(b *browser) int {
			for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
				if c, _, _ := b.get("/admin/"); c != 200 {
					return c
				}
			}
			c, _, _ := b.get("/admin/")
			return c
		}, 303},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if got := st.do(st.b); got != st.wantCode {
				t.Fatalf("answered %d, want %d", got, st.wantCode)
			}
		})
	}
}

// Idle time is honoured on every node, and use is written to the bucket
// about once a minute, not on every request.
func TestSessionIdleOverNodes(t *testing.T) {
	clock := &testClock{now: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)}
	bases, buckets := webNodes(t, clock)
	b1, b2 := newBrowser(t, bases[0]), newBrowser(t, bases[1])
	signUp(t, b1)
	carry(t, b1, b2)
	dashboard := func(b *browser) int { c, _, _ := b.get("/admin/"); return c }
	before := buckets[0].puts.Load() + buckets[1].puts.Load()
	for range 10 {
		if dashboard(b1) != 200 || dashboard(b2) != 200 {
			t.Fatal("a live session refused")
		}
	}
	if n := buckets[0].puts.Load() + buckets[1].puts.Load() - before; n != 0 {
		t.Fatalf("20 requests within a minute wrote the session %d times, want none", n)
	}
	// Used on node 2 only, for 40 minutes: node 1 sees the use.
	for range 8 {
		clock.add(5 * time.Minute)
		if dashboard(b2) != 200 {
			t.Fatal("node 2 ended a session in use")
		}
	}
	time.Sleep(200 * time.Millisecond) // node 1's watcher
	if dashboard(b1) != 200 {
		t.Fatal("node 1 idled out a session used on node 2")
	}
	if n := buckets[1].puts.Load(); n != 8 {
		t.Fatalf("node 2 wrote the session %d times over 8 uses five minutes apart, want 8", n)
	}
	clock.add(31 * time.Minute)
	for i, b := range []*browser{b1, b2} {
		if code := dashboard(b); code != 303 {
			t.Fatalf("node %d: a session idle 31 minutes answered %d", i+1, code)
		}
	}
}

// A wrong password on each node counts against one limit.
func TestSignInLockoutOverNodes(t *testing.T) {
	bases, _ := webNodes(t, nil)
	b1 := newBrowser(t, bases[0])
	signUp(t, b1)
	// Node 2 has its own store: its user is made there too, as the log
	// would bring it.
	signUp(t, newBrowser(t, bases[1]))
	for i := range 5 {
		b := newBrowser(t, bases[i%2])
		b.get("/admin/sign-in")
		code, body, _ := b.post("/admin/sign-in", url.Values{"name": {"ada"}, "password": {"wrong password!"}})
		expect(t, fmt.Sprintf("wrong password %d", i+1), code, body, 401, "do not match")
	}
	for i := range 2 {
		b := newBrowser(t, bases[i])
		b.get("/admin/sign-in")
		code, body, _ := b.post("/admin/sign-in", url.Values{"name": {"ada"}, "password": {"correct horse battery"}})
		expect(t, "the right password after five wrong ones over two nodes", code, body, 429, "Too many failed sign-ins")
	}
}

// heldRows holds an import after its first progress until released.
type heldRows struct {
	Rows
	started, release chan struct{}
}

func (h heldRows) Import(cid, dbid int64, f ivr.ImportFormat, r io.Reader, opt ivr.ImportOptions) (ivr.ImportResult, error) {
	opt.Progress(10, 1)
	close(h.started)
	<-h.release
	return h.Rows.Import(cid, dbid, f, r, opt)
}

// An import started on node 1 shows its live progress and its result on
// node 2, and node 2 will not start another into the same database.
func TestImportSeenFromAnotherNode(t *testing.T) {
	ns := natstest.Start(t)
	held := heldRows{started: make(chan struct{}), release: make(chan struct{})}
	var ws [2]*Server
	for i := range ws {
		js := ns.JetStream()
		imports := sharedBucket(t, js, sharedstate.Imports, 24*time.Hour)
		ws[i], _ = newTestServer(t, func(c *Config) {
			c.SharedImports = imports
			if i == 0 {
				held.Rows = c.Rows
				c.Rows = held
			}
		})
	}
	b1, _, db1 := demoDB(t, ws[0])
	b2, d2, db2 := demoDB(t, ws[1])
	if db1 != db2 {
		t.Fatalf("the nodes' databases differ: %s, %s", db1, db2)
	}
	b1.get(db1 + "/import")
	code, _, loc := b1.upload(db1+"/import", map[string]string{"mode": "upsert"}, "debtors.csv", "012345,01021990,£12.50\n")
	if code != 303 || !strings.HasPrefix(loc, "/admin/imports/") {
		t.Fatalf("import on node 1: %d %s", code, loc)
	}
	<-held.started
	progress := func(want func(JobView) bool) JobView {
		t.Helper()
		var v JobView
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			code, body, _ := b2.get(loc + "/progress")
			if code == 200 && json.Unmarshal([]byte(body), &v) == nil && want(v) {
				return v
			}
		}
		t.Fatalf("node 2's progress of the import never became what was wanted; last %+v", v)
		return v
	}
	steps := []struct {
		name string
		do   func(t *testing.T)
	}{
		{"node 2 shows it running, with its progress", func(t *testing.T) {
			progress(func(v JobView) bool { return !v.Done && v.Bytes == 10 && v.Records == 1 })
		}},
		{"node 2 refuses a second import into the database", func(t *testing.T) {
			b2.get(db2 + "/import")
			code, body, _ := b2.upload(db2+"/import", map[string]string{"mode": "upsert"}, "more.csv", "123456,01021990,1.00\n")
			expect(t, "an import while node 1 runs one", code, body, 409, "already running")
		}},
		{"node 2 shows its result", func(t *testing.T) {
			close(held.release)
			v := progress(func(v JobView) bool { return v.Done })
			if v.Result.Inserted != 1 || v.Error != "" {
				t.Fatalf("the result on node 2: %+v", v)
			}
			code, body, _ := b2.get(loc)
			expect(t, "the import's page on node 2", code, body, 200, "<strong>1</strong> added", "Finished")
			code, body, _ = b2.get(loc + "/rejected.csv")
			expect(t, "its refused lines on node 2", code, body, 404, "the server that ran it")
		}},
		{"node 2's database is free again", func(t *testing.T) {
			for deadline := time.Now().Add(5 * time.Second); ws[1].jobs.runningFor(d2.CID, d2.DBID) != "" && time.Now().Before(deadline); {
				time.Sleep(20 * time.Millisecond)
			}
			b2.get(db2 + "/import")
			code, _, loc := b2.upload(db2+"/import", map[string]string{"mode": "upsert"}, "more.csv", "123456,01021990,1.00\n")
			if code != 303 || !strings.HasPrefix(loc, "/admin/imports/") {
				t.Fatalf("import on node 2 once node 1's ended: %d %s", code, loc)
			}
		}},
	}
	for _, st := range steps {
		t.Run(st.name, st.do)
	}
}

// A session used without pause on one node still ends at its longest life
// on every node.
func TestSessionMaxLifeOverNodes(t *testing.T) {
	clock := &testClock{now: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)}
	bases, _ := webNodes(t, clock)
	b1, b2 := newBrowser(t, bases[0]), newBrowser(t, bases[1])
	signUp(t, b1)
	carry(t, b1, b2)
	dashboard := func(b *browser) int { c, _, _ := b.get("/admin/"); return c }
	for elapsed := time.Duration(0); elapsed < SessionMax-20*time.Minute; elapsed += 20 * time.Minute {
		clock.add(20 * time.Minute)
		if code := dashboard(b2); code != 200 {
			t.Fatalf("after %v of use on node 2 the session answered %d", elapsed, code)
		}
	}
	clock.add(21 * time.Minute)
	for i, b := range []*browser{b1, b2} {
		if code := dashboard(b); code != 303 {
			t.Fatalf("node %d: a session past its longest life answered %d", i+1, code)
		}
	}
}
