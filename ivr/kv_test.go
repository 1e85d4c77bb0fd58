package ivr

import (
	"testing"
	"time"
)

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
