package ivr

import (
	"testing"
	"time"
)

func TestSayPounds(t *testing.T) {
	tests := []struct {
		minor int64
		want  string
	}{
		{0, "zero pounds"},
		{1, "one penny"},
		{50, "fifty pence"},
		{100, "one pound"},
		{1250, "twelve pounds and fifty pence"},
		{10501, "one hundred and five pounds and one penny"},
		{123456, "one thousand two hundred and thirty-four pounds and fifty-six pence"},
		{100000000, "one million pounds"},
		{-500, "minus five pounds"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := SayPounds(tt.minor); got != tt.want {
				t.Fatalf("SayPounds(%d) = %q, want %q", tt.minor, got, tt.want)
			}
		})
	}
}

func TestKV(t *testing.T) {
	tests := []struct {
		name string
		r    Result
		want string
	}{
		{"found", Result{Status: StatusFound, Balance: &Amount{Minor: 1250, Amount: "12.50", Say: "twelve pounds and fifty pence"}, Fields: []Field{{ID: "colF", Value: "Alice & Bob"}}},
			"status=found&balance=12.50&balance_minor=1250&balance_say=twelve+pounds+and+fifty+pence&colF=Alice+%26+Bob"},
		{"invalid", Result{Status: StatusInvalidInput, Input: &InputError{Field: "ref1", Reason: ReasonTooShort, Min: 6, Max: 6}},
			"status=invalid_input&field=ref1&reason=too_short&min=6&max=6"},
		{"locked", Result{Status: StatusLocked, RetryAfter: 1500 * time.Millisecond}, "status=locked&retry_after=2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r.KV(); got != tt.want {
				t.Fatalf("KV = %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestLockout(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	l := NewLockout[string](3, 15*time.Minute)
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
	off := NewLockout[string](0, time.Minute)
	for i := 0; i < 10; i++ {
		off.Fail("x")
	}
	if locked, _ := off.Locked("x"); locked {
		t.Fatal("a zero limit disables the lockout")
	}
}
