package httpx

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
)

func TestReceive(t *testing.T) {
	body := strings.Repeat("x", 1000)
	tests := []struct {
		name   string
		r      io.Reader
		size   int64
		budget *MemBudget
		held   bool  // in memory, not on disk
		err    error // or this
	}{
		{"announced and within the budget: in memory", strings.NewReader(body), 1000, NewMemBudget(4000, 2000), true, nil},
		{"not announced: on disk", strings.NewReader(body), -1, NewMemBudget(4000, 2000), false, nil},
		{"larger than a body may hold: on disk", strings.NewReader(body), 1000, NewMemBudget(4000, 500), false, nil},
		{"past what is left of the budget: on disk", strings.NewReader(body), 1000, func() *MemBudget { m := NewMemBudget(1500, 2000); m.take(1000); return m }(), false, nil},
		{"no budget: on disk", strings.NewReader(body), 1000, nil, false, nil},
		{"announced past the limit", strings.NewReader(body), 5000, NewMemBudget(4000, 2000), false, ErrTooLarge},
		{"cut off before its length, in memory", &announced{r: strings.NewReader(body[:10]), want: 1000}, 1000, NewMemBudget(4000, 2000), false, ErrBodyRead},
		{"cut off before its length, on disk", &announced{r: strings.NewReader(body[:10]), want: 1000}, 1000, nil, false, ErrBodyRead},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var tee bytes.Buffer
			rc, err := Receive(NewSpooler(dir, nil, 0), tt.r, tt.size, 2000, &tee, tt.budget)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, held := rc.Bytes(); held != tt.held {
				t.Fatalf("held in memory %v, want %v", held, tt.held)
			}
			if !tt.held && tee.String() != body {
				t.Fatalf("a spooled body's tee saw %d bytes", tee.Len())
			}
			for range 2 { // opened again, it reads from the start
				b, err := io.ReadAll(rc.Open())
				if err != nil || string(b) != body {
					t.Fatalf("read back %d bytes, %v", len(b), err)
				}
			}
			rc.Discard()
			rc.Discard()
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Fatalf("left %d files", len(left))
			}
			if tt.budget != nil && tt.budget.used != 0 && tt.name != "past what is left of the budget: on disk" {
				t.Fatalf("budget still holds %d bytes", tt.budget.used)
			}
		})
	}
}
