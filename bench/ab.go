package bench

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// IngestAB loads rows into each binary in turn, rounds times, with the
// order rotated every round, and prints each load's rows/s and each
// binary's median. On a shared machine a run-to-run swing is larger than
// most changes; within a round both binaries meet the same machine, so the
// medians and the count of rounds each wins compare builds where two
// separate runs cannot.
func IngestAB(w io.Writer, work string, bins []string, rows, batch, inflight, rounds int) (map[string][]float64, error) {
	const token = "bench-admin-token-0123456789"
	rates := map[string][]float64{}
	for r := range rounds {
		for k := range bins {
			bin := bins[(k+r)%len(bins)]
			rate, err := ingestOnce(filepath.Join(work, fmt.Sprintf("ab-%d-%d", r, k)), bin, token, rows, batch, inflight)
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

func ingestOnce(data, bin, token string, rows, batch, inflight int) (float64, error) {
	defer os.RemoveAll(data)
	p, err := StartTonebase(bin, data, token)
	if err != nil {
		return 0, err
	}
	defer p.Stop()
	t, err := Setup(p.Addr, token)
	if err != nil {
		return 0, err
	}
	st, n, err := Upload(p.Addr, t.CID, t.DBID, Batches(t.CID, t.DBID, t.UploadPassword, 0, rows, batch), inflight)
	if err != nil {
		return 0, err
	}
	return float64(n) / st.Elapsed.Seconds(), nil
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
