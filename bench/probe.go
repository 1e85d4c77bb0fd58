package bench

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/tonebase/tonebase/internal/schedslice"
)

// A Prober sends the lookups of a latency phase: the IVR's side of it.
// On one small machine the load generator shares the CPUs with the server,
// and a generator starved by the server's own busy threads adds its wait
// to every latency it records, which an IVR on its own machine never sees.
// Run in a process of its own at real-time priority, the prober is given
// a CPU as soon as an answer arrives, so its latencies are the server's.
// What it takes from the server it takes at once, so it must take little:
// on Linux it keeps its connections open for the whole phase and sends
// from one thread in raw system calls (rawloop_linux.go), about an eighth
// of one CPU at 1,000 lookups/s during an upload, where fasthttp's client
// in turns of a second took nearly half.
type Prober interface {
	// Start begins lookups of spec's database at spec's rate; stop ends
	// them after the turn of a second in progress and returns their
	// figures.
	Start(spec ProbeSpec) (stop func() (Stats, error), err error)
	// String says where the lookups are sent from, for the report.
	String() string
}

// ProbeSpec is what a prober asks for: LookupTarget's lookups of Tenant's
// database at Rate a second on Conns connections, or with Payments,
// PaymentTarget's payments of phase Phase.
type ProbeSpec struct {
	Addr     string
	Tenant   Tenant
	Rows     int
	Rate     int
	Conns    int
	Payments bool
	Phase    int
}

func (p ProbeSpec) target() Target {
	if p.Payments {
		return PaymentTarget(p.Addr, p.Tenant, p.Rows, p.Phase)
	}
	return LookupTarget(p.Addr, p.Tenant, p.Rows)
}

func (p ProbeSpec) check() error {
	if p.Addr == "" || p.Rows < 1 || p.Rate < 1 || p.Conns < 1 {
		return fmt.Errorf("bench: probe: need an address, and rows, a rate and connections of at least 1: %+v", p)
	}
	return nil
}

// InProcess sends the lookups from the harness's own process, at its
// priority: the figures include the harness's own scheduling delays.
type InProcess struct{}

func (InProcess) String() string { return "the harness's own process" }

// Start implements Prober.
func (InProcess) Start(spec ProbeSpec) (func() (Stats, error), error) {
	if err := spec.check(); err != nil {
		return nil, err
	}
	quit, done := make(chan struct{}), make(chan Stats, 1)
	go func() { done <- probeTurns(spec, quit) }()
	return func() (Stats, error) { close(quit); return <-done, nil }, nil
}

// ProbeFor has p send spec's lookups for about d.
func ProbeFor(p Prober, spec ProbeSpec, d time.Duration) (Stats, error) {
	stop, err := p.Start(spec)
	if err != nil {
		return Stats{}, err
	}
	time.Sleep(d - time.Second/2)
	return stop()
}

// probeTurns runs turns of a second until quit is closed.
func probeTurns(spec ProbeSpec, quit <-chan struct{}) Stats {
	t := spec.target()
	var turns []Stats
	for {
		// A turn's last request is due before its second is up; the next
		// turn starts on the second, so a rate below a turn's requests
		// does not become a closed loop.
		began := time.Now()
		turns = append(turns, OpenLoop(t, spec.Rate, spec.Conns, time.Second))
		time.Sleep(time.Until(began.Add(time.Second)))
		select {
		case <-quit:
			return merge(turns)
		default:
		}
	}
}

// Subprocess sends the lookups from another process, Exe run with
// "-probe", at SCHED_FIFO priority Priority (1–99) when the system allows
// it (schedslice.SetRealtime) and at the normal priority otherwise, saying
// why on standard error, or when Priority is 0.
type Subprocess struct {
	Exe      string
	Priority int
}

func (s Subprocess) String() string {
	if s.Priority == 0 {
		return "a process of its own at normal priority"
	}
	return fmt.Sprintf("a process of its own at real-time priority %d (SCHED_FIFO) when allowed", s.Priority)
}

// probeReport is what a probe process writes when its stdin closes.
type probeReport struct {
	Requests, Errors int
	Elapsed          time.Duration
	Latencies        []time.Duration
	Refused          string // why the real-time priority asked for was not taken; empty if it was, or none was asked
}

// Start implements Prober: the spec goes to the process on its first
// line, and closing its stdin stops it.
func (s Subprocess) Start(spec ProbeSpec) (func() (Stats, error), error) {
	if err := spec.check(); err != nil {
		return nil, err
	}
	cmd := exec.Command(s.Exe, "-probe", strconv.Itoa(s.Priority))
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("bench: probe: %w", err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("bench: probe: %w", err)
	}
	cmd.Stderr = os.Stderr
	// One scheduler slot: 1,000 lookups a second need far less than a
	// CPU, and at real-time priority every thread the Go scheduler spins
	// up looking for work would take its CPU from the server at once.
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: probe: %w", err)
	}
	if err := json.NewEncoder(in).Encode(spec); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, fmt.Errorf("bench: probe: %w", err)
	}
	return func() (Stats, error) {
		in.Close()
		var r probeReport
		derr := json.NewDecoder(out).Decode(&r)
		werr := cmd.Wait()
		if err := errors.Join(derr, werr); err != nil {
			return Stats{}, fmt.Errorf("bench: probe: %w", err)
		}
		if r.Refused != "" {
			fmt.Fprintf(os.Stderr, "bench: the probe ran at normal priority: %s\n", r.Refused)
		}
		sortDurations(r.Latencies)
		return Stats{Requests: r.Requests, Errors: r.Errors, Elapsed: r.Elapsed, lat: r.Latencies}, nil
	}, nil
}

// ServeProbe is the probe process's side of Subprocess: it reads the spec
// from in, takes real-time priority if asked (priority > 0), sends lookups
// until in closes and the turn of a second in progress ends, and writes
// their figures to out.
func ServeProbe(in io.Reader, out io.Writer, priority int) error {
	r := bufio.NewReader(in)
	line, err := r.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("bench: probe: reading its spec: %w", err)
	}
	var spec ProbeSpec
	if err := json.Unmarshal(line, &spec); err != nil {
		return fmt.Errorf("bench: probe: %w", err)
	}
	if err := spec.check(); err != nil {
		return err
	}
	var refused string
	if priority > 0 {
		if err := schedslice.SetRealtime(priority); err != nil {
			refused = err.Error()
		}
	}
	quit := make(chan struct{})
	go func() {
		io.Copy(io.Discard, r)
		close(quit)
	}()
	st, err := probeLoop(spec, quit)
	if err != nil {
		return err
	}
	return json.NewEncoder(out).Encode(probeReport{Requests: st.Requests, Errors: st.Errors, Elapsed: st.Elapsed,
		Latencies: st.lat, Refused: refused})
}
