package bench

import (
	"strings"
	"testing"
	"time"
)

// TestPaymentsHarness runs the payments harness small, so the command in
// bench/README.md keeps working: every payment and lookup is answered as
// expected.
func TestPaymentsHarness(t *testing.T) {
	dir, bins := build(t, "tonebase", "../cmd/tonebase")
	var out strings.Builder
	r, err := Payments(PaymentsConfig{Tonebase: bins[0], Work: dir, Rows: 2000, Concurrency: 4, LookupConns: 8,
		Duration: 500 * time.Millisecond, Rate: 200}, &out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]Stats{"hot row": r.HotRow, "spread": r.Spread, "lookups": r.LookupsAlone,
		"lookups beside": r.LookupsBeside, "half": r.HalfAlone, "half beside": r.HalfBeside,
		"slow": r.SlowAlone, "slow beside": r.SlowBeside, "payments beside": r.PaymentsBeside} {
		if s.Requests == 0 || s.Errors != 0 {
			t.Errorf("%s: %d requests, %d errors", name, s.Requests, s.Errors)
		}
	}
}
