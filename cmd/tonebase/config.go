package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/tonebase/tonebase/internal/logsink"
	"github.com/tonebase/tonebase/internal/schedslice"
)

// envFlags defines flags whose defaults come from TONEBASE_* variables, so
// the precedence is flag > environment > built-in default.
type envFlags struct {
	*flag.FlagSet
	errs []string
	// bad is the first flag whose value did not parse, in its own words:
	// the flag package would print every flag and a bare reason.
	bad error
}

func newFlags(name string) *envFlags {
	f := &envFlags{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError)}
	f.SetOutput(io.Discard) // errors are returned, and -h prints to stdout (parse)
	return f
}

func envName(flagName string) string {
	return "TONEBASE_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func (f *envFlags) str(p *string, name, def, help string) {
	if v, ok := os.LookupEnv(envName(name)); ok {
		def = v
	}
	f.StringVar(p, name, def, help+" ("+envName(name)+")")
}

func (f *envFlags) boolean(p *bool, name string, def bool, help string) {
	if v, ok := os.LookupEnv(envName(name)); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			f.errs = append(f.errs, fmt.Sprintf("%s=%q is not true or false", envName(name), v))
		}
		def = b
	}
	f.BoolVar(p, name, def, help+" ("+envName(name)+")")
}

func (f *envFlags) integer(p *int, name string, def int, help string) {
	if v, ok := os.LookupEnv(envName(name)); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			f.errs = append(f.errs, fmt.Sprintf("%s=%q is not a number", envName(name), v))
		}
		def = n
	}
	f.IntVar(p, name, def, help+" ("+envName(name)+")")
}

func (f *envFlags) duration(p *time.Duration, name string, def time.Duration, help string) {
	if v, ok := os.LookupEnv(envName(name)); ok {
		d, err := parseDuration(v)
		if err != nil {
			f.errs = append(f.errs, fmt.Sprintf("%s=%q: %v", envName(name), v, err))
		}
		def = d
	}
	*p = def
	f.Var(durationValue{p: p, name: name, f: f}, name, help+" ("+envName(name)+")")
}

// durationValue is a duration flag that says what it wants when refused.
type durationValue struct {
	p    *time.Duration
	name string
	f    *envFlags
}

func (d durationValue) String() string {
	if d.p == nil {
		return ""
	}
	return d.p.String()
}

func (d durationValue) Set(s string) error {
	v, err := parseDuration(s)
	if err != nil {
		if d.f.bad == nil {
			d.f.bad = fmt.Errorf("--%s %q: %w", d.name, s, err)
		}
		return err
	}
	*d.p = v
	return nil
}

// parseDuration reads a Go duration; a bare number is refused with the
// units it could mean, since seconds and minutes are both plausible.
func parseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err == nil {
		return d, nil
	}
	if _, nerr := strconv.ParseFloat(s, 64); nerr == nil {
		return 0, fmt.Errorf("a duration needs a unit: %ss, %sm or %sh", s, s, s)
	}
	return 0, errors.New("wants a duration such as 90s, 15m or 1h30m")
}

// parse reads args. -h prints the flags on standard output and returns
// flag.ErrHelp, which main answers with exit status 0.
func (f *envFlags) parse(args []string) error {
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(os.Stdout, "Usage of tonebase %s:\n", f.Name())
			f.SetOutput(os.Stdout)
			f.PrintDefaults()
			return err
		}
		if f.bad != nil {
			return f.bad
		}
		return fmt.Errorf("%w (tonebase %s -h lists its flags)", err, f.Name())
	}
	if len(f.errs) > 0 {
		return fmt.Errorf("%s", strings.Join(f.errs, "; "))
	}
	if f.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", f.Arg(0))
	}
	return nil
}

// serveConfig is everything serve needs, resolved once and passed down.
type serveConfig struct {
	Addr          string
	Data          string
	Demo          bool
	LogFormat     string
	LogLevel      string
	AccessLog     bool
	AdminToken    string
	MaxUploadMB   int
	LockoutLimit  int
	LockoutWindow time.Duration
	// RequestTimeout and IdleTimeout bound a connection's request, from
	// its first byte to its answer, and its wait for the next one.
	RequestTimeout time.Duration
	IdleTimeout    time.Duration
	TxnRows        int
	RowCacheMB     int
	// MemoryLimitMB is Go's soft memory limit in MiB (--memory-limit);
	// 0 keeps the one GOMEMLIMIT set.
	MemoryLimitMB int
	// MinFreeMB is the free space kept on the data folder's disk: below
	// it writes are refused (507) and reads go on. 0 turns it off.
	MinFreeMB     int
	MasterKeyFile string
	// AnyKeyMode accepts a master key file that others can read, as ssh's
	// StrictModes=no does; without it such a file is refused.
	AnyKeyMode bool
	DebugAddr  string
	// AGIAddr is where FastAGI is served for Asterisk; off when empty.
	AGIAddr string
	// AGIIdle is how long an AGI session may stay silent before it is
	// dropped.
	AGIIdle time.Duration
	// CPUs is the parallelism the Go runtime chose (cgroup limits and a
	// GOMAXPROCS setting count); Procs is the scheduler slots serve runs
	// with, BulkProcs those it runs with while bulk work runs. See --procs
	// and --bulk-procs.
	CPUs      int
	Procs     int
	BulkProcs int
	// SchedSlice is the slice every thread asks the kernel for while bulk
	// work runs; 0 leaves the kernel's default. See --sched-slice.
	SchedSlice time.Duration
	// MasterKey is TONEBASE_MASTER_KEY: environment only, never a flag,
	// so the key does not show in the process list.
	MasterKey string

	// StopTimeout bounds a stop on SIGINT or SIGTERM, requests in flight
	// and the store's close together.
	StopTimeout time.Duration

	// Cluster is cluster mode's set-up; off unless a NATS flag is given.
	Cluster clusterConfig
}

func parseServe(args []string) (serveConfig, error) {
	var c serveConfig
	f := newFlags("serve")
	f.str(&c.Addr, "addr", "127.0.0.1:8080", "listen address")
	f.str(&c.Data, "data", "./tonebase-data", "data folder")
	f.boolean(&c.Demo, "demo", false, "create a demo client and database and print how to use them")
	f.str(&c.LogFormat, "log-format", "auto", "log format: auto (console on a terminal, json otherwise), json or console")
	f.str(&c.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
	f.boolean(&c.AccessLog, "access-log", true, "log one line per request")
	f.str(&c.AdminToken, "admin-token", "", "admin API bearer token (default: generated into the data folder)")
	f.integer(&c.MaxUploadMB, "max-upload-mb", 64, "largest request body in MiB")
	f.integer(&c.LockoutLimit, "lockout-limit", 5, "not-found lookups before a caller or ref1 is locked (0 disables)")
	f.duration(&c.LockoutWindow, "lockout-window", 15*time.Minute, "window the lockout limit counts over")
	f.duration(&c.RequestTimeout, "request-timeout", 4*time.Minute, "longest a request may take from its first byte to its answer, an upload's body included; a connection past it is closed")
	f.duration(&c.IdleTimeout, "idle-timeout", 2*time.Minute, "longest a kept-alive connection may wait for its next request")
	f.duration(&c.StopTimeout, "stop-timeout", 30*time.Second, "longest a stop on SIGINT or SIGTERM may take: requests in flight, then the store's close; past it tonebase exits 1, and the next start replays what the store's log holds")
	f.integer(&c.TxnRows, "txn-rows", 256, "rows per storage transaction during uploads")
	f.integer(&c.MinFreeMB, "min-free-mb", 256, "free space in MiB kept on the data folder's disk: below it writes answer 507 and lookups go on (0 turns it off)")
	f.integer(&c.RowCacheMB, "row-cache-mb", 1024, "memory for rows kept for lookups by primary key, in MiB (0 turns it off)")
	var memLimit string
	f.str(&memLimit, "memory-limit", "", "memory the process plans to hold, in MiB (or with MiB or GiB); Go's soft memory limit, and Badger's caches are sized to fit beside the row cache (default --row-cache-mb + 512; a GOMEMLIMIT setting is kept)")
	f.str(&c.MasterKeyFile, "master-key-file", "", "file holding the 32-byte master key that seals stored cards and encrypts the store at rest (or TONEBASE_MASTER_KEY)")
	f.boolean(&c.AnyKeyMode, "master-key-any-mode", false, "accept a --master-key-file that group or others may read (refused otherwise)")
	f.str(&c.DebugAddr, "debug-addr", "", "serve Go profiles (/debug/pprof/) on this address, e.g. 127.0.0.1:6060; off when empty")
	f.str(&c.AGIAddr, "agi-addr", "", "serve FastAGI for Asterisk on this address, e.g. 127.0.0.1:4573: the dialplan's AGI(agi://host:4573/lookup?…) and AGI(agi://host:4573/flow?…); off when empty")
	f.duration(&c.AGIIdle, "agi-idle-timeout", 30*time.Second, "longest Asterisk may stay silent in an AGI session (no line and no reply) before tonebase drops the session")
	f.integer(&c.Procs, "procs", 0, "Go scheduler slots (GOMAXPROCS); 0: twice the CPUs (a GOMAXPROCS setting is kept)")
	f.integer(&c.BulkProcs, "bulk-procs", 0, "Go scheduler slots while bulk work runs (uploads, imports, backups, the row cache's warm-up, a cluster node applying the log) and for 10 s after, so a lookup finds a free slot while compactions keep every CPU busy; 0: six times the CPUs (with a GOMAXPROCS setting, --procs)")
	f.duration(&c.SchedSlice, "sched-slice", 100*time.Microsecond, "the time slice every thread asks Linux for (6.12 or later; 100µs to 100ms) while bulk work runs and for 10 s after, as --bulk-procs, so a lookup woken while compactions keep the CPUs busy runs within a fraction of a millisecond; the kernel's default otherwise, and always with 0 (0.75 ms times 1 + log2 of the CPUs in its defaults)")
	routes := clusterFlags(f, &c.Cluster)
	c.MasterKey = os.Getenv("TONEBASE_MASTER_KEY")
	if err := f.parse(args); err != nil {
		return c, err
	}
	if err := checkCluster(&c.Cluster, *routes); err != nil {
		return c, err
	}
	var err error
	c.CPUs = runtime.GOMAXPROCS(0)
	if c.Procs < 0 {
		return c, fmt.Errorf("--procs must not be negative")
	}
	if c.Procs == 0 {
		c.Procs = c.CPUs
		if os.Getenv("GOMAXPROCS") == "" {
			c.Procs = 2 * c.CPUs
		}
	}
	if c.BulkProcs < 0 {
		return c, fmt.Errorf("--bulk-procs must not be negative")
	}
	if c.BulkProcs == 0 {
		c.BulkProcs = c.Procs
		if os.Getenv("GOMAXPROCS") == "" {
			c.BulkProcs = max(6*c.CPUs, c.Procs)
		}
	}
	if c.BulkProcs < c.Procs {
		return c, fmt.Errorf("--bulk-procs %d is fewer than --procs %d: bulk work needs at least as many scheduler slots as lookups alone", c.BulkProcs, c.Procs)
	}
	if err := checkServe(c); err != nil {
		return c, err
	}
	if _, err := logsink.Resolve(c.LogFormat, false); err != nil {
		return c, fmt.Errorf("--log-format must be auto, json or console, not %q", c.LogFormat)
	}
	if c.RowCacheMB < 0 {
		return c, fmt.Errorf("--row-cache-mb must not be negative")
	}
	if c.MemoryLimitMB, err = memoryLimit(memLimit, c.RowCacheMB); err != nil {
		return c, err
	}
	if c.MinFreeMB < 0 {
		return c, fmt.Errorf("--min-free-mb must not be negative")
	}
	if c.RequestTimeout <= 0 || c.IdleTimeout <= 0 || c.StopTimeout <= 0 {
		return c, fmt.Errorf("--request-timeout, --idle-timeout and --stop-timeout must be positive")
	}
	if c.AGIIdle <= 0 {
		return c, fmt.Errorf("--agi-idle-timeout must be positive")
	}
	if c.MaxUploadMB < 1 || c.MaxUploadMB > 2047 {
		return c, fmt.Errorf("--max-upload-mb must be between 1 and 2047")
	}
	return c, nil
}

// checkServe refuses flags that would otherwise be read as something else
// (an unknown log level as info) or fail only once the store is made.
func checkServe(c serveConfig) error {
	if c.SchedSlice != 0 && (c.SchedSlice < schedslice.Min || c.SchedSlice > schedslice.Max) {
		return fmt.Errorf("--sched-slice must be 0 or from %v to %v, not %v", schedslice.Min, schedslice.Max, c.SchedSlice)
	}
	switch c.LogLevel {
	case "trace", "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("--log-level must be debug, info, warn or error (or trace), not %q", c.LogLevel)
	}
	for flagName, addr := range map[string]string{"--addr": c.Addr, "--debug-addr": c.DebugAddr, "--agi-addr": c.AGIAddr} {
		if addr == "" && flagName != "--addr" {
			continue
		}
		if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
			return fmt.Errorf("%s wants host:port, such as 127.0.0.1:8080 (or :8080 for every interface), not %q", flagName, addr)
		}
	}
	return nil
}

// memoryHeadroomMB is what the process holds beyond the row cache by
// default: Badger's memtables and caches, uploads being parsed,
// connections' buffers, and the garbage collector's room to work.
const memoryHeadroomMB = 512

// memoryLimit reads --memory-limit: MiB, bare or with a MiB or GiB
// suffix. Unset, it is the row cache plus memoryHeadroomMB, unless
// GOMEMLIMIT is set, which is kept (0).
func memoryLimit(s string, rowCacheMB int) (int, error) {
	if s == "" {
		if os.Getenv("GOMEMLIMIT") != "" {
			return 0, nil
		}
		return rowCacheMB + memoryHeadroomMB, nil
	}
	num, mul := s, 1
	switch {
	case strings.HasSuffix(s, "GiB"):
		num, mul = strings.TrimSuffix(s, "GiB"), 1024
	case strings.HasSuffix(s, "MiB"):
		num = strings.TrimSuffix(s, "MiB")
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("--memory-limit %q: want MiB above zero, such as 1536 or 1536MiB or 2GiB", s)
	}
	if n*mul < rowCacheMB+64 {
		return 0, fmt.Errorf("--memory-limit %d MiB leaves the rest of the process under 64 MiB beside --row-cache-mb %d: raise it or lower --row-cache-mb", n*mul, rowCacheMB)
	}
	return n * mul, nil
}
