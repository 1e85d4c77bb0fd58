package bench

import (
	"encoding/json"
	"os"
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
	dir, bins := build(t, "tonebase", "../cmd/tonebase", "loadtest", "./cmd/loadtest")
	tb, lt := bins[0], bins[1]
	var out strings.Builder
	r, err := Run(Config{Tonebase: tb, Self: lt, Rows: 20000, BatchRows: 2000, Inflight: 2, Concurrency: 8,
		Duration: 500 * time.Millisecond, Work: dir, Probe: Subprocess{Exe: lt, Priority: 10}}, &out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	if r.IngestRowsPerSec <= 0 || r.Lookup.Requests == 0 || r.Lookup.Errors != 0 || r.HalfRate.Errors != 0 ||
		r.NoUpload.Requests == 0 || r.NoUpload.Errors != 0 || r.DuringUpload.Errors != 0 {
		t.Fatalf("a phase failed: %+v", r)
	}
	// The server ran as an operator starts it: no flag but where it
	// listens, where its data is and its admin token, and it logged
	// every request, in JSON since its log is a file.
	var flags []string
	for _, f := range strings.Fields(r.ServerArgs) {
		if strings.HasPrefix(f, "--") {
			flags = append(flags, f)
		}
	}
	if strings.Join(flags, " ") != "--addr --data --admin-token" || !strings.Contains(out.String(), r.ServerArgs) {
		t.Fatalf("the server ran with %q; want the default flags, printed", r.ServerArgs)
	}
	logs, err := os.ReadFile(filepath.Join(dir, "tonebase.log"))
	if err != nil {
		t.Fatal(err)
	}
	accessLines := 0
	for _, line := range strings.Split(string(logs), "\n") {
		var l struct{ Route string }
		if json.Unmarshal([]byte(line), &l) == nil && l.Route == "/ivr/v1/{cid}/{dbid}/lookup" {
			accessLines++
		}
	}
	if accessLines < r.Lookup.Requests {
		t.Fatalf("%d lookups and %d access lines of them in the server's JSON log", r.Lookup.Requests, accessLines)
	}
}

// TestAB runs both comparisons of builds small, with one build under two
// names: every load and every turn must be answered and counted.
func TestAB(t *testing.T) {
	dir, bins := build(t, "a", "../cmd/tonebase", "b", "../cmd/tonebase")
	a, b := bins[0], bins[1]
	var out strings.Builder
	rates, err := IngestAB(&out, dir, []string{a, b}, 3000, 1000, 2, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rates[a]) != 2 || len(rates[b]) != 2 {
		t.Fatalf("ingest rates %v, want two per build", rates)
	}
	// After a restart: the second load lands in the same table, so a
	// server that lost the first load's table would refuse it.
	rates, err = IngestAB(&out, dir, []string{a}, 2000, 1000, 2, 1, 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if len(rates[a]) != 1 || rates[a][0] <= 0 {
		t.Fatalf("ingest rates after a restart %v, want one", rates)
	}
	turns, err := DuringAB(&out, dir, []string{a}, []Prober{InProcess{}}, 2000, 500, 2, 200, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	if st := turns[a]; len(st) != 1 || st[0].Requests == 0 || st[0].Errors > 0 {
		t.Fatalf("lookups during an upload %+v, want one turn of answered lookups", turns)
	}
	rates, err = LookupAB(&out, dir, []string{a, b}, 3000, 1000, 2, 4, 2, 200*time.Millisecond)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	for _, bin := range []string{a, b} {
		if len(rates[bin]) != 2 || rates[bin][0] <= 0 || rates[bin][1] <= 0 {
			t.Fatalf("lookup rates %v, want two per build", rates)
		}
	}
	if !strings.Contains(out.String(), "lookups/s") || !strings.Contains(out.String(), "rounds won") {
		t.Fatalf("no medians printed:\n%s", out.String())
	}
}

// build skips under -short; otherwise it builds each (name, package) pair
// into a fresh folder and returns the folder and the binaries in order.
func build(t *testing.T, namesAndPkgs ...string) (string, []string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds binaries and runs servers")
	}
	dir := t.TempDir()
	var bins []string
	for i := 0; i+1 < len(namesAndPkgs); i += 2 {
		bin := filepath.Join(dir, "bin", namesAndPkgs[i])
		if out, err := exec.Command("go", "build", "-o", bin, namesAndPkgs[i+1]).CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", namesAndPkgs[i+1], err, out)
		}
		bins = append(bins, bin)
	}
	return dir, bins
}

// TestBackupHarness runs the backup measurement small: the backup and
// restore commands, timed, and the restored server answering.
func TestBackupHarness(t *testing.T) {
	dir, bins := build(t, "tonebase", "../cmd/tonebase")
	var out strings.Builder
	r, err := BackupRestore(&out, dir, bins[0], 5000, 1000, 2, 200, 4)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	if r.FileBytes == 0 || r.Restore <= 0 || r.During.Requests == 0 || r.During.Errors != 0 {
		t.Fatalf("a phase failed: %+v", r)
	}
}
