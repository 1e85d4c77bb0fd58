package web

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// session is one signed-in admin. Sessions live in memory: a restart signs
// everyone out, which is the safe way to fail. In a cluster they live in
// the shared bucket too, and every node keeps a copy of it, so an admin
// signed in on one node works on any, and signing out ends the session on
// all.
type session struct {
	id      string // the cookie; empty in a copy of another node's session
	user    string
	csrf    string
	created time.Time
	last    time.Time
	wrote   time.Time // when last was last written to the shared bucket
}

// sharedSession is a session as the bucket holds it, under the hash of its
// id: whoever reads the bucket cannot sign in with what it holds.
type sharedSession struct {
	User    string    `json:"user"`
	CSRF    string    `json:"csrf"`
	Created time.Time `json:"created"`
	Last    time.Time `json:"last"`
}

type sessions struct {
	idle, max time.Duration
	now       func() time.Time
	shared    SharedBucket
	onError   func(error)
	stopWatch func()

	mu sync.Mutex
	m  map[string]*session // by sessionHash of the id
}

// touchEvery is how often a used session's last activity is written to
// the shared bucket: not on every request. Another node sees it up to this
// much late, so there a session may idle out up to this much early; the
// bucket keeps it this much past its idle time so that it never does so
// before the node that saw the activity says.
func (s *sessions) touchEvery() time.Duration { return min(s.idle/10, time.Minute) }

func newSessions(idle, max time.Duration, now func() time.Time) *sessions {
	return &sessions{idle: idle, max: max, now: now, m: map[string]*session{}, onError: func(error) {}}
}

// share keeps the sessions in b as well, and a copy of b's here.
func (s *sessions) share(b SharedBucket, onError func(error)) error {
	s.shared, s.onError = b, onError
	stop, err := b.Watch(s.mirror)
	if err != nil {
		return fmt.Errorf("web: read shared sessions: %w", err)
	}
	s.stopWatch = stop
	return nil
}

func (s *sessions) close() {
	if s.stopWatch != nil {
		s.stopWatch()
	}
}

// mirror takes in a change the bucket's watcher heard of.
func (s *sessions) mirror(key string, v []byte, _ uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var sh sharedSession
	if v == nil || json.Unmarshal(v, &sh) != nil {
		delete(s.m, key)
		return
	}
	if ss, ok := s.m[key]; ok {
		ss.last = maxTime(ss.last, sh.Last)
		return
	}
	s.m[key] = &session{user: sh.User, csrf: sh.CSRF, created: sh.Created, last: sh.Last, wrote: sh.Last}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func sessionHash(id string) string {
	h := sha256.Sum256([]byte(id))
	return hex.EncodeToString(h[:])
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("web: crypto/rand failed: " + err.Error()) // never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// start opens a session for user and forgets expired ones. In a cluster a
// session the bucket cannot take is refused: it would work on this node
// only, and signing out elsewhere would not end it.
func (s *sessions) start(user string) (*session, error) {
	now := s.now()
	ss := &session{id: randomToken(), user: user, csrf: randomToken(), created: now, last: now, wrote: now}
	if s.shared != nil {
		if _, err := s.shared.Create(sessionHash(ss.id), s.encode(ss), s.idle+s.touchEvery()); err != nil {
			return nil, fmt.Errorf("%w: start a session: %w", errNoCluster, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, old := range s.m {
		if s.expired(old, now) {
			delete(s.m, id)
		}
	}
	s.m[sessionHash(ss.id)] = ss
	return ss, nil
}

func (s *sessions) encode(ss *session) []byte {
	b, _ := json.Marshal(sharedSession{User: ss.user, CSRF: ss.csrf, Created: ss.created, Last: ss.last})
	return b
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
	key := sessionHash(id)
	s.mu.Lock()
	ss, ok := s.m[key]
	s.mu.Unlock()
	if !ok && s.shared != nil {
		// Signed in on another node a moment ago, before this node's
		// watcher brought it: the bucket has it already.
		ss, ok = s.fetch(key)
	}
	if !ok {
		return session{}, false
	}
	s.mu.Lock()
	if s.expired(ss, now) {
		delete(s.m, key)
		s.mu.Unlock()
		return session{}, false
	}
	ss.id, ss.last = id, now
	var touch []byte
	if s.shared != nil && now.Sub(ss.wrote) >= s.touchEvery() {
		ss.wrote = now
		touch = s.encode(ss)
	}
	out := *ss
	s.mu.Unlock()
	if touch != nil {
		if _, err := s.shared.Put(key, touch, s.idle+s.touchEvery()); err != nil {
			s.onError(fmt.Errorf("web: note a session's activity: %w", err))
		}
	}
	return out, true
}

func (s *sessions) fetch(key string) (*session, bool) {
	v, err := s.shared.Get(key)
	if err != nil {
		return nil, false
	}
	s.mirror(key, v, 0)
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.m[key]
	return ss, ok
}

// end ends a session here and, in a cluster, on every node.
func (s *sessions) end(id string) {
	key := sessionHash(id)
	s.mu.Lock()
	delete(s.m, key)
	s.mu.Unlock()
	s.unshare(key)
}

func (s *sessions) unshare(key string) {
	if s.shared == nil {
		return
	}
	if _, err := s.shared.Delete(key); err != nil {
		s.onError(fmt.Errorf("web: end a session on the other nodes: %w", err))
	}
}

func sameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// endUser ends every session of user but keep's: a disabled or removed
// admin is signed out everywhere at once, and a changed password ends the
// sessions opened with the old one.
func (s *sessions) endUser(user, keep string) {
	keepKey := ""
	if keep != "" {
		keepKey = sessionHash(keep)
	}
	var ended []string
	s.mu.Lock()
	for key, ss := range s.m {
		if ss.user == user && key != keepKey {
			delete(s.m, key)
			ended = append(ended, key)
		}
	}
	s.mu.Unlock()
	for _, key := range ended {
		s.unshare(key)
	}
}
