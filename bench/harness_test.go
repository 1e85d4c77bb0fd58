package bench

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHarness runs the whole harness small, so the report command in
// bench/README.md keeps working: it builds tonebase and the harness,
// ingests, looks up, and checks every phase answered without errors.
func TestHarness(t *testing.T) {
	if testing.Short() {
		t.Skip("builds binaries and runs servers")
	}
	dir := t.TempDir()
	tb, lt := filepath.Join(dir, "bin", "tonebase"), filepath.Join(dir, "bin", "loadtest")
	for bin, pkg := range map[string]string{tb: "../cmd/tonebase", lt: "./cmd/loadtest"} {
		if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", pkg, err, out)
		}
	}
	var out strings.Builder
	r, err := Run(Config{Tonebase: tb, Self: lt, Rows: 20000, BatchRows: 2000, Inflight: 2, Concurrency: 8,
		Duration: 500 * time.Millisecond, Work: dir}, &out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	if r.IngestRowsPerSec <= 0 || r.Lookup.Requests == 0 || r.Lookup.Errors != 0 || r.HalfRate.Errors != 0 ||
		r.NoUpload.Requests == 0 || r.NoUpload.Errors != 0 || r.DuringUpload.Errors != 0 {
		t.Fatalf("a phase failed: %+v", r)
	}
}
