package web

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/crypto/bcrypt"

	"github.com/tonebase/tonebase/admin"
	"github.com/tonebase/tonebase/internal/httpx"
	"github.com/tonebase/tonebase/internal/lockout"
	"github.com/tonebase/tonebase/ivr"
)

// Docs is the part of columndb the pages keep their own records in:
// admin users, the audit log and import summaries.
type Docs interface {
	PutDoc(collection, key string, v any, create bool) error
	GetDoc(collection, key string, v any) error
	EachDoc(collection string, fn func(key string, value []byte) error) error
	DeleteDoc(collection, key string) error
	NextID(name string, start int64) (int64, error)
}

// Rows is the part of the ivr service the row and import pages use.
type Rows interface {
	Import(cid, dbid int64, format ivr.ImportFormat, r io.Reader, opt ivr.ImportOptions) (ivr.ImportResult, error)
	GetRow(cid, dbid int64, pk []string) (map[string]string, error)
	SaveRow(cid, dbid int64, values map[string]string) error
	DeleteRow(cid, dbid int64, pk []string) error
	FindRows(cid, dbid int64, q ivr.RowSearch) ([]map[string]string, int, error)
	Exporter(cid, dbid int64, q ivr.RowSearch) (*ivr.Export, error)
	DeleteFound(cid, dbid int64, q ivr.RowSearch) (int, error)
	Locks(cid, dbid int64) []ivr.CallerLock
	Unlock(cid, dbid int64, caller bool, value string) bool
}

// Lookups answers a lookup as the IVR endpoint does, and gives the call
// script the tester reads the caller's sentences from.
type Lookups interface {
	Lookup(cid, dbid int64, q ivr.Query) (ivr.Result, error)
	CallScript(cid, dbid int64) (ivr.CallScript, error)
}

// LookupCounts is how many lookups ended in each status since start.
type LookupCounts interface {
	Lookups(status string) int64
}

// Config wires the pages.
type Config struct {
	// AdminToken is what the setup page asks for before creating the first admin.
	AdminToken string
	Docs       Docs
	Clients    admin.Clients
	Databases  admin.Databases
	Rows       Rows
	// Tester answers the lookup tester. It should be a service whose
	// lockout is off, so testing never locks a real caller out.
	Tester Lookups
	Counts LookupCounts
	// Customers, if set, backs the read-only customer pages.
	Customers Customers
	Ledger    Ledger // the payments' ledger pages; without one they answer not found
	Log       zerolog.Logger
	WorkDir   string // uploaded files and rejected-lines files live here during imports
	// Spools spools uploaded files into WorkDir keeping the disk's
	// reserve; one that does not look at the disk if unset.
	Spools *httpx.Spooler
	// MaxUpload is the largest file the import page takes, in bytes.
	MaxUpload   int64
	SessionIdle time.Duration // default 30 minutes
	BcryptCost  int           // default bcrypt.DefaultCost+2; tests use bcrypt.MinCost
	Now         func() time.Time
	// In a cluster, the buckets the pages share with the other nodes
	// (sharedstate's SigninLocks, Sessions and Imports); each one unset is
	// this process's own, as on a single node.
	SharedSignins  lockout.Shared // sign-in locks, counted over every node
	SharedSessions SharedBucket   // sign in on one node, work on any
	SharedImports  SharedBucket   // an import's progress and result, seen from any node
}

// SharedBucket is a key-value bucket every node of a cluster shares
// (sharedstate.Bucket): Create is an atomic first-writer-wins, a ttl of 0
// the bucket's own, and Watch returns once the bucket's values are in.
type SharedBucket interface {
	Get(key string) ([]byte, error)
	Create(key string, val []byte, ttl time.Duration) (uint64, error)
	Put(key string, val []byte, ttl time.Duration) (uint64, error)
	Delete(key string) (uint64, error)
	Watch(fn func(key string, value []byte, revision uint64)) (stop func(), err error)
}

// The sign-in lockout's window and a session's longest life: in a
// cluster, the TTLs of the SigninLocks and Sessions buckets.
const (
	SigninWindow = 15 * time.Minute
	SessionMax   = 12 * time.Hour
)

// errNoCluster is a change the cluster's shared state could not take.
var errNoCluster = errors.New("web: the cluster's shared state is out of reach")

// Server serves the admin pages.
type Server struct {
	cfg      Config
	pages    *pages
	sessions *sessions
	signins  *lockout.Lockout[lockout.Name]
	bcrypts  chan struct{} // a slot per password comparison running
	jobs     *jobs
	history  *history
	users    *users
	icon     []byte

	closeOnce sync.Once
	stop      chan struct{}
	done      chan struct{}
}

// New returns the admin pages and starts sampling lookup counts for the
// dashboard; Close stops that.
func New(cfg Config) (*Server, error) {
	if cfg.Docs == nil || cfg.Clients == nil || cfg.Databases == nil || cfg.Rows == nil || cfg.Tester == nil || cfg.Counts == nil {
		return nil, errors.New("web: config lacks a dependency")
	}
	if cfg.SessionIdle <= 0 {
		cfg.SessionIdle = 30 * time.Minute
	}
	if cfg.BcryptCost == 0 {
		cfg.BcryptCost = bcrypt.DefaultCost + 2
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = 64 << 20
	}
	if cfg.WorkDir == "" {
		cfg.WorkDir = filepath.Join(os.TempDir(), "tonebase-imports")
	}
	if cfg.Spools == nil {
		cfg.Spools = httpx.NewSpooler(cfg.WorkDir, nil, 0)
	}
	if err := os.MkdirAll(cfg.WorkDir, 0o700); err != nil {
		return nil, fmt.Errorf("web: work folder: %w", err)
	}
	if err := RemoveLeftovers(cfg.WorkDir); err != nil {
		return nil, err
	}
	p, err := loadPages()
	if err != nil {
		return nil, err
	}
	// Sign-in locks are written down, so a restart does not forgive an
	// address that was guessing passwords.
	signins, err := lockout.Open(lockout.Options[lockout.Name]{Limit: 5, Window: SigninWindow, Now: cfg.Now,
		Store: cfg.Docs, Collection: collSigninLocks,
		Encode: func(_ int64, n lockout.Name) string { return string(n) },
		Decode: func(s string) (int64, lockout.Name, bool) { return signinPart, lockout.Name(s), true },
		Shared: cfg.SharedSignins, OnError: func(err error) { cfg.Log.Error().Err(err).Msg("sign-in lockout") }})
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	sess := newSessions(cfg.SessionIdle, SessionMax, cfg.Now)
	if cfg.SharedSessions != nil {
		if err := sess.share(cfg.SharedSessions, func(err error) { cfg.Log.Error().Err(err).Msg("admin sessions") }); err != nil {
			signins.Close()
			return nil, err
		}
	}
	jobs := newJobs()
	if cfg.SharedImports != nil {
		if err := jobs.share(cfg.SharedImports, func(err error) { cfg.Log.Error().Err(err).Msg("shared imports") }); err != nil {
			sess.close()
			signins.Close()
			return nil, err
		}
	}
	s := &Server{
		cfg:      cfg,
		pages:    p,
		sessions: sess,
		signins:  signins,
		bcrypts:  make(chan struct{}, bcryptSlots),
		jobs:     jobs,
		history:  newHistory(cfg.Counts, cfg.Now),
		users:    &users{docs: cfg.Docs, cost: cfg.BcryptCost, now: cfg.Now},
		icon:     favicon(),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	go s.sample()
	return s, nil
}

// sample records lookup counts every minute, so the dashboard can say what
// happened over the last day rather than since the process started.
func (s *Server) sample() {
	defer close(s.done)
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-tick.C:
			s.history.record()
		}
	}
}

// Close stops the sampler and waits for running imports to finish writing.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		close(s.stop)
		<-s.done
		s.jobs.wait()
		s.sessions.close()
		s.signins.Close()
	})
	return nil
}

// RemoveLeftovers deletes the uploads a stopped process left in the work
// folder: files spooled while they arrived (httpx.Spooler, here and for
// /cppdb/api/file) and files kept for an import, which ran in that
// process and cannot be resumed. Refused-line files are left alone. serve
// calls it before the store opens too, so that space is back for it.
func RemoveLeftovers(dir string) error {
	for _, pattern := range []string{"spool-*", "*.upload"} {
		names, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil {
			return fmt.Errorf("web: work folder: %w", err)
		}
		for _, name := range names {
			if err := os.Remove(name); err != nil {
				return fmt.Errorf("web: work folder: %w", err)
			}
		}
	}
	return nil
}
