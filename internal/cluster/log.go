package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ErrUnavailable is an append the log did not acknowledge: no JetStream
// quorum, no server answering, or no answer within the timeout. The entry
// may or may not be in the log; the applier will say.
var ErrUnavailable = errors.New("cluster: the write log is unavailable")

// Log is the write log as the store sees it: Append publishes an entry to
// the stream and returns the sequence JetStream acknowledged it at.
type Log struct {
	c *Cluster
	// boot and n make each entry's message id, so a publish repeated
	// after a lost answer is stored once.
	boot string
	n    atomic.Uint64
}

// Log is the cluster's write log.
func (c *Cluster) Log() *Log {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return &Log{c: c, boot: hex.EncodeToString(b)}
}

// MaxEntry is the largest entry Append takes.
func (l *Log) MaxEntry() int { return MaxEntry }

// retryWait is the pause between attempts while a stream elects a leader.
const retryWait = 100 * time.Millisecond

// Append publishes entry and waits for its acknowledgement, which
// JetStream sends once a quorum of the stream's replicas holds it.
// Attempts are repeated within AppendTimeout with the same message id, so
// an election in the middle costs a pause, not a failure.
func (l *Log) Append(entry []byte) (uint64, error) {
	if len(entry) > MaxEntry {
		return 0, fmt.Errorf("cluster: an entry of %d bytes is past the log's %d", len(entry), MaxEntry)
	}
	id := l.boot + "-" + strconv.FormatUint(l.n.Add(1), 36)
	ctx, cancel := context.WithTimeout(context.Background(), l.c.cfg.AppendTimeout)
	defer cancel()
	for {
		ack, err := l.c.js.Publish(ctx, Subject, entry, jetstream.WithMsgID(id), jetstream.WithExpectStream(StreamName))
		if err == nil {
			l.c.health.appended()
			return ack.Sequence, nil
		}
		if !retryable(err) || ctx.Err() != nil {
			l.c.health.failed()
			return 0, unavailable(err, l.c.cfg.AppendTimeout)
		}
		select {
		case <-ctx.Done():
			l.c.health.failed()
			return 0, unavailable(ctx.Err(), l.c.cfg.AppendTimeout)
		case <-time.After(retryWait):
		}
	}
}

// retryable errors are the ones an election or a reconnect clears.
func retryable(err error) bool {
	var apiErr *jetstream.APIError
	switch {
	case errors.Is(err, nats.ErrNoResponders), errors.Is(err, jetstream.ErrNoStreamResponse),
		errors.Is(err, nats.ErrConnectionReconnecting), errors.Is(err, nats.ErrTimeout):
		return true
	case errors.As(err, &apiErr):
		return apiErr.Code == 503
	}
	return false
}

// unavailable says in words what a failed append means.
func unavailable(err error, timeout time.Duration) error {
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrTimeout):
		return fmt.Errorf("%w: no JetStream quorum acknowledged the entry within %v: %w", ErrUnavailable, timeout, err)
	case errors.Is(err, nats.ErrNoResponders), errors.Is(err, jetstream.ErrNoStreamResponse):
		return fmt.Errorf("%w: no JetStream server answers for the log (no quorum): %w", ErrUnavailable, err)
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

// health is what the node knows of the log's writability.
type health struct {
	// lastFail and lastOK are unix nanoseconds of the last append (or
	// probe) that failed and that succeeded.
	lastFail, lastOK atomic.Int64
}

func (h *health) appended() { h.lastOK.Store(time.Now().UnixNano()) }
func (h *health) failed()   { h.lastFail.Store(time.Now().UnixNano()) }

// writable: the latest word, append or probe, was a success.
func (h *health) writable() bool { return h.lastOK.Load() >= h.lastFail.Load() && h.lastOK.Load() != 0 }
