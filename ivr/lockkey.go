package ivr

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tonebase/tonebase/internal/lockout"
)

// collLocks holds the caller locks that have not ended, so a restart does
// not forgive a caller who was trying dates of birth.
const collLocks = "ivr.locks"

// encodeLock names a lock in the store: the value is last, so it may hold
// any character. The client is the lockout's partition (every lookup
// passes its cid), so one client's callers never push another's out.
func encodeLock(_ int64, k lockKey) string {
	kind := "r"
	if k.caller {
		kind = "c"
	}
	return strconv.FormatInt(k.cid, 10) + "/" + strconv.FormatInt(k.dbid, 10) + "/" + kind + "/" + k.value
}

func decodeLock(s string) (int64, lockKey, bool) {
	cid, rest, ok1 := strings.Cut(s, "/")
	dbid, rest, ok2 := strings.Cut(rest, "/")
	kind, value, ok3 := strings.Cut(rest, "/")
	c, err1 := strconv.ParseInt(cid, 10, 64)
	d, err2 := strconv.ParseInt(dbid, 10, 64)
	if !ok1 || !ok2 || !ok3 || err1 != nil || err2 != nil || (kind != "r" && kind != "c") {
		return 0, lockKey{}, false
	}
	return c, lockKey{cid: c, dbid: d, caller: kind == "c", value: value}, true
}

// KeepLocks makes the caller lockout write its locks to st and reads back
// the ones a previous run left that have not ended; with Config.SharedLocks
// it counts in the cluster's bucket instead, and reads back what that
// holds. Call it before the service answers lookups; until then locks live
// in memory only.
func (s *Service) KeepLocks(st lockout.Store, onError func(error)) error {
	l, err := lockout.Open(lockout.Options[lockKey]{Limit: s.cfg.LockoutLimit, Window: s.cfg.LockoutWindow,
		Store: st, Collection: collLocks, Encode: encodeLock, Decode: decodeLock, OnError: onError,
		Shared: s.cfg.SharedLocks})
	if err != nil {
		return fmt.Errorf("ivr: caller locks: %w", err)
	}
	s.lockout.Close()
	s.lockout = l
	return nil
}

// CallerLock is a ref1 value or a caller's number locked out of a
// database now, and when the lock ends.
type CallerLock struct {
	Caller bool // a caller's number; otherwise a ref1 value
	Value  string
	Until  time.Time
}

// Locks returns what is locked out of a client's database now, soonest to
// unlock first, for the merchant's office to look up when a caller rings.
func (s *Service) Locks(cid, dbid int64) []CallerLock {
	var out []CallerLock
	for _, l := range s.lockout.Locks(cid, func(k lockKey) bool { return k.cid == cid && k.dbid == dbid }) {
		out = append(out, CallerLock{Caller: l.Key.caller, Value: l.Key.value, Until: l.Until})
	}
	return out
}

// Unlock lifts one lock of a client's database and reports whether it
// was locked.
func (s *Service) Unlock(cid, dbid int64, caller bool, value string) bool {
	return s.lockout.Lift(cid, lockKey{cid: cid, dbid: dbid, caller: caller, value: value})
}
