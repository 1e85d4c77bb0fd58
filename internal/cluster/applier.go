package cluster

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
)

// Store is what the applier needs of the node's store.
type Store interface {
	// ApplyEntry applies the entry at seq; entries come in stream order.
	ApplyEntry(seq uint64, entry []byte) error
	// Applied is the last sequence applied, durable with the data.
	Applied() uint64
}

// Follow configures the applier.
type Follow struct {
	Store Store
	// Fatal tells the errors after which applying stops for good: the
	// store diverged, or it needs a snapshot. Others (a full disk, a
	// store busy closing) are retried.
	Fatal func(error) bool
	// Delay, when set, receives each entry's time from publish to apply.
	Delay func(time.Duration)
	Log   zerolog.Logger
}

// ErrStopped is an applier that stopped for good; Status.Stopped holds the
// reason, which wraps it.
var ErrStopped = errors.New("cluster: the applier stopped")

// ErrBehind is an applier stopped because the log no longer holds the
// entries after the store's: the node must start again from a snapshot.
var ErrBehind = errors.New("cluster: this node is behind the log's start")

// Applier follows the stream into the store, one entry at a time, from
// one goroutine, as Store.ApplyEntry requires.
type Applier struct {
	c      *Cluster
	f      Follow
	cancel context.CancelFunc
	done   chan struct{}

	last    atomic.Uint64 // the stream's last sequence, as last seen
	delayNs atomic.Int64  // publish to apply of the last entry applied
	// progress is when the applier last applied an entry or found
	// itself caught up (unix ns); the probe restarts a reader that makes
	// none while entries wait.
	progress atomic.Int64
	mu       sync.Mutex
	stopped  error
	reading  jetstream.MessagesContext // the reader in use, for the probe to restart
	behind   chan struct{}             // closed once stopped with ErrBehind
}

// Status is a node's place in the log, for /healthz and the metrics.
type Status struct {
	Applied uint64
	// Last is the stream's last sequence as last seen; Lag is Last less
	// Applied.
	Last, Lag uint64
	// Delay is the last applied entry's time from publish to apply.
	Delay time.Duration
	// Writable: the last append or probe reached a JetStream quorum.
	Writable bool
	// Stopped is why the applier stopped, nil while it runs.
	Stopped error
}

// Follow starts the applier, and the probe that watches the stream's
// bounds and quorum once a second.
func (c *Cluster) Follow(f Follow) *Applier {
	if f.Fatal == nil {
		f.Fatal = func(error) bool { return false }
	}
	ctx, cancel := context.WithCancel(context.Background())
	a := &Applier{c: c, f: f, cancel: cancel, done: make(chan struct{}), behind: make(chan struct{})}
	a.last.Store(f.Store.Applied())
	var wg sync.WaitGroup
	wg.Go(func() { a.run(ctx) })
	wg.Go(func() { a.probe(ctx) })
	go func() { wg.Wait(); close(a.done) }()
	return a
}

// Stop stops applying and waits for the entry in hand.
func (a *Applier) Stop() {
	a.cancel()
	<-a.done
}

// Status reports where the node is.
func (a *Applier) Status() Status {
	applied := a.f.Store.Applied()
	last := max(a.last.Load(), applied)
	a.mu.Lock()
	stopped := a.stopped
	a.mu.Unlock()
	return Status{Applied: applied, Last: last, Lag: last - applied, Delay: time.Duration(a.delayNs.Load()),
		Writable: a.c.health.writable(), Stopped: stopped}
}

// Behind is closed once the applier stopped because the node fell behind
// the log's start, which only a start from a snapshot mends.
func (a *Applier) Behind() <-chan struct{} { return a.behind }

func (a *Applier) stop(err error) {
	a.mu.Lock()
	if a.stopped == nil {
		a.stopped = err
		if errors.Is(err, ErrBehind) {
			close(a.behind)
		}
	}
	a.mu.Unlock()
	a.f.Log.Error().Err(err).Msg("stopped applying the write log: this node's store is not kept up to date")
}

func (a *Applier) run(ctx context.Context) {
	for ctx.Err() == nil {
		err := a.follow(ctx)
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, ErrStopped) {
			a.stop(err)
			return
		}
		a.f.Log.Warn().Err(err).Msg("applying the write log; retrying")
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// follow reads the stream from the entry after the last applied until an
// error: an ordered consumer redelivers from where it was after a
// reconnect or a leader change, so the order holds across them.
func (a *Applier) follow(ctx context.Context) error {
	from := a.f.Store.Applied() + 1
	cons, err := a.c.js.OrderedConsumer(ctx, StreamName, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: from})
	if err != nil {
		return fmt.Errorf("cluster: follow the log from %d: %w", from, err)
	}
	// A few batches in hand, not hundreds of 4 MiB entries.
	it, err := cons.Messages(jetstream.PullMaxBytes(32 << 20))
	if err != nil {
		return fmt.Errorf("cluster: follow the log from %d: %w", from, err)
	}
	a.mu.Lock()
	a.reading = it
	a.mu.Unlock()
	a.progress.Store(time.Now().UnixNano())
	stopped := make(chan struct{})
	defer close(stopped)
	go func() {
		select {
		case <-ctx.Done():
			it.Stop()
		case <-stopped:
			it.Stop()
		}
	}()
	for {
		msg, err := it.Next()
		if err != nil {
			return fmt.Errorf("cluster: read the log: %w", err)
		}
		meta, err := msg.Metadata()
		if err != nil {
			return fmt.Errorf("cluster: read the log: %w", err)
		}
		seq := meta.Sequence.Stream
		a.progress.Store(time.Now().UnixNano())
		if last := seq + meta.NumPending; last > a.last.Load() {
			a.last.Store(last)
		}
		applied := a.f.Store.Applied()
		if seq <= applied {
			continue
		}
		if seq > applied+1 {
			return fmt.Errorf("%w: %w: the log starts at %d and this store has applied up to %d only: restart the node to catch up from the newest snapshot", ErrStopped, ErrBehind, seq, applied)
		}
		if err := a.f.Store.ApplyEntry(seq, msg.Data()); err != nil {
			if a.f.Fatal(err) {
				return fmt.Errorf("%w at entry %d: %w", ErrStopped, seq, err)
			}
			return fmt.Errorf("cluster: apply entry %d: %w", seq, err)
		}
		d := time.Since(meta.Timestamp)
		a.delayNs.Store(int64(d))
		if a.f.Delay != nil {
			a.f.Delay(d)
		}
	}
}

// stallAfter is how long entries may wait with none applied before the
// reader is made anew: a consumer that lost its server in a quorum loss
// can sit silent after the servers are back, and writes on this node wait
// for their own entries to be applied.
const stallAfter = 5 * time.Second

// unstick restarts the reader when entries wait and none was applied
// for stallAfter.
func (a *Applier) unstick(applied, last uint64) {
	if applied >= last {
		a.progress.Store(time.Now().UnixNano())
		return
	}
	if time.Since(time.Unix(0, a.progress.Load())) < stallAfter {
		return
	}
	a.mu.Lock()
	it := a.reading
	a.reading = nil
	a.mu.Unlock()
	if it != nil {
		a.f.Log.Warn().Uint64("applied", applied).Uint64("last", last).Msg("the log's reader made no progress; starting it again")
		it.Stop()
		a.progress.Store(time.Now().UnixNano())
	}
}

// probeEvery is how often the probe asks the stream for its state.
const probeEvery = time.Second

// probe keeps Last and the quorum's word current while no entries come,
// and notices a store that is past the stream (the stream was reset or
// this node's folder belongs elsewhere).
func (a *Applier) probe(ctx context.Context) {
	t := time.NewTicker(probeEvery)
	defer t.Stop()
	var failing probeFailures
	for {
		// Applied is read before the stream's state, so an entry applied
		// in between cannot look like one the stream lacks.
		applied := a.f.Store.Applied()
		st, err := a.c.State(ctx)
		if ctx.Err() != nil {
			return
		}
		failing.note(a.f.Log, err, time.Now())
		switch {
		case err != nil:
			a.c.health.failed()
		default:
			a.c.health.appended()
			if st.Last > a.last.Load() {
				a.last.Store(st.Last)
			}
			if applied > st.Last {
				a.stop(fmt.Errorf("%w: this store has applied up to %d, past the log's last entry %d: it does not belong to this log", ErrStopped, applied, st.Last))
				a.cancel()
			}
			// The reader notices a purge past this store only when an entry
			// comes, and none may come: the probe looks too. Applied is read
			// again, as an entry applied since the first read is no gap.
			if now := a.f.Store.Applied(); st.First > now+1 {
				a.stop(fmt.Errorf("%w: %w: the log starts at %d and this store has applied up to %d only: restart the node to catch up from the newest snapshot", ErrStopped, ErrBehind, st.First, now))
				a.cancel()
			}
			a.unstick(applied, st.Last)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// probeReportEvery is how often a probe that keeps failing says so again.
const probeReportEvery = 10 * time.Second

// probeFailures reports the probe's failures to the log: the first of a
// run at once, then once every probeReportEvery with how long it has
// lasted, and the answer that ends it. While the stream's state cannot be
// read the node cannot tell that it fell behind, so an operator must see
// it in the log, not only in /healthz's word on writes.
type probeFailures struct {
	since, reported time.Time // zero while the probe answers
	count           int
}

func (p *probeFailures) note(log zerolog.Logger, err error, now time.Time) {
	switch {
	case err == nil && p.since.IsZero():
	case err == nil:
		log.Info().Dur("failed_for", now.Sub(p.since)).Int("failures", p.count).Msg("the write log's state answers again")
		*p = probeFailures{}
	case p.since.IsZero():
		p.since, p.reported, p.count = now, now, 1
		log.Warn().Err(err).Msg("cannot read the write log's state: this node cannot tell whether it is behind until it can")
	default:
		p.count++
		if now.Sub(p.reported) >= probeReportEvery {
			p.reported = now
			log.Warn().Err(err).Dur("failing_for", now.Sub(p.since)).Int("failures", p.count).Msg("still cannot read the write log's state")
		}
	}
}
