// Package testkit is what the tests of several packages share: a log sink
// that concurrent handlers may write to, a fixed table of API credentials,
// and a search of a store's files for secrets. Only tests import it.
package testkit

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tonebase/tonebase/customer/field"
	"github.com/valyala/fasthttp"
)

// SyncBuffer collects log output from concurrent handlers while a test reads it.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String is everything written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Scrubbed is everything written so far with the values the service
// generates itself blanked: request ids (random hex), durations and times.
// A leak check searches this, since a four-digit CVV turns up in those
// values now and then by chance.
func (s *SyncBuffer) Scrubbed() string {
	return generatedFields.ReplaceAllString(s.String(), `"$1":"-"`)
}

var generatedFields = regexp.MustCompile(`"(request_id|duration|time|elapsed|took)":("[^"]*"|[0-9.eE+-]+)`)

// Clients authenticates the tenants of a test by "key:secret".
type Clients map[string]int64

// Authenticate implements httpx.Authenticator.
func (c Clients) Authenticate(key, secret []byte) (int64, error) {
	if cid, ok := c[string(key)+":"+string(secret)]; ok {
		return cid, nil
	}
	return 0, errors.New("bad credentials")
}

// Finding is a secret found in clear in a file.
type Finding struct{ File, Secret string }

// SecretsInFiles reads every file under dir and lists each secret found in
// clear, and how many files it read. Payment method tokens are blanked
// first: they are stored in clear on purpose (16 digits failing the Luhn
// check), and their random digits now and then hold a short secret, a CVV,
// by chance. A card number passes Luhn, so it is never blanked.
func SecretsInFiles(dir string, secrets []string) ([]Finding, int, error) {
	var found []Finding
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		b = blankTokens(b)
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				found = append(found, Finding{File: filepath.Base(path), Secret: s})
			}
		}
		return nil
	})
	return found, files, err
}

// tokenLen is a payment method token's length.
const tokenLen = 16

// blankTokens overwrites every run of exactly sixteen digits that fails the
// Luhn check with underscores.
func blankTokens(b []byte) []byte {
	isDigit := func(i int) bool { return i >= 0 && i < len(b) && b[i] >= '0' && b[i] <= '9' }
	for i := 0; i+tokenLen <= len(b); i++ {
		if isDigit(i-1) || !isDigit(i) {
			continue
		}
		j := i
		for isDigit(j) {
			j++
		}
		if j-i == tokenLen && !field.Luhn(string(b[i:j])) {
			copy(b[i:j], bytes.Repeat([]byte("_"), tokenLen))
		}
		i = j
	}
	return b
}

// Shutdown stops a test's fasthttp server, waiting at most 10 s: a bare
// Shutdown waits for every connection to close, and one hung a test under
// load on a keep-alive connection the server was still reading from.
func Shutdown(srv *fasthttp.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = srv.ShutdownWithContext(ctx)
}

// Needed skips a test whose machine lacks a peer it needs (a real
// Asterisk, chromium, Twilio's Node library, xmllint, root), or fails it
// when TONEBASE_REQUIRE_PEERS is set, as .ci/run sets it: CI cannot pass
// by skipping what it was meant to run.
func Needed(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("TONEBASE_REQUIRE_PEERS") != "" {
		t.Fatal(why)
	}
	t.Skip(why)
}

// FreeAddr is a loopback address whose port is free now, for a process
// the test starts to listen on. The port is below the kernel's ephemeral
// range: one from that range (what port 0 hands out) can be taken as the
// source port of any outgoing connection before the process binds it.
func FreeAddr(t testing.TB) string {
	t.Helper()
	low := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil && n > 11000 {
				low = n
			}
		}
	}
	for range 200 {
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(10000+rand.IntN(low-10000)))
		if err != nil {
			continue
		}
		addr := ln.Addr().String()
		_ = ln.Close()
		return addr
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
