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

func TestDecodeLeaderReply(t *testing.T) {
	tests := []struct {
		name    string
		reply   string
		wantErr error // nil: no error; errAny: some other error
		data    string
		op      string // the KV-Operation header
	}{
		{"a message", `{"type":"io.nats.jetstream.api.v1.stream_msg_get_response","message":{"subject":"$KV.b.k","seq":7,"data":"YWRtaW4=","time":"2026-12-03T07:00:00Z"}}`, nil, "admin", ""},
		{"a removal's marker", `{"message":{"subject":"$KV.b.k","seq":8,"hdrs":"TkFUUy8xLjANCktWLU9wZXJhdGlvbjogREVMDQoNCg==","time":"2026-12-03T07:00:00Z"}}`, nil, "", "DEL"},
		{"no message on the subject", `{"error":{"code":404,"err_code":10037,"description":"no message found"}}`, jetstream.ErrMsgNotFound, "", ""},
		{"another error", `{"error":{"code":503,"err_code":10008,"description":"JetStream system temporarily unavailable"}}`, errAny, "", ""},
		{"neither", `{"type":"io.nats.jetstream.api.v1.stream_msg_get_response"}`, errAny, "", ""},
		{"not JSON", `<html>`, errAny, "", ""},
		{"headers that are not NATS headers", `{"message":{"seq":9,"hdrs":"aGVsbG8="}}`, errAny, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := decodeLeaderReply([]byte(tt.reply))
			switch {
			case tt.wantErr == errAny:
				if err == nil {
					t.Fatalf("decoded %+v, want an error", m)
				}
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err %v, want %v", err, tt.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			case string(m.Data) != tt.data || m.Header.Get("KV-Operation") != tt.op:
				t.Fatalf("decoded %q with KV-Operation %q, want %q and %q", m.Data, m.Header.Get("KV-Operation"), tt.data, tt.op)
			}
		})
	}
}

var errAny = errors.New("any error")

// FuzzDecodeLeaderReply: any answer decodes to a message or an error,
// never both, never a panic.
func FuzzDecodeLeaderReply(f *testing.F) {
	f.Add([]byte(`{"message":{"subject":"$KV.b.k","seq":7,"data":"YWRtaW4="}}`))
	f.Add([]byte(`{"message":{"seq":8,"hdrs":"TkFUUy8xLjANCktWLU9wZXJhdGlvbjogREVMDQoNCg=="}}`))
	f.Add([]byte(`{"error":{"code":404,"err_code":10037,"description":"no message found"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := decodeLeaderReply(data)
		if (m == nil) == (err == nil) {
			t.Fatalf("message %v and error %v", m, err)
		}
	})
}
