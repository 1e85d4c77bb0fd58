package sharedstate

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/tonebase/tonebase/internal/testkit/natstest"
)

// lagging answers every direct get as a replica that has stored nothing
// yet would.
type lagging struct {
	jetstream.Stream
	gets int
}

func (l *lagging) GetLastMsgForSubject(context.Context, string) (*jetstream.RawStreamMsg, error) {
	l.gets++
	return nil, jetstream.ErrMsgNotFound
}

// TestGetAsksTheLeaderOnAMiss: reads through a replica that lags behind
// every write still find what was written, miss what was not, and see a
// removal as one, with the revision a write must expect.
func TestGetAsksTheLeaderOnAMiss(t *testing.T) {
	js := natstest.Start(t).JetStream()
	b, err := New(js, 1, 0).Bucket(context.Background(), "lagging", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Create("session/1", []byte("admin"), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Create("gone", []byte("x"), 0); err != nil {
		t.Fatal(err)
	}
	removed, err := b.Delete("gone")
	if err != nil {
		t.Fatal(err)
	}
	lag := &lagging{Stream: b.stream}
	b.stream = lag

	tests := []struct {
		name    string
		key     string
		want    string
		wantErr error
		rev     uint64
	}{
		{"a key written on another node a moment ago", "session/1", "admin", nil, 0},
		{"a key never written", "session/2", "", ErrNotFound, 0},
		{"a removed key, with its removal's revision", "gone", "", ErrNotFound, removed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, rev, err := b.get(tt.key)
			if !errors.Is(err, tt.wantErr) || string(v) != tt.want || (tt.rev != 0 && rev != tt.rev) {
				t.Fatalf("get(%q) = %q, %d, %v; want %q, %d, %v", tt.key, v, rev, err, tt.want, tt.rev, tt.wantErr)
			}
		})
	}
	if lag.gets != len(tests) {
		t.Fatalf("%d direct gets, want one a read", lag.gets)
	}
	// Writes that expect a revision read it the same way.
	if _, err := b.Update("session/1", func(cur []byte, found bool) ([]byte, time.Duration, error) {
		if !found || string(cur) != "admin" {
			t.Fatalf("Update saw %q, found %v", cur, found)
		}
		return []byte("admin, renewed"), 0, nil
	}); err != nil {
		t.Fatalf("update through a lagging replica: %v", err)
	}
}
