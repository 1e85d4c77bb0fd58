package web

import (
	"net/url"
	"sync"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// Sign-ins were checked before they were counted: 40 concurrent wrong
// passwords from one address all reached bcrypt. Counted first, no more
// than five reach it in a window, however many arrive at once, and the
// lock outlives a restart.
func TestConcurrentSignInsCheckAtMostTheLimit(t *testing.T) {
	var cfg Config
	s, _ := newTestServer(t, func(c *Config) { c.BcryptCost = bcrypt.MinCost + 4; cfg = *c })
	base := listen(t, s)
	signUp(t, newBrowser(t, base))

	const n = 40
	browsers := make([]*browser, n)
	for i := range browsers {
		browsers[i] = newBrowser(t, base)
		browsers[i].get("/admin/sign-in")
	}
	codes := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, b := range browsers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			codes[i], _, _ = b.post("/admin/sign-in", url.Values{"name": {"ada"}, "password": {"wrong password!"}})
		}()
	}
	close(start)
	wg.Wait()
	checked := 0
	for _, c := range codes {
		switch c {
		case 401:
			checked++
		case 429, 503:
		default:
			t.Fatalf("a concurrent wrong sign-in answered %d", c)
		}
	}
	if checked > 5 {
		t.Fatalf("%d wrong passwords were checked at once; at most 5 may be", checked)
	}
	b := browsers[0]
	for i := checked; i < 5; i++ {
		code, body, _ := b.post("/admin/sign-in", url.Values{"name": {"ada"}, "password": {"wrong password!"}})
		expect(t, "a wrong password after the burst", code, body, 401, "do not match")
	}
	code, body, _ := b.post("/admin/sign-in", url.Values{"name": {"ada"}, "password": {"correct horse battery"}})
	expect(t, "the right password once five were checked", code, body, 429, "Too many failed sign-ins")

	restarted, err := New(cfg) // the same store, as after a restart
	if err != nil {
		t.Fatal(err)
	}
	defer restarted.Close()
	b2 := newBrowser(t, listen(t, restarted))
	b2.get("/admin/sign-in")
	code, body, _ = b2.post("/admin/sign-in", url.Values{"name": {"ada"}, "password": {"correct horse battery"}})
	expect(t, "the right password after a restart", code, body, 429, "Too many failed sign-ins")
}
