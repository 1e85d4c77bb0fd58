package sharedstate_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tonebase/tonebase/internal/sharedstate"
	"github.com/tonebase/tonebase/internal/testkit/natstest"
)

func bucket(t *testing.T, ttl time.Duration) *sharedstate.Bucket {
	t.Helper()
	js := natstest.Start(t).JetStream()
	b, err := sharedstate.New(js, 1, 0).Bucket(context.Background(), "test", ttl)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCreateIsFirstWriterWins(t *testing.T) {
	b := bucket(t, time.Hour)
	tests := []struct {
		name    string
		do      func() error
		wantErr error
	}{
		{"the first create wins", func() error { _, err := b.Create("k/1 ä", []byte("a"), 0); return err }, nil},
		{"the second is refused", func() error { _, err := b.Create("k/1 ä", []byte("b"), 0); return err }, sharedstate.ErrExists},
		{"a delete frees it", func() error { _, err := b.Delete("k/1 ä"); return err }, nil},
		{"and a create over the marker wins", func() error { _, err := b.Create("k/1 ä", []byte("c"), 0); return err }, nil},
		{"an empty key is a key", func() error { _, err := b.Create("", []byte("e"), 0); return err }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.do(); !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
	if v, err := b.Get("k/1 ä"); err != nil || string(v) != "c" {
		t.Fatalf("Get = %q, %v; want the last create's value", v, err)
	}
}

func TestConcurrentCreatesHaveOneWinner(t *testing.T) {
	b := bucket(t, time.Hour)
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := b.Create("once", []byte(strconv.Itoa(i)), 0)
			if err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			} else if !errors.Is(err, sharedstate.ErrExists) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d creates won, want 1", wins)
	}
}

func TestUpdateCountsEveryIncrement(t *testing.T) {
	b := bucket(t, time.Hour)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				_, err := b.Update("n", func(cur []byte, _ bool) ([]byte, time.Duration, error) {
					n, _ := strconv.Atoi(string(cur))
					return []byte(strconv.Itoa(n + 1)), 0, nil
				})
				if err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if v, _ := b.Get("n"); string(v) != "40" {
		t.Fatalf("counter = %s, want 40", v)
	}
}

type entry struct {
	Key      string
	Value    []byte
	Revision uint64
}

func TestWatchSeesValuesChangesAndExpiry(t *testing.T) {
	b := bucket(t, time.Hour)
	if _, err := b.Put("before", []byte("1"), 0); err != nil {
		t.Fatal(err)
	}
	got := make(chan entry, 16)
	stop, err := b.Watch(func(k string, v []byte, rev uint64) { got <- entry{k, v, rev} })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	next := func() entry {
		t.Helper()
		select {
		case e := <-got:
			return e
		case <-time.After(10 * time.Second):
			t.Fatal("no entry")
		}
		return entry{}
	}
	if e := next(); e.Key != "before" || string(e.Value) != "1" {
		t.Fatalf("initial entry %+v", e)
	}
	if _, err := b.Put("brief", []byte("2"), time.Second); err != nil {
		t.Fatal(err)
	}
	if e := next(); e.Key != "brief" || string(e.Value) != "2" {
		t.Fatalf("change %+v", e)
	}
	if e := next(); e.Key != "brief" || e.Value != nil {
		t.Fatalf("expiry %+v, want the key removed", e)
	}
	if _, err := b.Get("brief"); !errors.Is(err, sharedstate.ErrNotFound) {
		t.Fatalf("an expired key reads %v", err)
	}
}

// With its server gone, a bucket answers at once instead of after its
// timeout, so a lookup that records a miss does not wait.
func TestDisconnectedAnswersAtOnce(t *testing.T) {
	s := natstest.Start(t)
	js := s.JetStream()
	b, err := sharedstate.New(js, 1, 5*time.Second).Bucket(context.Background(), "test", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	s.Shutdown()
	s.WaitForShutdown()
	for deadline := time.Now().Add(5 * time.Second); js.Conn().IsConnected(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the client never noticed its server had gone")
		}
	}
	ops := []struct {
		name string
		do   func() error
	}{
		{"get", func() error { _, err := b.Get("k"); return err }},
		{"put", func() error { _, err := b.Put("k", []byte("v"), 0); return err }},
		{"create", func() error { _, err := b.Create("k", []byte("v"), 0); return err }},
		{"update", func() error {
			_, err := b.Update("k", func([]byte, bool) ([]byte, time.Duration, error) { return []byte("v"), 0, nil })
			return err
		}},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			start := time.Now()
			if err := op.do(); !errors.Is(err, sharedstate.ErrDisconnected) {
				t.Fatalf("err = %v, want ErrDisconnected", err)
			}
			if d := time.Since(start); d > 100*time.Millisecond {
				t.Fatalf("took %v", d)
			}
		})
	}
}
