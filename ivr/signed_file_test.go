package ivr

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/hash"
	"github.com/tonebase/tonebase/internal/httpx"
	"github.com/tonebase/tonebase/internal/testkit"
)

// debtorFile generates a CSV debtor file of n lines without holding it:
// the test must not keep in memory what it checks the server does not.
type debtorFile struct {
	n, i int
	name string // a long customer name widens each line
	buf  []byte
}

func newDebtorFile(n int) *debtorFile {
	return &debtorFile{n: n, name: strings.Repeat("Customer Name ", 10)}
}

func (f *debtorFile) Read(p []byte) (int, error) {
	for len(f.buf) < len(p) && f.i < f.n {
		f.buf = fmt.Appendf(f.buf, "%06d,01021990,£12.50,£5.00,£12.50,%s\n", f.i, f.name)
		f.i++
	}
	if len(f.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, f.buf)
	f.buf = f.buf[:copy(f.buf, f.buf[n:])]
	return n, nil
}

// signFile returns a generated file's signature and length, as a merchant
// would compute them before posting it.
func signFile(t *testing.T, dbid int64, rows int) (string, int64) {
	t.Helper()
	d := hash.NewModeDigest(1234, dbid, "secret", "upsert")
	n, err := io.Copy(d, newDebtorFile(rows))
	if err != nil {
		t.Fatal(err)
	}
	return d.Token(), n
}

// countingStore writes nothing but counts the rows an import hands it, so
// a memory measurement sees the import and not the store.
type countingStore struct {
	Store
	mu   sync.Mutex
	rows int
}

func (c *countingStore) Upsert(t *columndb.Table, rows []columndb.Row) (columndb.UpsertResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rows += len(rows)
	return columndb.UpsertResult{Inserted: len(rows)}, nil
}

// fileService is a service over a database of the guide's columns and a
// long customer name, spooling uploads to its own folder.
func fileService(t *testing.T, wrap func(Store) Store) (*Service, int64, string) {
	t.Helper()
	cols := append(guideColumns(), Column{ID: "colF", Name: "Customer Name", Type: columndb.TypeText, Visible: true})
	store, cat, dbid := newTestCatalog(t, cols)
	work := t.TempDir()
	var st Store = store
	if wrap != nil {
		st = wrap(store)
	}
	s := NewService(st, cat, fakeClients{}, Config{WorkDir: work, MaxUpload: 256 << 20})
	t.Cleanup(s.Close)
	return s, dbid, work
}

// serveFile serves the signed file endpoint on a loopback listener, with
// bodies streamed as serve streams them.
func serveFile(t *testing.T, s *Service) string {
	t.Helper()
	h := NewHandlers(s, zerolog.Nop(), nopMetrics{})
	srv := &fasthttp.Server{Handler: h.File, MaxRequestBodySize: 256 << 20, ReadTimeout: time.Minute}
	httpx.StreamBodies(srv)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { testkit.Shutdown(srv) })
	return ln.Addr().String()
}

// postFile sends body, announcing length bytes, and reads the answer.
// A body shorter than length is cut off there, as a dropped connection.
func postFile(t *testing.T, addr, query string, length int64, body io.Reader) (int, map[string]any) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The body is written while the answer is read: a refused one is
	// answered without being read, and its connection closed.
	wrote := make(chan error, 1)
	go func() {
		w := bufio.NewWriterSize(conn, 64<<10)
		fmt.Fprintf(w, "POST /cppdb/api/file?%s HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: %d\r\n\r\n", query, length)
		_, err := io.Copy(w, body)
		if err == nil {
			err = w.Flush()
		}
		conn.(*net.TCPConn).CloseWrite()
		wrote <- err
	}()
	defer func() { <-wrote }()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

// noSpools fails if the work folder still holds a spooled upload.
func noSpools(t *testing.T, work string) {
	t.Helper()
	left, err := os.ReadDir(work)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) > 0 {
		t.Fatalf("%d files left in the work folder, the first %s", len(left), left[0].Name())
	}
}

// TestFileStreamsInBoundedMemory posts a 200,000-line file (36 MB) and
// samples the heap while it is spooled, checked and imported: the body
// must never be held in memory, only a batch of rows at a time. It checks
// the live heap each collection finds (runtime/metrics); the heap in use
// (runtime.MemStats.HeapInuse) is logged too, but at this allocation rate
// it mostly measures garbage awaiting the collector.
func TestFileStreamsInBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("a 36 MB upload; not in -short")
	}
	const rows = 200_000
	var store *countingStore
	s, dbid, work := fileService(t, func(st Store) Store { store = &countingStore{Store: st}; return store })
	addr := serveFile(t, s)
	token, size := signFile(t, dbid, rows)

	// Collect garbage often, so the heap in use is what is live, not
	// what a lazy collector has yet to free.
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	var code int
	var out map[string]any
	live, inUse := heapGrowth(func() {
		code, out = postFile(t, addr, fmt.Sprintf("cid=1234&dbid=%d&Hash=%s", dbid, token), size, newDebtorFile(rows))
	})
	if code != 200 || out["received"] != float64(rows) || out["inserted"] != float64(rows) || store.rows != rows {
		t.Fatalf("%d %v; %d rows stored", code, out, store.rows)
	}
	t.Logf("body %.1f MB; during the upload the live heap grew by %.1f MB at most, the heap in use by %.1f MB",
		float64(size)/1e6, float64(live)/1e6, float64(inUse)/1e6)
	if live > size/3 {
		t.Fatalf("the live heap grew by %d bytes for a %d-byte body: the body is held in memory", live, size)
	}
	noSpools(t, work)
}

// heapGrowth runs f and returns how far the live heap (as the last
// collection marked it) and the heap in use rose above where they stood
// before, sampled every 5 ms.
func heapGrowth(f func()) (live, inUse int64) {
	sample := func() (uint64, uint64) {
		s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		metrics.Read(s)
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return s[0].Value.Uint64(), ms.HeapInuse
	}
	runtime.GC()
	baseLive, baseInUse := sample()
	peakLive, peakInUse := baseLive, baseInUse
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				l, u := sample()
				peakLive, peakInUse = max(peakLive, l), max(peakInUse, u)
			}
		}
	}()
	f()
	close(stop)
	<-done
	return int64(peakLive - baseLive), int64(peakInUse - baseInUse)
}

func TestFileRefusals(t *testing.T) {
	s, dbid, work := fileService(t, nil)
	addr := serveFile(t, s)
	const rows = 2000
	token, size := signFile(t, dbid, rows)
	query := func(hash string) string { return fmt.Sprintf("cid=1234&dbid=%d&Hash=%s", dbid, hash) }
	tests := []struct {
		name   string
		query  string
		length int64
		body   io.Reader
		status int
		err    string
	}{
		{"a bad hash, refused before any row is written", query(strings.Replace(token, token[:4], "AAAA", 1)), size, newDebtorFile(rows), 403, "Invalid hash"},
		{"a body cut off halfway", query(token), size, io.LimitReader(newDebtorFile(rows), size/2), 400, "did not arrive whole"},
		{"another client's database", fmt.Sprintf("cid=99&dbid=%d&Hash=%s", dbid, token), size, newDebtorFile(rows), 404, "Invalid clientid"},
		{"no such database", "cid=1234&dbid=77&Hash=" + token, size, newDebtorFile(rows), 404, "Invalid database ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := postFile(t, addr, tt.query, tt.length, tt.body)
			if status != tt.status || !strings.Contains(fmt.Sprint(out["error"]), tt.err) {
				t.Fatalf("got %d %v, want %d %q", status, out, tt.status, tt.err)
			}
			if n, err := s.store.RowCount(mustTable(t, s, dbid)); err != nil || n != 0 {
				t.Fatalf("%d rows written (%v)", n, err)
			}
			noSpools(t, work)
		})
	}
	// The same file, whole and signed, goes in.
	if status, out := postFile(t, addr, query(token), size, newDebtorFile(rows)); status != 200 || out["inserted"] != float64(rows) {
		t.Fatalf("the good file: %d %v", status, out)
	}
	noSpools(t, work)
}

func mustTable(t *testing.T, s *Service, dbid int64) *columndb.Table {
	t.Helper()
	tb, err := s.catalog.Table(1234, dbid)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// failingReader fails the test if the body is read at all.
type failingReader struct{ t *testing.T }

func (f failingReader) Read([]byte) (int, error) {
	f.t.Error("the body was read")
	return 0, io.EOF
}

func TestImportSignedRefusesBeforeReading(t *testing.T) {
	s, dbid, work := fileService(t, nil)
	tests := []struct {
		name string
		u    Signed
		want error
	}{
		{"unknown client", Signed{CID: 99, DBID: dbid}, ErrInvalidClient},
		{"unknown database", Signed{CID: 1234, DBID: 77}, ErrInvalidDatabase},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.ImportSigned(tt.u, ImportUpsert, failingReader{t}); !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
	noSpools(t, work)
}
