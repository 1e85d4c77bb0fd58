package httpx

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// noSpools fails if dir still holds a spooled body.
func noSpools(t *testing.T, dir string) {
	t.Helper()
	left, _ := filepath.Glob(filepath.Join(dir, "spool-*"))
	if len(left) > 0 {
		t.Fatalf("spool files left behind: %v", left)
	}
}

// brokenReader gives some bytes, then a connection's error.
type brokenReader struct{ left int }

func (b *brokenReader) Read(p []byte) (int, error) {
	if b.left == 0 {
		return 0, io.ErrUnexpectedEOF
	}
	n := min(len(p), b.left)
	b.left -= n
	return n, nil
}

func TestSpool(t *testing.T) {
	tests := []struct {
		name  string
		body  func() io.Reader
		limit int64
		want  error
	}{
		{"within the limit", func() io.Reader { return strings.NewReader("012345,01021990\n") }, 100, nil},
		{"exactly the limit", func() io.Reader { return strings.NewReader("0123456789") }, 10, nil},
		{"empty", func() io.Reader { return strings.NewReader("") }, 10, nil},
		{"a byte past the limit", func() io.Reader { return strings.NewReader("0123456789x") }, 10, ErrTooLarge},
		{"cut off", func() io.Reader { return &brokenReader{left: 5} }, 100, ErrBodyRead},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var tee bytes.Buffer
			sp, err := Spool(dir, tt.body(), tt.limit, &tee)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if err != nil {
				noSpools(t, dir)
				return
			}
			got, err := io.ReadAll(sp)
			if err != nil || !bytes.Equal(got, tee.Bytes()) || int64(len(got)) != sp.Size {
				t.Fatalf("read back %q (%v), teed %q, size %d", got, err, tee.Bytes(), sp.Size)
			}
			kept := dir + "/kept"
			if err := sp.Keep(kept); err != nil {
				t.Fatal(err)
			}
			sp.Discard() // after Keep: leaves the kept file alone
			if b, err := os.ReadFile(kept); err != nil || !bytes.Equal(b, got) {
				t.Fatalf("kept file %q %v", b, err)
			}
		})
	}
}
