package bench

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/tonebase/tonebase/columndb"
)

// Config sizes a run.
type Config struct {
	Tonebase    string        // path of the tonebase binary
	Self        string        // path of a binary that serves the constant body given "-constant ADDR"
	Rows        int           // rows to ingest
	BatchRows   int           // rows per signed upload
	Inflight    int           // uploads in flight
	Concurrency int           // lookup connections
	Duration    time.Duration // per lookup phase
	Rounds      int           // turns lookups and the ceiling take in their phases; 0: 4
	Work        string        // scratch folder
	Profiles    string        // if set, the server's profiles of each phase are written here
	Wrk         string        // if set, the wrk binary: lookups and the ceiling are also measured with it
	DuringRate  int           // lookups/s during the second upload; 0: 1,000
	DuringConns int           // connections for them; 0: Concurrency
	Probe       Prober        // sends the no-upload and during-upload lookups; nil: InProcess
}

// Report is what a run measured.
type Report struct {
	ServerArgs           string // the arguments tonebase was started with
	IngestRowsPerSec     float64
	CeilingRowsPerSec    float64
	Lookup               Stats
	Constant             Stats
	Compared             Comparison // lookups against the ceiling, round by round
	WrkLookup            WrkResult
	WrkConstant          WrkResult
	WrkCompared          Comparison
	HalfRate             Stats
	CeilingHalfRate      Stats   // the ceiling on the half rate's schedule
	CPUPerLookup         CPUTime // tonebase's CPU per lookup at the half rate, where /proc has it
	CeilingCPUPerRequest CPUTime
	NoUpload             Stats // the during-upload schedule before the upload starts
	DuringUpload         Stats
	DuringUploadRowsSec  float64
	// UploadAloneRowsSec is the upload DuringUpload measures, into another
	// new database beside the first, with no lookups sent: what the
	// upload beside them keeps is a share of this.
	UploadAloneRowsSec float64
}

// Run measures everything in one run, so the ratios compare like with like
// on a shared, noisy machine.
func Run(cfg Config, w io.Writer) (Report, error) {
	var r Report
	var err error
	host, _ := os.Hostname()
	fmt.Fprintf(w, "tonebase load harness: %d rows, batches of %d, %d lookup connections, %v phases, %d CPUs (%s, %s)\n",
		cfg.Rows, cfg.BatchRows, cfg.Concurrency, cfg.Duration, runtime.NumCPU(), host, time.Now().UTC().Format(time.DateOnly))
	token := "bench-admin-token-0123456789"
	svc, prof, err := startProfiled(cfg.Tonebase, cfg.Work, token, cfg.Profiles)
	if err != nil {
		return r, err
	}
	defer svc.Stop()
	r.ServerArgs = svc.Args()
	fmt.Fprintf(w, "server: %s %s\n        (default flags otherwise; its log, JSON with the access log on, in %s)\n",
		cfg.Tonebase, svc.Args(), filepath.Join(cfg.Work, "tonebase.log"))
	t, err := Setup(svc.Addr, token)
	if err != nil {
		return r, err
	}

	// The storage ceiling is measured before and after the ingest, and
	// their mean taken, so a machine that sped up or slowed down during
	// the ingest weighs on both sides of the ratio.
	writeBatch := func(n int) (time.Duration, error) {
		dir := filepath.Join(cfg.Work, fmt.Sprintf("ceiling-%d", n))
		defer os.RemoveAll(dir)
		return columndb.WriteBatchCeiling(dir, cfg.Rows, func(i int) ([]byte, []byte) {
			return append([]byte("r"), Invoice(i)...), AppendRow(nil, i)
		})
	}
	before, err := writeBatch(1)
	if err != nil {
		return r, err
	}

	batches := Batches(t.CID, t.DBID, t.UploadPassword, 0, cfg.Rows, cfg.BatchRows)
	prof.capture("ingest", 3*time.Second)
	st, rows, err := Upload(svc.Addr, t.CID, t.DBID, batches, cfg.Inflight)
	if err != nil {
		return r, err
	}
	r.IngestRowsPerSec = float64(rows) / st.Elapsed.Seconds()
	fmt.Fprintf(w, "ingest     %8.0f rows/s   (%d rows in %v; per batch p50 %v p99 %v)\n", r.IngestRowsPerSec, rows,
		st.Elapsed.Round(time.Millisecond), st.P(0.5).Round(time.Millisecond), st.P(0.99).Round(time.Millisecond))

	after, err := writeBatch(2)
	if err != nil {
		return r, err
	}
	r.CeilingRowsPerSec = float64(cfg.Rows) / ((before + after) / 2).Seconds()
	fmt.Fprintf(w, "writebatch %8.0f rows/s   (%.0f before the ingest, %.0f after) ingest is %.0f%% of it\n", r.CeilingRowsPerSec,
		float64(cfg.Rows)/before.Seconds(), float64(cfg.Rows)/after.Seconds(), 100*r.IngestRowsPerSec/r.CeilingRowsPerSec)

	lookup := LookupTarget(svc.Addr, t, cfg.Rows)

	// The ceiling gets the same load: the same requests, Authorization
	// header included, answered with the bytes of a real answer.
	caddr, err := FreeAddr()
	if err != nil {
		return r, err
	}
	body, err := lookup.Body(0)
	if err != nil {
		return r, err
	}
	bodyPath := filepath.Join(cfg.Work, "answer.json")
	if err := os.WriteFile(bodyPath, body, 0o600); err != nil {
		return r, err
	}
	constant, err := Start(caddr, "/", cfg.Self, "-constant", caddr, "-constant-body", bodyPath)
	if err != nil {
		return r, err
	}
	defer constant.Stop() // at once after the half rate; this covers the returns before
	ceiling := lookup
	ceiling.Addr = caddr
	rounds := cfg.Rounds
	if rounds <= 0 {
		rounds = 4
	}
	r.Lookup, r.Constant, r.Compared = compareClosed(w, lookup, ceiling, cfg.Concurrency, rounds, cfg.Duration, prof)
	if cfg.Wrk != "" {
		script := fmt.Sprintf(wrkLookupScript, lookup.header(), cfg.Rows, t.CID, t.DBID)
		r.WrkLookup, r.WrkConstant, r.WrkCompared, err = compareWrk(w, cfg.Wrk, script, "http://"+svc.Addr+"/", "http://"+caddr+"/",
			cfg.Concurrency, rounds, cfg.Duration, cfg.Work)
		if err != nil {
			return r, err
		}
	}

	half := max(int(r.Lookup.Rate()/2), 100)
	prof.capture("half-rate", min(cfg.Duration-time.Second, 5*time.Second))
	cpu0, cpuOK := svc.CPU()
	r.HalfRate = OpenLoop(lookup, half, cfg.Concurrency, cfg.Duration)
	cpu1, _ := svc.CPU()
	fmt.Fprintf(w, "half rate  %v (target %d/s)\n", r.HalfRate, half)
	// The same schedule against the ceiling shows what the machine itself
	// allows, and the CPU each server spent per request is the work a
	// lookup costs, a figure that a busy neighbour moves far less than a
	// rate.
	k0, _ := constant.CPU()
	r.CeilingHalfRate = OpenLoop(ceiling, half, cfg.Concurrency, cfg.Duration)
	k1, _ := constant.CPU()
	constant.Stop()
	fmt.Fprintf(w, "constant   %v (the ceiling on the same schedule)\n", r.CeilingHalfRate)
	if cpuOK && r.HalfRate.Requests > 0 && r.CeilingHalfRate.Requests > 0 {
		r.CPUPerLookup = cpu1.Sub(cpu0).Per(r.HalfRate.Requests)
		r.CeilingCPUPerRequest = k1.Sub(k0).Per(r.CeilingHalfRate.Requests)
		fmt.Fprintf(w, "           server CPU per request at that rate: tonebase %v, ceiling %v\n",
			r.CPUPerLookup, r.CeilingCPUPerRequest)
	}

	rate, conns := 1000, cfg.Concurrency
	if cfg.DuringRate > 0 {
		rate = cfg.DuringRate
	}
	if cfg.DuringConns > 0 {
		conns = cfg.DuringConns
	}
	// The during-upload schedule with no upload first: at a low rate both
	// processes sleep between requests, and what waking them costs on this
	// machine is the floor the upload's figures stand on.
	probe := cfg.Probe
	if probe == nil {
		probe = InProcess{}
	}
	spec := ProbeSpec{Addr: svc.Addr, Tenant: t, Rows: cfg.Rows, Rate: rate, Conns: conns}
	// The same upload with nothing beside it first: the first load went
	// into an empty store, and an upload beside a million rows is slower
	// with no lookups at all. The one beside the lookups then lands beside
	// two million, so the share it keeps is not flattered.
	if r.UploadAloneRowsSec, err = UploadAnother(svc.Addr, token, t, cfg.Rows, cfg.BatchRows, cfg.Inflight); err != nil {
		return r, err
	}
	fmt.Fprintf(w, "upload alone %8.0f rows/s (%d rows into another database beside the first, no lookups sent)\n", r.UploadAloneRowsSec, cfg.Rows)
	switch took, how := Settle(time.Minute, svc); how {
	case Idle:
		fmt.Fprintf(w, "             the server was idle %.1f s after that upload's last batch\n", took.Seconds())
	case Busy:
		fmt.Fprintf(w, "             the server was still busy %.1f s after that upload's last batch; the phases below start anyway\n", took.Seconds())
	case Unmeasured:
		fmt.Fprintf(w, "             no CPU figures on this system: the phases below start %.1f s after that upload's last batch\n", took.Seconds())
	}
	fmt.Fprintf(w, "the during-upload schedule's lookups are sent from %v\n", probe)
	if r.NoUpload, err = ProbeFor(probe, spec, min(cfg.Duration, 5*time.Second)); err != nil {
		return r, err
	}
	fmt.Fprintf(w, "no upload  %v (the during-upload schedule, nothing else running)\n", r.NoUpload)

	// Lookups on the loaded database while another database of the same
	// client takes a full upload.
	r.DuringUpload, r.DuringUploadRowsSec, err = DuringUpload(svc.Addr, token, t, probe, spec, cfg.Rows, cfg.BatchRows, cfg.Inflight,
		func() { prof.capture("during-upload", 3*time.Second) })
	if err != nil {
		return r, err
	}
	if err := prof.wait(); err != nil {
		return r, err
	}
	fmt.Fprintf(w, "during upload %v at %d/s on %d connections while ingesting %.0f rows/s (%.0f%% of the same upload alone, %.0f%% of the first load); %d over 50ms\n",
		r.DuringUpload, rate, conns, r.DuringUploadRowsSec, 100*r.DuringUploadRowsSec/r.UploadAloneRowsSec, 100*r.DuringUploadRowsSec/r.IngestRowsPerSec,
		r.DuringUpload.Over(50*time.Millisecond))
	return r, nil
}

// DuringUpload has probe send spec's lookups, in turns of a second, while
// a new database of t's client takes rows in signed batches, until the
// upload ends. It returns the lookups' figures and the upload's rows/s.
// started runs once the upload is under way.
func DuringUpload(addr, token string, t Tenant, probe Prober, spec ProbeSpec, rows, batch, inflight int, started func()) (Stats, float64, error) {
	db2, batches, err := anotherDatabase(addr, token, t, rows, batch)
	if err != nil {
		return Stats{}, 0, err
	}
	// A thousand lookups a second is a contact centre taking 3.6 million
	// calls an hour, each looked up once: more than any payment line
	// carries. The connections are many, as an IVR platform's channels
	// are, so a slow answer shows as latency and not as a client queue.
	stop, err := probe.Start(spec)
	if err != nil {
		return Stats{}, 0, err
	}
	upStats, upRows, upErr := func() (Stats, int, error) {
		if started != nil {
			started()
		}
		return Upload(addr, t.CID, db2, batches, inflight)
	}()
	during, err := stop()
	if err := errors.Join(upErr, err); err != nil {
		return Stats{}, 0, err
	}
	return during, float64(upRows) / upStats.Elapsed.Seconds(), nil
}

// UploadAnother loads rows into a new database of t's client in signed
// batches, with nothing else sent, and returns its rows/s.
func UploadAnother(addr, token string, t Tenant, rows, batch, inflight int) (float64, error) {
	db, batches, err := anotherDatabase(addr, token, t, rows, batch)
	if err != nil {
		return 0, err
	}
	st, n, err := Upload(addr, t.CID, db, batches, inflight)
	if err != nil {
		return 0, err
	}
	return float64(n) / st.Elapsed.Seconds(), nil
}

// anotherDatabase adds a database to t's client and signs rows for it.
func anotherDatabase(addr, token string, t Tenant, rows, batch int) (int64, []Batch, error) {
	db, err := AddDatabase(addr, token, t.CID)
	if err != nil {
		return 0, nil, err
	}
	return db, Batches(t.CID, db, t.UploadPassword, 0, rows, batch), nil
}

// LookupTarget asks for the rows of t's database in a fixed order that
// jumps across the whole of it.
func LookupTarget(addr string, t Tenant, rows int) Target {
	return Target{Addr: addr, Auth: t.APIKey + ":" + t.APISecret, OK: func(s int) bool { return s == 200 },
		Path: func(i int) string {
			j := (i * 104729) % rows
			return fmt.Sprintf("/ivr/v1/%d/%d/lookup?ref1=%s&ref2=%s", t.CID, t.DBID, Invoice(j), DOB(j))
		}}
}

func merge(ss []Stats) Stats {
	var out Stats
	for _, s := range ss {
		out.Requests += s.Requests
		out.Errors += s.Errors
		out.Elapsed += s.Elapsed
		out.lat = append(out.lat, s.lat...)
	}
	sortDurations(out.lat)
	return out
}
