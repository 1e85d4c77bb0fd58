package customer

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
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
	cust                             customerCodec
	pay                              paymentCodec
	plan                             planCodec
	idemC                            idemCodec
	write                            sync.Mutex
	// nextSeq is the Seq the next new customer gets; guarded by write.
	nextSeq int64
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
	ts := &tenantState{cid: cid}
	var err error
	for _, x := range []struct {
		dst **columndb.Table
		def columndb.Table
	}{{&ts.customers, schema.CustomerTable(cid)}, {&ts.payments, schema.PaymentTable(cid)},
		{&ts.plans, schema.PlanTable(cid)}, {&ts.idem, schema.IdempotencyTable(cid)}} {
		if *x.dst, err = ensureTable(s.store, x.def); err != nil {
			return nil, err
		}
	}
	ts.cust, ts.pay, ts.plan, ts.idemC = customerCodec{ts.customers}, paymentCodec{ts.payments}, planCodec{ts.plans}, idemCodec{ts.idem}
	if err := s.numberCustomers(ts); err != nil {
		return nil, err
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
	p, err := fn(ts)
	if err != nil {
		return Result{}, err
	}
	if idem.Key != "" {
		row := ts.idemC.encode(idemRecord{key: idem.Key, hash: idem.Hash, result: p.id, created: now})
		p.changes = append(p.changes, columndb.Change{Table: ts.idem, Put: []columndb.Row{row}})
	}
	if err := s.store.Commit(p.changes...); err != nil {
		return Result{}, err
	}
	ts.write.Unlock()
	locked = false
	if err := s.store.Sync(); err != nil {
		return Result{}, err
	}
	return Result{ID: p.id}, nil
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

// ensureTable returns the table, creating it on a tenant's first use and
// bringing its columns up to what this code defines.
func ensureTable(store *columndb.Store, def columndb.Table) (*columndb.Table, error) {
	t, err := store.GetTable(def.Tenant, def.Name)
	if errors.Is(err, columndb.ErrNotFound) {
		t, err = store.CreateTable(def)
		if errors.Is(err, columndb.ErrExists) {
			t, err = store.GetTable(def.Tenant, def.Name)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("customer: table %s: %w", def.Name, err)
	}
	if !slices.EqualFunc(t.Columns, def.Columns, func(a, b columndb.Column) bool { return a == b }) ||
		!slices.EqualFunc(t.Indexes, def.Indexes, func(a, b columndb.Index) bool {
			return a.Name == b.Name && a.Unique == b.Unique && slices.Equal(a.Columns, b.Columns)
		}) {
		if t, err = store.UpdateTable(def); err != nil {
			return nil, fmt.Errorf("customer: upgrade table %s: %w", def.Name, err)
		}
	}
	return t, nil
}

// numberCustomers gives every stored customer without a Seq one (customers
// stored before Seq existed), oldest first, and sets where new ones start.
// It runs once, when the tenant is opened, before any write can start.
func (s *Service) numberCustomers(ts *tenantState) error {
	next := int64(FirstSeq)
	var missing []Customer
	err := s.store.Each(ts.customers, func(r columndb.Row) (bool, error) {
		c := ts.cust.decode(r)
		if c.Seq == 0 {
			missing = append(missing, c)
		}
		next = max(next, c.Seq+1)
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("customer: number customers: %w", err)
	}
	slices.SortFunc(missing, func(a, b Customer) int {
		return cmp.Or(a.Created.Compare(b.Created), strings.Compare(a.ID, b.ID))
	})
	for len(missing) > 0 {
		n := min(len(missing), reencryptBatch)
		puts := make([]columndb.Row, n)
		for i := range n {
			missing[i].Seq = next
			next++
			puts[i] = ts.cust.encode(missing[i])
		}
		if err := s.store.Commit(columndb.Change{Table: ts.customers, Put: puts}); err != nil {
			return fmt.Errorf("customer: number customers: %w", err)
		}
		missing = missing[n:]
	}
	ts.nextSeq = next
	return s.store.Sync()
}

// NewID returns 32 uppercase hex characters from a random 128-bit value, the
// id format of every record.
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("customer: crypto/rand failed: " + err.Error()) // the runtime guarantees it does not
	}
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

// ValidID reports whether s has the id shape; anything else cannot name a
// record and is answered as not found without a lookup.
func ValidID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'F' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// NormID accepts ids in either case, as integrations sometimes lower them.
func NormID(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }
