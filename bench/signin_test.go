package bench

import (
	"strings"
	"testing"
	"time"
)

// TestSignInFlood runs the sign-in flood small, so the command in
// bench/README.md keeps working: the flood must reach the password check
// and be refused busy past it, its control must be answered, and the
// lookups beside both answered without errors.
func TestSignInFlood(t *testing.T) {
	dir, bins := build(t, "tonebase", "../cmd/tonebase")
	var out strings.Builder
	r, err := RunSignInFlood(&out, bins[0], dir, 2000, 200, 4, 8, 0, 700*time.Millisecond)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	if r.Flood.ByStatus[401] == 0 || r.Flood.ByStatus[503] == 0 || r.Flood.Errors != 0 {
		t.Fatalf("the flood did not reach the password check and its bound: %s", r.Flood)
	}
	if r.ControlFlood.ByStatus[200] == 0 || r.Quiet.Errors+r.Flooded.Errors+r.Control.Errors != 0 || r.Flooded.Requests == 0 {
		t.Fatalf("a phase failed: %+v", r)
	}
}
