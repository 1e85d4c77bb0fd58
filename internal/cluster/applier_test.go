package cluster

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
)

func TestApplierFollows(t *testing.T) {
	c := open(t, startNode(t).URL(), 1)
	l := c.Log()
	var want []string
	for i := range 3 {
		e := fmt.Sprintf("before %d", i)
		want = append(want, e)
		if _, err := l.Append([]byte(e)); err != nil {
			t.Fatal(err)
		}
	}
	st := &memStore{}
	a := c.Follow(Follow{Store: st, Log: zerolog.Nop()})
	defer a.Stop()
	for i := range 50 {
		e := fmt.Sprintf("after %d", i)
		want = append(want, e)
		if _, err := l.Append([]byte(e)); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "every entry applied", func() bool { return st.Applied() == uint64(len(want)) })
	if got := st.got(); !slices.Equal(got, want) {
		t.Fatalf("applied %q, want %q", got, want)
	}
	s := a.Status()
	if s.Lag != 0 || s.Stopped != nil || s.Applied != 53 {
		t.Fatalf("status %+v", s)
	}
	eventually(t, "the probe's word", func() bool { return a.Status().Writable })
}

// TestApplierResumes: a second applier on the same store starts after its
// last applied entry and applies none twice.
func TestApplierResumes(t *testing.T) {
	c := open(t, startNode(t).URL(), 1)
	l := c.Log()
	st := &memStore{}
	a := c.Follow(Follow{Store: st, Log: zerolog.Nop()})
	for i := range 10 {
		if _, err := l.Append(fmt.Appendf(nil, "%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "ten applied", func() bool { return st.Applied() == 10 })
	a.Stop()
	for i := 10; i < 20; i++ {
		if _, err := l.Append(fmt.Appendf(nil, "%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	a = c.Follow(Follow{Store: st, Log: zerolog.Nop()})
	defer a.Stop()
	eventually(t, "twenty applied", func() bool { return st.Applied() == 20 })
	if got := st.got(); len(got) != 20 || got[10] != "10" {
		t.Fatalf("applied %q", got)
	}
}

func TestApplierStops(t *testing.T) {
	for _, tt := range []struct {
		name  string
		setup func(t *testing.T, c *Cluster, st *memStore)
		want  string
	}{
		{"an entry that diverges", func(t *testing.T, c *Cluster, st *memStore) {
			st.fail = func(seq uint64, _ []byte) error {
				if seq == 3 {
					return errBadEntry
				}
				return nil
			}
		}, "at entry 3"},
		{"a gap: the log was purged past the store", func(t *testing.T, c *Cluster, _ *memStore) {
			if err := c.stream.Purge(context.Background(), jetstreamPurgeTo(4)); err != nil {
				t.Fatal(err)
			}
		}, "behind the log's start"},
		{"the log purged empty past the store: no entry comes to show the gap", func(t *testing.T, c *Cluster, st *memStore) {
			if err := c.stream.Purge(context.Background()); err != nil {
				t.Fatal(err)
			}
			st.applied = 2
		}, "behind the log's start"},
		{"a store past the log", func(t *testing.T, _ *Cluster, st *memStore) {
			st.applied = 99
		}, "past the log's last entry"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := open(t, startNode(t).URL(), 1)
			for i := range 5 {
				if _, err := c.Log().Append(fmt.Appendf(nil, "%d", i)); err != nil {
					t.Fatal(err)
				}
			}
			st := &memStore{}
			tt.setup(t, c, st)
			a := c.Follow(Follow{Store: st, Fatal: func(err error) bool { return errors.Is(err, errBadEntry) }, Log: zerolog.Nop()})
			defer a.Stop()
			eventually(t, "the applier to stop", func() bool { return a.Status().Stopped != nil })
			err := a.Status().Stopped
			if !errors.Is(err, ErrStopped) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("stopped with %v, want %q", err, tt.want)
			}
			select {
			case <-a.Behind():
				if !errors.Is(err, ErrBehind) {
					t.Fatalf("Behind closed for %v", err)
				}
			default:
				if errors.Is(err, ErrBehind) {
					t.Fatal("stopped behind the log's start, and Behind is not closed")
				}
			}
		})
	}
}

func jetstreamPurgeTo(seq uint64) jetstream.StreamPurgeOpt { return jetstream.WithPurgeSequence(seq) }
