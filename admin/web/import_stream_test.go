package web

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// importPage signs an admin in on a server whose uploads may be maxUpload
// bytes, with a client and a database of the demo's columns, and returns
// the browser on the import page, the database's address and the work
// folder.
func importPage(t *testing.T, maxUpload int64) (*browser, string, string) {
	t.Helper()
	work := t.TempDir()
	s, _ := newTestServer(t, func(c *Config) { c.WorkDir, c.MaxUpload = work, maxUpload })
	b, _, path := demoDB(t, s)
	b.get(path + "/import")
	return b, path, work
}

// workFiles lists the work folder, sorted.
func workFiles(t *testing.T, work string) []string {
	t.Helper()
	es, err := os.ReadDir(work)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// importForm is the import page's form as a browser sends it: the token
// first, then the file, then the choices.
func importForm(csrf, file string) (string, []byte) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("csrf", csrf)
	fw, _ := w.CreateFormFile("file", "debtors.csv")
	io.WriteString(fw, file)
	w.WriteField("format", "auto")
	w.WriteField("mode", "upsert")
	w.Close()
	return w.FormDataContentType(), buf.Bytes()
}

// importAndWait imports file into the database at db and returns the
// import's page address and the page once it says the import finished.
func importAndWait(t *testing.T, b *browser, db, file string) (string, string) {
	t.Helper()
	typ, body := importForm(b.csrf, file)
	req, _ := http.NewRequest("POST", b.base+db+"/import", bytes.NewReader(body))
	req.Header.Set("Content-Type", typ)
	code, page, loc := b.do(req)
	if code != 303 || !strings.HasPrefix(loc, "/admin/imports/") {
		t.Fatalf("import: %d %s\n%s", code, loc, page)
	}
	for i := 0; ; i++ {
		if _, page, _ = b.get(loc); strings.Contains(page, "Finished") || i > 100 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	return loc, page
}

func TestImportStreamsToTheWorkFolder(t *testing.T) {
	b, db, work := importPage(t, 1<<20)
	file := "012345,01021990,£12.50,£5.00,£12.50,Alice Jones\n123456,31021990,1.00\n"
	loc, page := importAndWait(t, b, db, file)
	expect(t, "the import's page", 200, page, 200, "<strong>1</strong> added", "<strong>1</strong> refused",
		fmt.Sprintf("debtors.csv (CSV, %d bytes)", len(file)))
	// The spooled upload is gone once imported; the refused lines stay
	// for their download.
	id := strings.TrimPrefix(loc, "/admin/imports/")
	if got := workFiles(t, work); fmt.Sprint(got) != fmt.Sprint([]string{id + "-rejected.csv"}) {
		t.Fatalf("work folder holds %v", got)
	}
}

func TestImportRefusalsLeaveNoFiles(t *testing.T) {
	line := "012345,01021990,£12.50,£5.00,£12.50,Alice Jones\n"
	// Past 8 KiB, so that fasthttp has handed the body over as a stream
	// before it is cut off.
	long := strings.Repeat(line, (64<<10)/len(line))
	tests := []struct {
		name   string
		limit  int64
		csrf   func(b *browser) string
		file   string
		cut    bool // the connection drops halfway through the body
		status int
		says   string
	}{
		{"a stale form token", 1 << 20, func(*browser) string { return "forged" }, long, false, 403, "out of date"},
		{"a file past the limit", 4 << 10, func(b *browser) string { return b.csrf }, long, false, 413, "larger than 0 MiB"},
		{"a body cut off", 1 << 20, func(b *browser) string { return b.csrf }, long, true, 400, "did not arrive whole"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, db, work := importPage(t, tt.limit)
			typ, body := importForm(tt.csrf(b), tt.file)
			status, page := rawPost(t, b, db+"/import", typ, body, tt.cut)
			if status != tt.status || !strings.Contains(page, tt.says) {
				t.Fatalf("got %d, want %d saying %q\n%s", status, tt.status, tt.says, page)
			}
			if got := workFiles(t, work); len(got) > 0 {
				t.Fatalf("work folder holds %v", got)
			}
		})
	}
}

// rawPost sends a form over its own connection with the browser's cookies,
// announcing the whole body; cut sends only its first half, then stops
// sending, as a dropped upload does.
func rawPost(t *testing.T, b *browser, path, typ string, body []byte, cut bool) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(b.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	u, _ := http.NewRequest("GET", b.base+path, nil)
	var cookies []string
	for _, c := range b.c.Jar.Cookies(u.URL) {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nCookie: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		path, strings.Join(cookies, "; "), typ, len(body))
	if cut {
		body = body[:len(body)/2]
	}
	conn.Write(body)
	if cut {
		conn.(*net.TCPConn).CloseWrite()
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(page)
}

func TestNewRemovesLeftoverUploads(t *testing.T) {
	work := t.TempDir()
	for _, name := range []string{"spool-123", "abc.upload", "abc-rejected.csv"} {
		if err := os.WriteFile(filepath.Join(work, name), []byte("012345\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	newTestServer(t, func(c *Config) { c.WorkDir = work })
	if got := workFiles(t, work); fmt.Sprint(got) != "[abc-rejected.csv]" {
		t.Fatalf("work folder holds %v after a restart", got)
	}
}
