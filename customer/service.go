package customer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer/vault"
)

// IdempotencyTTL is how long an Idempotency-Key's reply is replayed.
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

// Service is the customer API's logic, free of HTTP.
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

// tenantState is one tenant's tables and the lock its writes take.
type tenantState struct {
	tables
	write sync.Mutex
}

// New returns a Service; Start runs its background jobs.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{store: cfg.Store, ring: cfg.Ring, noVault: cfg.NoVault, log: cfg.Log, now: cfg.Now,
		tenants: map[int64]*tenantState{}, rotate: make(chan struct{}, 1)}
}

// tenant returns the tenant's tables, creating them on first use.
func (s *Service) tenant(cid int64) (*tenantState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ts, ok := s.tenants[cid]; ok {
		return ts, nil
	}
	ts := &tenantState{tables: tables{cid: cid}}
	var err error
	for _, x := range []struct {
		dst **columndb.Table
		def columndb.Table
	}{{&ts.customers, customerTable(cid)}, {&ts.payments, paymentTable(cid)}, {&ts.plans, planTable(cid)}, {&ts.idem, idemTable(cid)}} {
		if *x.dst, err = ensureTable(s.store, x.def); err != nil {
			return nil, err
		}
	}
	if err := s.store.PutDoc(collTenants, strconv.FormatInt(cid, 10), struct{}{}, false); err != nil {
		return nil, fmt.Errorf("customer: register tenant: %w", err)
	}
	s.tenants[cid] = ts
	return ts, nil
}

// eachTenant calls fn for every tenant that has customer tables.
func (s *Service) eachTenant(fn func(ts *tenantState) error) error {
	var cids []int64
	err := s.store.EachDoc(collTenants, func(key string, _ []byte) error {
		cid, err := strconv.ParseInt(key, 10, 64)
		if err == nil {
			cids = append(cids, cid)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("customer: list tenants: %w", err)
	}
	for _, cid := range cids {
		ts, err := s.tenant(cid)
		if err != nil {
			return err
		}
		if err := fn(ts); err != nil {
			return err
		}
	}
	return nil
}

// Idem is a request's Idempotency-Key and a hash of what it asked.
type Idem struct {
	Key  string
	Hash string
}

// NewIdem hashes a request so a reused key with another request is caught.
func NewIdem(key, method, path string, body []byte) Idem {
	if key == "" {
		return Idem{}
	}
	h := sha256.New()
	h.Write([]byte(method + " " + path + "\n"))
	h.Write(body)
	return Idem{Key: key, Hash: hex.EncodeToString(h.Sum(nil))}
}

// Reply is what a write answers in StatusText, and whether it is a replay.
type Reply struct {
	Text     string
	Replayed bool
}

// prepared is a write ready to commit: the changes and the reply they earn.
type prepared struct {
	changes []columndb.Change
	text    string
}

// write runs one write for a tenant: under the tenant's lock it replays an
// Idempotency-Key's earlier reply or prepares the changes, commits them with
// the key's record in one transaction, and syncs after letting go of the
// lock, so concurrent writers share a sync and a crash leaves all or nothing.
func (s *Service) write(cid int64, idem Idem, fn func(ts *tenantState) (prepared, error)) (Reply, error) {
	ts, err := s.tenant(cid)
	if err != nil {
		return Reply{}, err
	}
	ts.write.Lock()
	locked := true
	defer func() {
		if locked {
			ts.write.Unlock()
		}
	}()
	now := s.now()
	if idem.Key != "" {
		if len(idem.Key) > 255 {
			return Reply{}, &InputError{Problems: []Problem{{Field: "Idempotency-Key", Reason: "longer than 255 characters"}}}
		}
		row, err := s.store.Get(ts.idem, idem.Key)
		switch {
		case errors.Is(err, columndb.ErrNotFound):
		case err != nil:
			return Reply{}, fmt.Errorf("customer: idempotency: %w", err)
		default:
			x := rec{ts.idem, row}
			if now.Sub(time.Unix(0, x.int("Created"))) < IdempotencyTTL {
				if x.get("Hash") != idem.Hash {
					return Reply{}, ErrIdempotency
				}
				return Reply{Text: x.get("Text"), Replayed: true}, nil
			}
		}
	}
	p, err := fn(ts)
	if err != nil {
		return Reply{}, err
	}
	if idem.Key != "" {
		x := newRec(ts.idem)
		x.set("Key", idem.Key)
		x.set("Hash", idem.Hash)
		x.set("Text", p.text)
		x.setInt("Created", now.UnixNano())
		p.changes = append(p.changes, columndb.Change{Table: ts.idem, Put: []columndb.Row{x.r}})
	}
	if err := s.store.Commit(p.changes...); err != nil {
		return Reply{}, err
	}
	ts.write.Unlock()
	locked = false
	if err := s.store.Sync(); err != nil {
		return Reply{}, err
	}
	return Reply{Text: p.text}, nil
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
	for {
		select {
		case <-ctx.Done():
			return
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
			if x := (rec{ts.idem, r}); x.int("Created") < cutoff {
				old = append(old, keyRow(ts.idem, "Key", x.get("Key")))
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
