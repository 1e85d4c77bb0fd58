// Command loadtest runs tonebase's whole-service load harness and prints the
// report recorded in bench/README.md.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/tonebase/tonebase/bench"
)

func main() {
	var cfg bench.Config
	constant := flag.String("constant", "", "serve the constant-body ceiling on this address (used by the harness itself)")
	constantBody := flag.String("constant-body", "", "with -constant, the file whose bytes every request is answered with")
	flag.StringVar(&cfg.Tonebase, "tonebase", "", "tonebase binary (go build -o /tmp/tonebase ./cmd/tonebase)")
	flag.IntVar(&cfg.Rows, "rows", 1_000_000, "rows to ingest")
	flag.IntVar(&cfg.BatchRows, "batch", 5000, "rows per signed upload")
	flag.IntVar(&cfg.Inflight, "inflight", 2, "uploads in flight")
	flag.IntVar(&cfg.Concurrency, "c", 64, "lookup connections")
	flag.DurationVar(&cfg.Duration, "d", 10*time.Second, "length of each lookup phase")
	flag.IntVar(&cfg.Rounds, "rounds", 4, "turns that lookups and the constant-body ceiling take, alternately, within their phases")
	flag.StringVar(&cfg.Profiles, "profiles", "", "write the server's CPU, mutex, block profiles and execution trace of the lookup and during-upload phases into this folder")
	flag.StringVar(&cfg.Wrk, "wrk", "", "also measure lookups and the ceiling with this wrk binary (apt-get install wrk)")
	flag.IntVar(&cfg.DuringRate, "during-rate", 1000, "lookups/s during the second upload")
	flag.IntVar(&cfg.DuringConns, "during-c", 0, "connections for the lookups during the second upload (default: -c)")
	ab := flag.String("ab", "", "instead of the full run, only ingest -rows into each of these tonebase binaries (comma-separated) in turn, -ab-rounds times, and print the medians")
	abRounds := flag.Int("ab-rounds", 6, "rounds for -ab")
	abLookups := flag.Bool("ab-lookups", false, "with -ab, load -rows into every binary once and compare lookups at -c connections in turns of -d instead of ingest")
	abRestart := flag.Duration("ab-restart", 0, "with -ab, load -rows, restart the server, wait this long, and compare loading -rows new rows into the same table")
	abDuring := flag.Bool("ab-during", false, "with -ab, compare the lookups' latency during an upload (-during-rate on -during-c connections) instead of ingest")
	export := flag.Bool("export", false, "instead of the full run, load -rows into -tonebase, export them through the admin pages' export.csv (rate and the server's RSS), and import the file back in replace mode")
	backup := flag.Bool("backup", false, "instead of the full run, load -rows into -tonebase, then time its backup alone, with -during-rate lookups on -during-c connections, and its restore")
	memory := flag.String("memory", "", "instead of the full run, load rows up to each of these counts (comma-separated, e.g. 1000000,5000000,10000000) into one server, and print its memory from /proc after each, then after a restart")
	settle := flag.Duration("settle", 20*time.Second, "with -memory, how long the server rests after each load before it is measured")
	cluster := flag.Bool("cluster", false, "instead of the full run, measure cluster mode: -rows of signed ingest alone and through a log of one replica, then in three nodes on R3 the ingest, a follower's apply rate, its lag and -during-rate lookups on it during a second upload, and an empty fourth node's catch-up")
	payments := flag.Int("payments", 0, "instead of the full run, measure payments: on one row and spread over this many rows at -payments-c connections, then lookups at -c alone and beside -payments-rate payments/s, -d each")
	paymentsC := flag.Int("payments-c", 16, "with -payments, the payment connections")
	paymentsRate := flag.Int("payments-rate", 1000, "with -payments, the payments/s beside the lookups")
	probePriority := flag.Int("probe-priority", 10, "send the lookups of the latency phases at 1,000/s (during an upload, the no-upload phase before it, the cluster's on n2, the payments run's) from a process of their own at this SCHED_FIFO priority when allowed; 0: that process at normal priority")
	probeInProcess := flag.Bool("probe-in-process", false, "send those lookups from this process instead, at its own priority, as stops before 31 did")
	probeBoth := flag.Bool("ab-probes", false, "with -ab-during, every binary takes a turn with each prober: from this process, from its own process at normal priority, and from its own process at -probe-priority")
	probeServe := flag.Int("probe", -1, "act as the probe process of -probe-priority (used by the harness itself)")
	flag.Parse()
	if *probeServe >= 0 { // set only by Subprocess, which passes 0 to 99
		if err := bench.ServeProbe(os.Stdin, os.Stdout, *probeServe); err != nil {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
			os.Exit(1)
		}
		return
	}
	if *probePriority < 0 || *probePriority > 99 {
		fmt.Fprintln(os.Stderr, "loadtest: -probe-priority takes 0 (normal priority) or a SCHED_FIFO priority from 1 to 99")
		os.Exit(2)
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var probe bench.Prober = bench.Subprocess{Exe: self, Priority: *probePriority}
	if *probeInProcess {
		probe = bench.InProcess{}
	}
	probes := []bench.Prober{probe}
	if *probeBoth {
		probes = []bench.Prober{bench.InProcess{}, bench.Subprocess{Exe: self}, bench.Subprocess{Exe: self, Priority: max(*probePriority, 1)}}
	}
	if *constant != "" {
		body, err := os.ReadFile(*constantBody)
		if err == nil {
			err = bench.ServeConstant(*constant, body)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	if (*abLookups || *abDuring || *abRestart != 0) && *ab == "" {
		fmt.Fprintln(os.Stderr, "loadtest: -ab-lookups, -ab-during and -ab-restart compare the builds -ab names; give -ab too")
		os.Exit(2)
	}
	modes := 0
	for _, on := range []bool{*abLookups, *abDuring, *abRestart != 0} {
		if on {
			modes++
		}
	}
	if *abRestart < 0 || modes > 1 {
		fmt.Fprintln(os.Stderr, "loadtest: -ab-restart takes a wait of zero or more, and -ab-lookups, -ab-during and -ab-restart go one at a time")
		os.Exit(2)
	}
	if *abDuring && (cfg.DuringRate < 1 || cfg.DuringConns < 0) {
		fmt.Fprintln(os.Stderr, "loadtest: -ab-during needs -during-rate at least 1 and -during-c of zero or more")
		os.Exit(2)
	}
	if *ab != "" {
		bins := bench.SplitBins(*ab)
		if len(bins) == 0 || *abRounds < 1 {
			fmt.Fprintln(os.Stderr, "loadtest: -ab needs at least one binary and -ab-rounds at least 1")
			os.Exit(2)
		}
		if *abLookups && (cfg.Duration <= 0 || cfg.Concurrency < 1) {
			fmt.Fprintln(os.Stderr, "loadtest: -ab-lookups needs turns of -d above zero and -c at least 1")
			os.Exit(2)
		}
		work, err := os.MkdirTemp("", "tonebase-ab-")
		if err == nil {
			switch {
			case *abLookups:
				_, err = bench.LookupAB(os.Stdout, work, bins, cfg.Rows, cfg.BatchRows, cfg.Inflight, cfg.Concurrency, *abRounds, cfg.Duration)
			case *abDuring:
				conns := cfg.DuringConns
				if conns == 0 {
					conns = cfg.Concurrency
				}
				_, err = bench.DuringAB(os.Stdout, work, bins, probes, cfg.Rows, cfg.BatchRows, cfg.Inflight, cfg.DuringRate, conns, *abRounds)
			default:
				_, err = bench.IngestAB(os.Stdout, work, bins, cfg.Rows, cfg.BatchRows, cfg.Inflight, *abRounds, *abRestart)
			}
			os.RemoveAll(work)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
			os.Exit(1)
		}
		return
	}
	if cfg.Tonebase == "" {
		fmt.Fprintln(os.Stderr, "loadtest: -tonebase or -ab is required")
		os.Exit(2)
	}
	if *export {
		work, err := os.MkdirTemp("", "tonebase-export-")
		if err == nil {
			_, err = bench.ExportReimport(os.Stdout, work, cfg.Tonebase, cfg.Rows, cfg.BatchRows, cfg.Inflight)
			os.RemoveAll(work)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
			os.Exit(1)
		}
		return
	}
	if *cluster {
		conns := cfg.DuringConns
		if conns == 0 {
			conns = cfg.Concurrency
		}
		work, err := os.MkdirTemp("", "tonebase-cluster-")
		if err == nil {
			_, err = bench.Cluster(os.Stdout, work, cfg.Tonebase, probe, cfg.Rows, cfg.BatchRows, cfg.Inflight, cfg.DuringRate, conns)
			os.RemoveAll(work)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
			os.Exit(1)
		}
		return
	}
	if *backup {
		conns := cfg.DuringConns
		if conns == 0 {
			conns = cfg.Concurrency
		}
		work, err := os.MkdirTemp("", "tonebase-backup-")
		if err == nil {
			_, err = bench.BackupRestore(os.Stdout, work, cfg.Tonebase, cfg.Rows, cfg.BatchRows, cfg.Inflight, cfg.DuringRate, conns)
			os.RemoveAll(work)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
			os.Exit(1)
		}
		return
	}
	if *payments > 0 {
		work, err := os.MkdirTemp("", "tonebase-payments-")
		if err == nil {
			_, err = bench.Payments(bench.PaymentsConfig{Tonebase: cfg.Tonebase, Work: work, Rows: *payments, Concurrency: *paymentsC,
				LookupConns: cfg.Concurrency, Duration: cfg.Duration, Rate: *paymentsRate, Profiles: cfg.Profiles, Probe: probe}, os.Stdout)
			os.RemoveAll(work)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
			os.Exit(1)
		}
		return
	}
	if *memory != "" {
		steps, err := bench.SplitCounts(*memory)
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadtest: -memory:", err)
			os.Exit(2)
		}
		work, err := os.MkdirTemp("", "tonebase-memory-")
		if err == nil {
			_, err = bench.MemoryCurve(os.Stdout, cfg.Tonebase, work, steps, cfg.BatchRows, cfg.Inflight, cfg.Concurrency, *settle, 3*time.Second)
			os.RemoveAll(work)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
			os.Exit(1)
		}
		return
	}
	cfg.Self = self
	cfg.Probe = probe
	work, err := os.MkdirTemp("", "tonebase-bench-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer os.RemoveAll(work)
	cfg.Work = work
	if _, err := bench.Run(cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}
