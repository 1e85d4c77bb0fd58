package bench

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// IngestAB loads rows into each binary in turn, rounds times, with the
// order rotated every round, and prints each load's rows/s and each
// binary's median. On a shared machine a run-to-run swing is larger than
// most changes; within a round both binaries meet the same machine, so the
// medians and the count of rounds each wins compare builds where two
// separate runs cannot.
//
// With restart above zero each load is instead the second of two: rows are
// loaded, the server is restarted and given restart to settle (its row
// cache warms in that time), and the rate is that of loading as many new
// rows into the same table.
func IngestAB(w io.Writer, work string, bins []string, rows, batch, inflight, rounds int, restart time.Duration) (map[string][]float64, error) {
	const token = "bench-admin-token-0123456789"
	rates := map[string][]float64{}
	for r := range rounds {
		for k := range bins {
			bin := bins[(k+r)%len(bins)]
			rate, err := ingestOnce(filepath.Join(work, fmt.Sprintf("ab-%d-%d", r, k)), bin, token, rows, batch, inflight, restart)
			if err != nil {
				return rates, err
			}
			rates[bin] = append(rates[bin], rate)
			fmt.Fprintf(w, "round %d  %-40s %8.0f rows/s\n", r+1, bin, rate)
		}
	}
	for _, bin := range bins {
		fmt.Fprintf(w, "median    %-40s %8.0f rows/s  (rounds won: %d of %d)\n", bin, Median(rates[bin]), wins(rates, bin), rounds)
	}
	return rates, nil
}

func ingestOnce(data, bin, token string, rows, batch, inflight int, restart time.Duration) (float64, error) {
	defer os.RemoveAll(data)
	p, err := StartTonebase(bin, data, token)
	if err != nil {
		return 0, err
	}
	defer func() { p.Stop() }()
	t, err := Setup(p.Addr, token)
	if err != nil {
		return 0, err
	}
	from := 0
	if restart > 0 {
		if _, _, err := Upload(p.Addr, t.CID, t.DBID, Batches(t.CID, t.DBID, t.UploadPassword, 0, rows, batch), inflight); err != nil {
			return 0, err
		}
		p.Stop()
		if p, err = StartTonebase(bin, data, token); err != nil {
			return 0, err
		}
		time.Sleep(restart)
		from = rows
	}
	st, n, err := Upload(p.Addr, t.CID, t.DBID, Batches(t.CID, t.DBID, t.UploadPassword, from, from+rows, batch), inflight)
	if err != nil {
		return 0, err
	}
	return float64(n) / st.Elapsed.Seconds(), nil
}

// LookupAB loads rows into each binary once, all of them running side by
// side, then sends each lookups at fixed concurrency in turns of length
// turn, the order rotated every round. It prints each turn's rate and the
// server CPU it spent per lookup, and each binary's medians: a lookup
// change of a few per cent is visible only this way on a shared machine.
func LookupAB(w io.Writer, work string, bins []string, rows, batch, inflight, conc, rounds int, turn time.Duration) (map[string][]float64, error) {
	const token = "bench-admin-token-0123456789"
	procs := make([]*Process, len(bins))
	targets := make([]Target, len(bins))
	defer func() {
		for _, p := range procs {
			if p != nil {
				p.Stop()
			}
		}
	}()
	for k, bin := range bins {
		p, err := StartTonebase(bin, filepath.Join(work, fmt.Sprintf("ab-%d", k)), token)
		if err != nil {
			return nil, err
		}
		procs[k] = p
		t, err := Setup(p.Addr, token)
		if err != nil {
			return nil, err
		}
		if _, _, err := Upload(p.Addr, t.CID, t.DBID, Batches(t.CID, t.DBID, t.UploadPassword, 0, rows, batch), inflight); err != nil {
			return nil, err
		}
		targets[k] = LookupTarget(p.Addr, t, rows)
	}
	time.Sleep(3 * time.Second) // the loads' flushes and compactions settle
	rates := map[string][]float64{}
	cpus := map[string][]float64{}
	for r := range rounds {
		for k := range bins {
			i := (k + r) % len(bins)
			c0, cpuOK := procs[i].CPU()
			st := ClosedLoop(targets[i], conc, turn)
			c1, _ := procs[i].CPU()
			if st.Errors > 0 {
				return rates, fmt.Errorf("bench: %s: %d lookups failed", bins[i], st.Errors)
			}
			rates[bins[i]] = append(rates[bins[i]], st.Rate())
			cpu := ""
			if cpuOK && st.Requests > 0 {
				per := c1.Sub(c0).Per(st.Requests)
				cpus[bins[i]] = append(cpus[bins[i]], float64(per.Total())/float64(time.Microsecond))
				cpu = fmt.Sprintf("  server CPU %v a lookup", per)
			}
			fmt.Fprintf(w, "round %d  %-40s %8.0f lookups/s%s\n", r+1, bins[i], st.Rate(), cpu)
		}
	}
	for _, bin := range bins {
		fmt.Fprintf(w, "median    %-40s %8.0f lookups/s  %.1fµs CPU a lookup  (rounds won: %d of %d)\n", bin,
			Median(rates[bin]), Median(cpus[bin]), wins(rates, bin), rounds)
	}
	return rates, nil
}

// DuringAB compares the lookups' tail while an upload runs: each turn
// starts one binary afresh, loads rows, lets the load's flushes settle, and
// has a prober send lookups at rate on conns connections while a second
// database takes rows, the order rotated every round. Every binary takes a
// turn with every prober given, so one run also compares where the
// lookups are sent from. It prints each turn's p99, p99.9, max and lookups
// over 50 ms, and each arm's medians of p99 and max. Tails move more from
// run to run than rates do, so only turns taken side by side compare two
// builds' tails.
func DuringAB(w io.Writer, work string, bins []string, probes []Prober, rows, batch, inflight, rate, conns, rounds int) (map[string][]Stats, error) {
	const token = "bench-admin-token-0123456789"
	type arm struct {
		bin   string
		probe Prober
		name  string
	}
	var arms []arm
	for _, bin := range bins {
		for i, p := range probes {
			name := bin
			if len(probes) > 1 {
				name = fmt.Sprintf("%s [prober %d]", bin, i+1)
			}
			arms = append(arms, arm{bin, p, name})
		}
	}
	if len(probes) > 1 {
		for i, p := range probes {
			fmt.Fprintf(w, "prober %d: %v\n", i+1, p)
		}
	}
	turns := map[string][]Stats{}
	negP99 := map[string][]float64{} // wins counts the higher figure, and a lower p99 wins
	for r := range rounds {
		for k := range arms {
			a := arms[(k+r)%len(arms)]
			st, upRate, err := duringOnce(filepath.Join(work, fmt.Sprintf("ab-%d-%d", r, k)), a.bin, token, a.probe, rows, batch, inflight, rate, conns)
			if err != nil {
				return turns, err
			}
			turns[a.name] = append(turns[a.name], st)
			negP99[a.name] = append(negP99[a.name], -float64(st.P(0.99)))
			fmt.Fprintf(w, "round %d  %-40s p99 %v  p99.9 %v  max %v  over 50ms %d  (upload %.0f rows/s, errors %d)\n",
				r+1, a.name, st.P(0.99), st.P(0.999), st.Max(), st.Over(50*time.Millisecond), upRate, st.Errors)
		}
	}
	for _, a := range arms {
		var p99, maxes []float64
		over := 0
		for _, st := range turns[a.name] {
			p99 = append(p99, float64(st.P(0.99)))
			maxes = append(maxes, float64(st.Max()))
			over += st.Over(50 * time.Millisecond)
		}
		fmt.Fprintf(w, "median    %-40s p99 %v  max %v  over 50ms %d in all  (rounds won on p99: %d of %d)\n",
			a.name, time.Duration(Median(p99)), time.Duration(Median(maxes)), over, wins(negP99, a.name), rounds)
	}
	return turns, nil
}

func duringOnce(data, bin, token string, probe Prober, rows, batch, inflight, rate, conns int) (Stats, float64, error) {
	defer os.RemoveAll(data)
	p, err := StartTonebase(bin, data, token)
	if err != nil {
		return Stats{}, 0, err
	}
	defer p.Stop()
	t, err := Setup(p.Addr, token)
	if err != nil {
		return Stats{}, 0, err
	}
	if _, _, err := Upload(p.Addr, t.CID, t.DBID, Batches(t.CID, t.DBID, t.UploadPassword, 0, rows, batch), inflight); err != nil {
		return Stats{}, 0, err
	}
	Settle(time.Minute, p) // the load's flushes and compactions end first
	return DuringUpload(p.Addr, token, t, probe, ProbeSpec{Addr: p.Addr, Tenant: t, Rows: rows, Rate: rate, Conns: conns}, rows, batch, inflight, nil)
}

// Median is the middle value (the mean of the middle two for an even count).
func Median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(v))
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}

// wins counts the rounds in which bin was fastest.
func wins(rates map[string][]float64, bin string) int {
	n := 0
	for r := range rates[bin] {
		best := true
		for other, v := range rates {
			if other != bin && r < len(v) && v[r] > rates[bin][r] {
				best = false
			}
		}
		if best {
			n++
		}
	}
	return n
}

// SplitBins reads the -ab flag: binaries separated by commas.
func SplitBins(s string) []string {
	var out []string
	for _, b := range strings.Split(s, ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}
