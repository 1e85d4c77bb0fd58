package agi

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/tonebase/tonebase/ivr/callflow"
)

// Platform is the name lookups through FastAGI are counted under.
const Platform = "agi"

// Metrics counts the lookups calls make.
type Metrics interface {
	PlatformLookup(platform, status string, d time.Duration)
}

// Authenticator checks a client's API key and secret and returns its cid.
type Authenticator interface {
	Authenticate(apiKey, secret []byte) (int64, error)
}

// Config bounds the server. Zero fields take the defaults.
type Config struct {
	// Idle is how long Asterisk may stay silent (no environment line, no
	// reply) before the session is dropped: 30 s.
	Idle time.Duration
	// MaxSessions bounds the calls served at once: 512. A call past it is
	// closed at once, and Asterisk's AGISTATUS says FAILURE.
	MaxSessions int
	// MaxLine bounds one line from Asterisk, in bytes: 4096.
	MaxLine int
	// DigitTimeout is GET DATA's wait for each key: 5 s.
	DigitTimeout time.Duration
}

func (c *Config) defaults() {
	if c.Idle <= 0 {
		c.Idle = 30 * time.Second
	}
	if c.MaxSessions <= 0 {
		c.MaxSessions = 512
	}
	if c.MaxLine <= 0 {
		c.MaxLine = 4096
	}
	if c.DigitTimeout <= 0 {
		c.DigitTimeout = 5 * time.Second
	}
}

// Server serves FastAGI sessions.
type Server struct {
	flow    *callflow.Flow
	clients Authenticator
	metrics Metrics
	log     zerolog.Logger
	cfg     Config
	slots   chan struct{}

	mu       sync.Mutex
	ln       net.Listener
	conns    map[net.Conn]struct{}
	closing  bool
	sessions sync.WaitGroup
}

// New returns a server over flow.
func New(flow *callflow.Flow, clients Authenticator, m Metrics, log zerolog.Logger, cfg Config) *Server {
	cfg.defaults()
	return &Server{flow: flow, clients: clients, metrics: m, log: log, cfg: cfg,
		slots: make(chan struct{}, cfg.MaxSessions), conns: map[net.Conn]struct{}{}}
}

// ErrServerClosed is what Serve returns once Shutdown was called.
var ErrServerClosed = errors.New("agi: server closed")

// Serve answers sessions on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		_ = ln.Close()
		return ErrServerClosed
	}
	s.ln = ln
	s.mu.Unlock()
	var delay time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if s.isClosing() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || temporary(err) {
				// Out of descriptors and the like: wait and go on, as
				// net/http does, rather than end every call to come.
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		select {
		case s.slots <- struct{}{}:
		default:
			s.log.Warn().Int("max_sessions", s.cfg.MaxSessions).Msg("agi session refused: at the session limit")
			_ = c.Close()
			continue
		}
		if !s.track(c) {
			<-s.slots
			_ = c.Close()
			return ErrServerClosed
		}
		go s.run(c)
	}
}

// temporary reports an accept error that says it passes (EMFILE,
// ECONNABORTED).
func temporary(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.conns[c] = struct{}{}
	s.sessions.Add(1)
	return true
}

func (s *Server) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.sessions.Done()
}

// Sessions is how many sessions are being served.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Shutdown stops accepting and waits for the calls in progress to end
// until ctx is done, then drops the rest.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	var err error
	if s.ln != nil {
		err = s.ln.Close()
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.sessions.Wait(); close(done) }()
	select {
	case <-done:
		return err
	case <-ctx.Done():
	}
	s.mu.Lock()
	for c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	<-done
	return ctx.Err()
}

// run serves one session; whatever it does wrong ends it alone.
func (s *Server) run(c net.Conn) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error().Interface("panic", p).Msg("agi session panicked")
		}
		_ = c.Close()
		<-s.slots
		s.untrack(c)
	}()
	s.serveSession(newSession(c, s.cfg.MaxLine, s.cfg.Idle))
}
