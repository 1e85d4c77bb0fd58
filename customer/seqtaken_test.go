package customer

import (
	"errors"
	"fmt"
	"testing"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer/internal/schema"
)

// TestSeqTaken: only a refusal on the Seq index is decided again; one on
// an index a caller's value fills is the caller's to hear.
func TestSeqTaken(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"the Seq index", &columndb.DuplicateError{Table: "customer/customers", Index: schema.IdxSeq}, true},
		{"the Seq index, wrapped", fmt.Errorf("apply: %w", &columndb.DuplicateError{Table: "customer/customers", Index: schema.IdxSeq}), true},
		{"another index", &columndb.DuplicateError{Table: "customer/customers", Index: "number"}, false},
		{"another error", errors.New("disk gone"), false},
		{"none", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := seqTaken(tt.err); got != tt.want {
				t.Fatalf("seqTaken(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}
