package ivr

import (
	"time"
)

// Clients is what the service needs to know of tenants.
type Clients interface {
	// Authenticate returns the cid an API key and secret belong to.
	Authenticate(apiKey, secret string) (int64, error)
	// UploadPassword returns an active client's upload password.
	UploadPassword(cid int64) (string, error)
}

// Config tunes the service.
type Config struct {
	LockoutLimit  int
	LockoutWindow time.Duration
	MaxUpload     int // bytes; 64 MiB if unset
	// WorkDir holds signed files while they are checked and imported; the
	// system's temporary folder if unset.
	WorkDir string
}

// Service answers lookups and applies uploads for every client.
type Service struct {
	store   Store
	catalog *Catalog
	clients Clients
	lockout *Lockout
	cfg     Config
}

// NewService wires the caller-database service.
func NewService(store Store, catalog *Catalog, clients Clients, cfg Config) *Service {
	return &Service{store: store, catalog: catalog, clients: clients,
		lockout: NewLockout(cfg.LockoutLimit, cfg.LockoutWindow), cfg: cfg}
}

// Catalog returns the service's database catalog.
func (s *Service) Catalog() *Catalog { return s.catalog }
