package customer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer/internal/schema"
	"github.com/tonebase/tonebase/customer/vault"
)

// IdempotencyTTL is how long an idempotency key's result is replayed.
const IdempotencyTTL = 24 * time.Hour

// collTenants records which clients have customer tables, for the
// background jobs that visit every tenant (re-encryption, expiry).
const collTenants = "customer.tenants"

// Config wires a Service.
type Config struct {
	Store *columndb.Store
	// Ring seals card and account numbers; nil turns their storage off and
	// NoVault says why, in words an operator can act on.
	Ring    *vault.Ring
	NoVault string
	Log     zerolog.Logger
	// Now is the clock; tests set it. Default time.Now.
	Now func() time.Time
}

// Service is the customer domain's logic, free of any wire.
type Service struct {
	store   *columndb.Store
	ring    *vault.Ring
	noVault string
	log     zerolog.Logger
	now     func() time.Time

	mu      sync.Mutex
	tenants map[int64]*tenantState

	rotate chan struct{}
	stop   context.CancelFunc
	done   chan struct{}
}

// tenantState is one tenant's tables, their codecs and the lock its writes take.
type tenantState struct {
	cid                              int64
	customers, payments, plans, idem *columndb.Table
	counters                         *columndb.Table
	cust                             customerCodec
	pay                              paymentCodec
	plan                             planCodec
	idemC                            idemCodec
	write                            sync.Mutex
	// nextSeq is the Seq the next new customer gets; guarded by write.
	nextSeq int64
	// nextAuto is the next number an automatic customer number may take,
	// 0 until the tenant's first one is asked for; guarded by write.
	nextAuto int64
	// seen is the customers table's version (columndb.TableVersion) that
	// nextSeq and nextAuto were read at; guarded by write.
	seen uint64
}

// New returns a Service; Start runs its background jobs.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{store: cfg.Store, ring: cfg.Ring, noVault: cfg.NoVault, log: cfg.Log, now: cfg.Now,
		tenants: map[int64]*tenantState{}, rotate: make(chan struct{}, 1)}
}

// Idem is a write's idempotency key and a hash of what the request asked,
// so a key reused with another request is caught. The zero Idem is none.
type Idem struct {
	Key  string
	Hash string
}

// MaxIdempotencyKey is the longest idempotency key kept.
const MaxIdempotencyKey = 255

// prepared is a write ready to commit: the changes and the id they earn.
type prepared struct {
	changes []columndb.Change
	id      string
}

// write runs one write for a tenant: under the tenant's lock it replays an
// idempotency key's earlier result or prepares the changes, commits them with
// the key's record in one transaction, and syncs after letting go of the
// lock, so concurrent writers share a sync and a crash leaves all or nothing.
func (s *Service) write(cid int64, idem Idem, fn func(ts *tenantState) (prepared, error)) (Result, error) {
	ts, err := s.tenant(cid)
	if err != nil {
		return Result{}, err
	}
	ts.write.Lock()
	locked := true
	defer func() {
		if locked {
			ts.write.Unlock()
		}
	}()
	var res Result
	for try := 1; ; try++ {
		// In a cluster, another node may have written the tenant's tables
		// since this one decided: the commit is then refused, and the
		// write decided again from the tables as they are now.
		res, err = s.decide(ts, idem, fn)
		if !errors.Is(err, columndb.ErrConflict) || try == maxDecisions {
			break
		}
		ts.seen = columndb.UnknownVersion // the numbers the refused decision took are free again
		columndb.Backoff(try)
	}
	if err != nil || res.Replayed {
		return res, err
	}
	ts.write.Unlock()
	locked = false
	if err := s.store.Sync(); err != nil {
		return Result{}, err
	}
	return res, nil
}

// maxDecisions bounds how often a write decides again because other
// nodes of a cluster kept changing its tenant's tables.
const maxDecisions = 16

// decide is one decision of a write, committed unless the tables changed
// since it read them. The caller holds ts.write.
func (s *Service) decide(ts *tenantState, idem Idem, fn func(ts *tenantState) (prepared, error)) (Result, error) {
	mark := s.store.Mark()
	if err := s.current(ts); err != nil {
		return Result{}, err
	}
	now := s.now()
	if idem.Key != "" {
		if len(idem.Key) > MaxIdempotencyKey {
			return Result{}, &InputError{Problems: []Problem{{Field: FieldIdempotencyKey, Code: CodeTooLong,
				Reason: fmt.Sprintf("longer than %d characters", MaxIdempotencyKey)}}}
		}
		row, err := s.store.Get(ts.idem, idem.Key)
		switch {
		case errors.Is(err, columndb.ErrNotFound):
		case err != nil:
			return Result{}, fmt.Errorf("customer: idempotency: %w", err)
		default:
			rec := ts.idemC.decode(row)
			if now.Sub(rec.created) < IdempotencyTTL {
				if rec.hash != idem.Hash {
					return Result{}, ErrIdempotency
				}
				return Result{ID: rec.result, Replayed: true}, nil
			}
		}
	}
	seq := ts.nextSeq
	p, err := fn(ts)
	if err != nil {
		return Result{}, err
	}
	changes := p.changes
	if ts.nextSeq != seq {
		changes = append(changes, s.nextSeqChange(ts))
	}
	if idem.Key != "" {
		row := ts.idemC.encode(idemRecord{key: idem.Key, hash: idem.Hash, result: p.id, created: now})
		changes = append(changes, columndb.Change{Table: ts.idem, Put: []columndb.Row{row}})
	}
	if err := s.store.CommitSince(mark, changes...); err != nil {
		return Result{}, err
	}
	// Nothing changed the customers table between current's read and this
	// commit, so what ts keeps is current at this commit's own entry (or
	// still at seen, when the commit left the table alone).
	if v := s.store.CommittedVersion(mark, ts.customers); v != 0 {
		ts.seen = v
	}
	return Result{ID: p.id}, nil
}

// current reloads what ts keeps of the customers table (where new
// customers' numbers start) when another node of a cluster changed the
// table since it was read, or when what it read may not have been current
// (an unknown version). The caller holds ts.write.
func (s *Service) current(ts *tenantState) error {
	v := s.store.TableVersion(ts.customers)
	if v == ts.seen && v != columndb.UnknownVersion {
		return nil
	}
	next, err := s.storedNextSeq(ts)
	if err != nil {
		return err
	}
	ts.nextSeq, ts.nextAuto, ts.seen = next, 0, v
	return nil
}

// nextSeqChange records ts.nextSeq in the tenant's counters, for the
// commit that took the numbers below it.
func (s *Service) nextSeqChange(ts *tenantState) columndb.Change {
	x := newCells(ts.counters)
	x.set(schema.CounterName, schema.NextSeq)
	x.setInt(schema.CounterValue, ts.nextSeq)
	return columndb.Change{Table: ts.counters, Put: []columndb.Row{x.r}}
}

// counter reads one of the tenant's counters; a counter never written is
// 0, not found.
func (s *Service) counter(ts *tenantState, name string) (int64, bool, error) {
	row, err := s.store.Get(ts.counters, name)
	switch {
	case errors.Is(err, columndb.ErrNotFound):
		return 0, false, nil
	case err != nil:
		return 0, false, err
	}
	x := newCells(ts.counters)
	x.r = row
	return x.int(schema.CounterValue), true, nil
}

// storedNextSeq is the Seq the next new customer gets, as the store holds
// it: the counter every create commits beside its customer, or, for a
// tenant whose customers all came before the counter, one past the
// highest Seq stored.
func (s *Service) storedNextSeq(ts *tenantState) (int64, error) {
	stored, found, err := s.counter(ts, schema.NextSeq)
	switch {
	case err != nil:
		return 0, fmt.Errorf("customer: read the next Seq: %w", err)
	case found:
		return max(stored, FirstSeq), nil
	}
	next := int64(FirstSeq)
	err = s.store.Each(ts.customers, func(r columndb.Row) (bool, error) {
		next = max(next, ts.cust.decode(r).Seq+1)
		return true, nil
	})
	if err != nil {
		return 0, fmt.Errorf("customer: number customers: %w", err)
	}
	return next, nil
}

// Start runs the background jobs until Close: re-encryption after a key
// rotation (and once at start, to finish one a restart interrupted), and
// the hourly expiry of idempotency records.
func (s *Service) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	s.stop, s.done = cancel, make(chan struct{})
	go s.background(ctx)
	s.rotate <- struct{}{}
}

// Close stops the background jobs and waits for them.
func (s *Service) Close() {
	if s.stop != nil {
		s.stop()
		<-s.done
	}
}

func (s *Service) background(ctx context.Context) {
	defer close(s.done)
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	// In a cluster a key another node rotated to becomes this node's
	// active key within this.
	keys := time.NewTicker(10 * time.Second)
	defer keys.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-keys.C:
			if s.ring != nil {
				if err := s.ring.Refresh(); err != nil {
					s.log.Error().Err(err).Msg("vault: reading the stored keys")
				}
			}
		case <-s.rotate:
			if n, err := s.Reencrypt(ctx); err != nil {
				s.log.Error().Err(err).Int("resealed", n).Msg("re-encryption stopped; it resumes at the next start or rotation")
			} else if n > 0 {
				s.log.Info().Int("resealed", n).Str("key", s.ring.Active()).Msg("re-encryption finished")
			}
		case <-tick.C:
			if n, err := s.ExpireIdempotency(); err != nil {
				s.log.Error().Err(err).Msg("idempotency expiry")
			} else if n > 0 {
				s.log.Debug().Int("expired", n).Msg("idempotency records expired")
			}
		}
	}
}

// ExpireIdempotency deletes idempotency records older than IdempotencyTTL.
func (s *Service) ExpireIdempotency() (int, error) {
	cutoff := s.now().Add(-IdempotencyTTL).UnixNano()
	total := 0
	err := s.eachTenant(func(ts *tenantState) error {
		// Under the write lock, so a key reused this instant keeps its new record.
		ts.write.Lock()
		defer ts.write.Unlock()
		var old []columndb.Row
		err := s.store.Each(ts.idem, func(r columndb.Row) (bool, error) {
			if rec := ts.idemC.decode(r); rec.created.UnixNano() < cutoff {
				old = append(old, keyRow(ts.idem, schema.IdemKey, rec.key))
			}
			return true, nil
		})
		if err != nil || len(old) == 0 {
			return err
		}
		res, err := s.store.Delete(ts.idem, old)
		total += res.Deleted
		return err
	})
	return total, err
}
