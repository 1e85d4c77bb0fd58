package lockout

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tonebase/tonebase/columndb"
)

// tkey is a key of one tenant, as the IVR's are.
type tkey struct {
	tenant int64
	value  string
}

func encode(part int64, k string) string { return strconv.FormatInt(part, 10) + "/" + k }

func decode(s string) (int64, string, bool) {
	t, v, ok := strings.Cut(s, "/")
	n, err := strconv.ParseInt(t, 10, 64)
	return n, v, ok && err == nil
}

// tl is a lockout used with tkeys, the partition taken from the key.
type tl struct{ *Lockout[string] }

func (l tl) fail(k tkey)                         { l.Fail(k.tenant, k.value) }
func (l tl) locked(k tkey) (bool, time.Duration) { return l.Locked(k.tenant, k.value) }

// clock is a settable time for the lockout under test.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func newClock() *clock { return &clock{now: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)} }

func TestLockout(t *testing.T) {
	c := newClock()
	l, _ := Open(Options[Name]{Limit: 3, Window: 15 * time.Minute, Now: c.Now})
	for i := 0; i < 2; i++ {
		l.Fail(0, "ref", "caller")
	}
	if locked, _ := l.Locked(0, "ref"); locked {
		t.Fatal("locked after two failures of three")
	}
	c.now = c.now.Add(time.Minute)
	l.Fail(0, "ref")
	locked, wait := l.Locked(0, "other", "ref")
	if !locked || wait != 14*time.Minute {
		t.Fatalf("Locked = %v, %v; want locked for 14m (the first failure ages out)", locked, wait)
	}
	if locked, _ := l.Locked(0, "caller"); locked {
		t.Fatal("caller has only two failures")
	}
	c.now = c.now.Add(14 * time.Minute)
	if locked, _ := l.Locked(0, "ref"); locked {
		t.Fatal("still locked after the window")
	}
	off := New[Name](0, time.Minute)
	for i := 0; i < 10; i++ {
		off.Fail(0, "x")
	}
	if locked, _ := off.Locked(0, "x"); locked {
		t.Fatal("a zero limit disables the lockout")
	}
}

// Another tenant's flood of misses must not lift a victim's lock: today's
// attack was 700,000 not-found lookups against the attacker's own database.
func TestPartitionsKeepTheirOwnCapacity(t *testing.T) {
	c := newClock()
	lk, _ := Open(Options[string]{Limit: 5, Window: 15 * time.Minute, MaxKeys: 1024, Now: c.Now})
	l := tl{lk}
	victim := tkey{1001, "123456"}
	for i := 0; i < 5; i++ {
		l.fail(victim)
	}
	refused := 0
	for i := 0; i < 20000; i++ {
		k := tkey{2002, fmt.Sprintf("%06d", i)}
		if locked, _ := l.locked(k); locked {
			refused++
			continue
		}
		l.fail(k)
		if i%1000 == 0 {
			c.now = c.now.Add(2 * time.Second) // sweeps get their turn
		}
	}
	if locked, _ := l.locked(victim); !locked {
		t.Fatal("the victim's lock was lifted by another tenant's traffic")
	}
	if refused == 0 {
		t.Fatal("the attacker's partition never filled: capacity is not bounded")
	}
	// The victim's tenant still has room for its own new callers.
	if locked, _ := l.locked(tkey{1001, "654321"}); locked {
		t.Fatal("a full partition refused another tenant's new key")
	}
}

func TestFullPartitionFailsClosed(t *testing.T) {
	c := newClock()
	lk, _ := Open(Options[string]{Limit: 5, Window: 15 * time.Minute, MaxKeys: 16, Now: c.Now})
	l := tl{lk}
	locked := tkey{7, "locked"}
	for i := 0; i < 5; i++ {
		l.fail(locked)
	}
	for i := 0; i < 1000; i++ {
		l.fail(tkey{7, strconv.Itoa(i)})
	}
	tests := []struct {
		name       string
		after      time.Duration
		key        tkey
		wantLocked bool
	}{
		{"a locked key stays locked however full", 0, locked, true},
		{"a new key is refused while full", 0, tkey{7, "new"}, true},
		{"a key of another partition is not", 0, tkey{8, "new"}, false},
		{"the lock holds to its end", 14 * time.Minute, locked, true},
		{"room frees once failures age out", 16 * time.Minute, tkey{7, "new"}, false},
		{"and the lock has ended", 16 * time.Minute, locked, false},
	}
	start := c.now
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.now = start.Add(tt.after)
			if got, _ := l.locked(tt.key); got != tt.wantLocked {
				t.Fatalf("Locked(%v) = %v, want %v", tt.key, got, tt.wantLocked)
			}
		})
	}
}

// Sign-in checks a bcrypt hash after the lockout: counted only after the
// check, 30 concurrent wrong passwords were all checked. Counted before,
// no more than the limit may reach the check, however concurrent.
func TestAttemptCountsBeforeTheCheck(t *testing.T) {
	l := New[Name](5, 15*time.Minute)
	var checked atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if ok, _ := l.Attempt(0, "ip/192.0.2.1", "user/ada"); ok {
				checked.Add(1)
				time.Sleep(time.Millisecond) // the bcrypt comparison
			}
		}()
	}
	close(start)
	wg.Wait()
	if n := checked.Load(); n != 5 {
		t.Fatalf("%d attempts reached the check, want 5", n)
	}
	if ok, wait := l.Attempt(0, "user/ada"); ok || wait <= 0 {
		t.Fatalf("Attempt after the limit = %v, %v", ok, wait)
	}
}

func TestForgiveGivesBackAPassedAttempt(t *testing.T) {
	l := New[Name](3, time.Hour)
	for i := 0; i < 10; i++ {
		ok, _ := l.Attempt(0, "user/ada")
		if !ok {
			t.Fatalf("attempt %d refused although every one passed", i)
		}
		l.Forgive(0, "user/ada")
	}
	l.Attempt(0, "user/ada")
	l.Attempt(0, "user/ada")
	if ok, _ := l.Attempt(0, "user/ada"); !ok {
		t.Fatal("the third attempt is within the limit")
	}
	if ok, _ := l.Attempt(0, "user/ada"); ok {
		t.Fatal("a fourth attempt passed a limit of three")
	}
}

func TestAttemptRefusedCountsAgainstNoKey(t *testing.T) {
	l := New[Name](2, time.Hour)
	l.Fail(0, "ip/a", "ip/a")
	if ok, _ := l.Attempt(0, "ip/a", "user/b"); ok {
		t.Fatal("a locked address was let through")
	}
	if ok, _ := l.Attempt(0, "user/b"); !ok {
		t.Fatal("a refused attempt counted against its other key")
	}
}

func TestLocksSurviveARestart(t *testing.T) {
	dir := t.TempDir()
	c := newClock()
	open := func() (*columndb.Store, tl) {
		t.Helper()
		s, err := columndb.Open(columndb.Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		l, err := Open(Options[string]{Limit: 3, Window: 15 * time.Minute, Now: c.Now,
			Store: s, Collection: "lockout.test", Encode: encode, Decode: decode})
		if err != nil {
			t.Fatal(err)
		}
		return s, tl{l}
	}
	s, l := open()
	long, short, counted := tkey{1, "long"}, tkey{1, "short"}, tkey{2, "counted"}
	for i := 0; i < 3; i++ {
		l.fail(long)
	}
	c.now = c.now.Add(10 * time.Minute)
	for i := 0; i < 3; i++ {
		l.fail(short)
	}
	l.fail(counted)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	c.now = c.now.Add(6 * time.Minute) // long's lock has ended, short's has 9 minutes left
	s, l = open()
	defer s.Close()
	if locked, wait := l.locked(short); !locked || wait != 9*time.Minute {
		t.Fatalf("after the restart short is %v for %v, want locked for 9m", locked, wait)
	}
	if locked, _ := l.locked(long); locked {
		t.Fatal("a lock that ended before the restart came back")
	}
	var names []string
	if err := s.EachDoc("lockout.test", func(k string, _ []byte) error { names = append(names, k); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(names) != 1 || names[0] != encode(short.tenant, short.value) {
		t.Fatalf("stored locks %v, want only the one still running", names)
	}
	if locked, _ := l.locked(counted); locked {
		t.Fatal("a key below the limit is not a lock")
	}
}

func BenchmarkLockedMiss(b *testing.B) {
	l := New[tkey](5, 15*time.Minute)
	var keys [2]tkey // on the stack, as a lookup's are: Locked must not make them escape
	keys[0] = tkey{1001, "123456"}
	b.ReportAllocs()
	for b.Loop() {
		l.Locked(1001, keys[:1]...)
	}
}

func TestLocksListsAndLiftEnds(t *testing.T) {
	dir := t.TempDir()
	c := newClock()
	s, err := columndb.Open(columndb.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	l, err := Open(Options[string]{Limit: 3, Window: 15 * time.Minute, Now: c.Now,
		Store: s, Collection: "lockout.test", Encode: encode, Decode: decode})
	if err != nil {
		t.Fatal(err)
	}
	lock := func(part int64, k string) {
		for range 3 {
			l.Fail(part, k)
		}
	}
	lock(1, "later")
	c.now = c.now.Add(-5 * time.Minute) // "sooner" locked five minutes earlier
	lock(1, "sooner")
	c.now = c.now.Add(5 * time.Minute)
	lock(2, "other-tenant")
	l.Fail(1, "counted") // below the limit: no lock
	lock(1, "skipped")

	got := l.Locks(1, func(k string) bool { return k != "skipped" })
	want := []Lock[string]{{"sooner", c.now.Add(10 * time.Minute)}, {"later", c.now.Add(15 * time.Minute)}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("locks %v, want %v", got, want)
	}
	if !l.Lift(1, "sooner") {
		t.Fatal("lifting a lock reports it was not locked")
	}
	if locked, _ := l.Locked(1, "sooner"); locked {
		t.Fatal("a lifted key is still locked")
	}
	if l.Lift(1, "counted") || l.Lift(1, "nobody") {
		t.Fatal("lifting a key that was not locked reports a lock")
	}
	if locked, _ := l.Locked(2, "other-tenant"); !locked {
		t.Fatal("lifting in one partition touched another")
	}
	// The lift is written down: reopened, the store brings back only the
	// locks still running.
	l2, err := Open(Options[string]{Limit: 3, Window: 15 * time.Minute, Now: c.Now,
		Store: s, Collection: "lockout.test", Encode: encode, Decode: decode})
	if err != nil {
		t.Fatal(err)
	}
	if locked, _ := l2.Locked(1, "sooner"); locked {
		t.Fatal("a lifted lock came back at restart")
	}
	if locked, _ := l2.Locked(1, "later"); !locked {
		t.Fatal("a lock not lifted was lost")
	}
}
