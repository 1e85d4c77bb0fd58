package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"sync"
	"time"
)

// session is one signed-in admin. Sessions live in memory: a restart signs
// everyone out, which is the safe way to fail.
type session struct {
	id      string
	user    string
	csrf    string
	created time.Time
	last    time.Time
}

type sessions struct {
	idle, max time.Duration
	now       func() time.Time

	mu sync.Mutex
	m  map[string]*session
}

func newSessions(idle, max time.Duration, now func() time.Time) *sessions {
	return &sessions{idle: idle, max: max, now: now, m: map[string]*session{}}
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("web: crypto/rand failed: " + err.Error()) // never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// start opens a session for user and forgets expired ones.
func (s *sessions) start(user string) *session {
	now := s.now()
	ss := &session{id: randomToken(), user: user, csrf: randomToken(), created: now, last: now}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, old := range s.m {
		if s.expired(old, now) {
			delete(s.m, id)
		}
	}
	s.m[ss.id] = ss
	return ss
}

func (s *sessions) expired(ss *session, now time.Time) bool {
	return now.Sub(ss.last) > s.idle || now.Sub(ss.created) > s.max
}

// get returns the live session with this id and marks it used.
func (s *sessions) get(id string) (session, bool) {
	if id == "" {
		return session{}, false
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.m[id]
	if !ok {
		return session{}, false
	}
	if s.expired(ss, now) {
		delete(s.m, id)
		return session{}, false
	}
	ss.last = now
	return *ss, true
}

func (s *sessions) end(id string) {
	s.mu.Lock()
	delete(s.m, id)
	s.mu.Unlock()
}

func sameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// endUser ends every session of user but keep's: a disabled or removed
// admin is signed out everywhere at once, and a changed password ends the
// sessions opened with the old one.
func (s *sessions) endUser(user, keep string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, ss := range s.m {
		if ss.user == user && id != keep {
			delete(s.m, id)
		}
	}
}
