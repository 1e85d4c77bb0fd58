package lockout

import (
	"testing"
	"time"
)

func TestLockout(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	l := New[string](3, 15*time.Minute)
	l.now = func() time.Time { return now }
	for i := 0; i < 2; i++ {
		l.Fail("ref", "caller")
	}
	if locked, _ := l.Locked("ref"); locked {
		t.Fatal("locked after two failures of three")
	}
	now = now.Add(time.Minute)
	l.Fail("ref")
	locked, wait := l.Locked("other", "ref")
	if !locked || wait != 14*time.Minute {
		t.Fatalf("Locked = %v, %v; want locked for 14m (the first failure ages out)", locked, wait)
	}
	if locked, _ := l.Locked("caller"); locked {
		t.Fatal("caller has only two failures")
	}
	now = now.Add(14 * time.Minute)
	if locked, _ := l.Locked("ref"); locked {
		t.Fatal("still locked after the window")
	}
	off := New[string](0, time.Minute)
	for i := 0; i < 10; i++ {
		off.Fail("x")
	}
	if locked, _ := off.Locked("x"); locked {
		t.Fatal("a zero limit disables the lockout")
	}
}
