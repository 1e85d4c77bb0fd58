package ivr

import (
	"runtime"
	"time"

	"github.com/tonebase/tonebase/internal/httpx"
	"github.com/tonebase/tonebase/internal/lockout"
)

// Clients is what the service needs to know of tenants.
type Clients interface {
	// Authenticate returns the cid an API key and secret belong to.
	Authenticate(apiKey, secret []byte) (int64, error)
	// UploadPassword returns an active client's upload password.
	UploadPassword(cid int64) (string, error)
}

// Config tunes the service.
type Config struct {
	LockoutLimit  int
	LockoutWindow time.Duration
	MaxUpload     int // bytes; 64 MiB if unset
	// WorkDir holds signed files while they are checked and imported; the
	// system's temporary folder if unset. Spools, if set, spools them
	// instead, keeping the disk's reserve.
	WorkDir string
	Spools  *httpx.Spooler
	// IngestSlots bounds the uploads parsed and written at once; the
	// default, one fewer than the cores (at least one), keeps a core for
	// lookups however many merchants upload.
	IngestSlots int
	// MemBodies is the memory for upload bodies held while their hash is
	// checked, across all uploads: 32 MiB if unset, at most 4 MiB a body.
	// Past it, and for a larger or unannounced body, bodies go to WorkDir.
	MemBodies int64
	// Pacer, if set, learns of every lookup so that bulk writes can make
	// way for them; the store must be given the same pacer.
	Pacer *Pacer
	// SharedLocks, in a cluster, is the bucket the caller lockout counts
	// misses in, so a guesser spread over the nodes gets no more tries than
	// on one (KeepLocks opens it; Close stops following it). Unset, the
	// lockout is this process's own, as on a single node.
	SharedLocks lockout.Shared
	// SharedHashes, in a cluster, is the bucket where an upload's signature
	// is claimed before it is applied, so two nodes given the same signed
	// upload at once apply it once. Unset, the claim is this process's.
	SharedHashes SharedHashes
}

// Service answers lookups and applies uploads for every client.
type Service struct {
	store   Store
	catalog *Catalog
	clients Clients
	lockout *lockout.Lockout[lockKey]
	plans   plans
	cfg     Config
	ingest  chan struct{} // a token per upload being applied
	parse   chan struct{} // a token per upload being parsed outside the ingest slots
	// memBodies bounds the memory unverified bodies take, whoever sends them.
	memBodies *httpx.MemBudget
	used      *usedSignatures
}

// Memory for bodies awaiting their hash check, by default: a harness or
// merchant batch (about 1.2 MB for 5,000 rows) stays in memory, and a
// crowd of senders with a wrong hash costs at most the total.
const (
	defaultMemBodies = 32 << 20
	memBodyMost      = 4 << 20
)

// NewService wires the caller-database service.
func NewService(store Store, catalog *Catalog, clients Clients, cfg Config) *Service {
	if cfg.IngestSlots <= 0 {
		cfg.IngestSlots = max(runtime.GOMAXPROCS(0)-1, 1)
	}
	if cfg.MemBodies <= 0 {
		cfg.MemBodies = defaultMemBodies
	}
	if cfg.Spools == nil {
		cfg.Spools = httpx.NewSpooler(cfg.WorkDir, nil, 0)
	}
	return &Service{store: store, catalog: catalog, clients: clients,
		lockout: lockout.New[lockKey](cfg.LockoutLimit, cfg.LockoutWindow), cfg: cfg,
		ingest: make(chan struct{}, cfg.IngestSlots), parse: make(chan struct{}, cfg.IngestSlots),
		memBodies: httpx.NewMemBudget(cfg.MemBodies, memBodyMost),
		used:      newUsedSignatures(usedDocsOf(store), cfg.SharedHashes)}
}

// Close stops following the cluster's shared caller locks and waits for
// the sweep of used signatures, if one runs: after it the store may close.
func (s *Service) Close() {
	s.lockout.Close()
	s.used.close()
}

// ingesting holds an ingest slot until the returned func is called. Bulk
// work waits here; lookups never do.
func (s *Service) ingesting() func() {
	s.ingest <- struct{}{}
	return func() { <-s.ingest }
}

// Catalog returns the service's database catalog.
func (s *Service) Catalog() *Catalog { return s.catalog }
