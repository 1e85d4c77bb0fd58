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
