package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"time"
)

// WrkResult is what wrk reported for one phase.
type WrkResult struct {
	Rate     float64       // requests per second
	P50, P99 time.Duration // of all rounds merged: their mean p50 and their worst p99
	Errors   string        // wrk's non-2xx/socket error lines, if any
}

func (r WrkResult) String() string {
	s := fmt.Sprintf("%8.0f req/s  p50 %-9v p99 %-9v (wrk; p99 of the worst round)", r.Rate, r.P50, r.P99)
	if r.Errors != "" {
		s += "  " + r.Errors
	}
	return s
}

// mergeWrk combines rounds of equal length.
func mergeWrk(rs []WrkResult) WrkResult {
	var out WrkResult
	for _, r := range rs {
		out.Rate += r.Rate / float64(len(rs))
		out.P50 += r.P50 / time.Duration(len(rs))
		out.P99 = max(out.P99, r.P99)
		out.Errors += r.Errors
	}
	return out
}

// The lookup script asks for random rows of the loaded database with the
// client's Basic credentials, as the Go load generator does.
const wrkLookupScript = `
wrk.headers["Authorization"] = "%s"
request = function()
  local i = math.random(0, %d - 1)
  local inv = string.format("%%08d", (i * 7919 + 13) %% 100000000)
  local dob = string.format("%%02d%%02d%%04d", 1 + i %% 28, 1 + i %% 12, 1940 + i %% 60)
  return wrk.format("GET", "/ivr/v1/%d/%d/lookup?ref1=" .. inv .. "&ref2=" .. dob)
end
`

var (
	wrkRate = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	wrkP50  = regexp.MustCompile(`\n\s+50%\s+(\S+)`)
	wrkP99  = regexp.MustCompile(`\n\s+99%\s+(\S+)`)
	wrkErrs = regexp.MustCompile(`(Non-2xx[^\n]*|Socket errors[^\n]*)`)
)

// RunWrk drives url with wrk (Debian's package) for d over conns
// connections, with a Lua script if one is given. wrk is the load generator
// the ceiling was measured with, so its ratio is the one the target
// speaks of.
func RunWrk(bin, url, script string, conns int, d time.Duration, work string) (WrkResult, error) {
	args := []string{"-t2", "-c" + strconv.Itoa(conns), "-d" + strconv.Itoa(int(d/time.Second)) + "s", "--latency"}
	if script != "" {
		path := filepath.Join(work, "wrk.lua")
		if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
			return WrkResult{}, err
		}
		args = append(args, "-s", path)
	}
	out, err := exec.Command(bin, append(args, url)...).CombinedOutput()
	if err != nil {
		return WrkResult{}, fmt.Errorf("bench: wrk: %w: %s", err, out)
	}
	var r WrkResult
	m := wrkRate.FindSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("bench: wrk printed no rate: %s", out)
	}
	r.Rate, _ = strconv.ParseFloat(string(m[1]), 64)
	// wrk prints latencies as Go writes durations ("512.00us", "1.23ms").
	if m := wrkP50.FindSubmatch(out); m != nil {
		r.P50, _ = time.ParseDuration(string(m[1]))
	}
	if m := wrkP99.FindSubmatch(out); m != nil {
		r.P99, _ = time.ParseDuration(string(m[1]))
	}
	if m := wrkErrs.FindAll(out, -1); m != nil {
		for _, e := range m {
			r.Errors += string(e) + " "
		}
	}
	return r, nil
}
