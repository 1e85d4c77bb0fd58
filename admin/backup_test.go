package admin

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/backup"
)

// gate is a store whose backup waits until it is let go, then writes body
// or fails.
type gate struct {
	started chan struct{}
	release chan error
	body    []byte
}

func (g *gate) Backup(w io.Writer) (columndb.BackupStats, error) {
	g.started <- struct{}{}
	if err := <-g.release; err != nil {
		return columndb.BackupStats{}, err
	}
	_, err := w.Write(g.body)
	return columndb.BackupStats{Keys: 1}, err
}

func serveBackups(t *testing.T, b *Backups) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: b.api.Guard(b.Download)}
	go srv.Serve(ln) //nolint:errcheck // ends with Shutdown
	t.Cleanup(func() { _ = srv.Shutdown() })
	return "http://" + ln.Addr().String()
}

func getBackup(t *testing.T, base string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/admin/api/backup", nil)
	req.Header.Set("Authorization", "Bearer admin-token-0123456789")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

// TestOneBackupAtATime: a second backup while one streams is refused with
// 409, and the next after it ends goes ahead; a backup that fails part
// way ends its stream without the last frame, and frees the endpoint too.
func TestOneBackupAtATime(t *testing.T) {
	g := &gate{started: make(chan struct{}), release: make(chan error), body: []byte("the store")}
	files := func() ([]backup.File, error) {
		return []backup.File{{Name: "secrets.key", Data: make([]byte, 32)}}, nil
	}
	api := NewAPI("admin-token-0123456789", nil, nil, zerolog.Nop())
	base := serveBackups(t, api.Backups(BackupConfig{Store: g, Files: files}))

	first := make(chan []byte)
	go func() { _, body := getBackup(t, base); first <- body }()
	<-g.started
	resp, body := getBackup(t, base)
	if resp.StatusCode != 409 || !bytes.Contains(body, []byte("a backup is already running")) {
		t.Fatalf("a second backup: %d %s", resp.StatusCode, body)
	}
	g.release <- nil
	file := <-first
	_, _, err := backup.Read(bytes.NewReader(file), nil, func(r io.Reader) error {
		got, err := io.ReadAll(r)
		if err == nil && string(got) != "the store" {
			t.Errorf("store stream %q", got)
		}
		return err
	})
	if err != nil {
		t.Fatalf("the first backup: %v", err)
	}

	failed := make(chan []byte)
	go func() { _, body := getBackup(t, base); failed <- body }()
	<-g.started
	g.release <- errors.New("disk read error")
	file = <-failed
	_, _, err = backup.Read(bytes.NewReader(file), nil, func(r io.Reader) error { _, err := io.ReadAll(r); return err })
	if !errors.Is(err, backup.ErrTruncated) {
		t.Fatalf("a backup that failed part way reads as %v, want ErrTruncated", err)
	}

	go func() { g.release <- nil }()
	go func() { <-g.started }()
	if resp, _ := getBackup(t, base); resp.StatusCode != 200 {
		t.Fatalf("the backup after a failed one: %d", resp.StatusCode)
	}
}
