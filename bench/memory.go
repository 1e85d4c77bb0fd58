package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Memory is what the kernel says a process holds, from /proc/PID/status,
// in bytes: what an operator's monitoring sees, not what Go reports.
type Memory struct {
	RSS  int64 // VmRSS: resident, anonymous and file-backed together
	Peak int64 // VmHWM: the highest RSS so far
	Anon int64 // RssAnon: the Go heap and every other private page
	File int64 // RssFile: mapped files resident (Badger's tables and logs)
}

func (m Memory) String() string {
	mb := func(n int64) int64 { return n >> 20 }
	return fmt.Sprintf("RSS %5d MiB (anonymous %5d, files %5d), peak %5d MiB", mb(m.RSS), mb(m.Anon), mb(m.File), mb(m.Peak))
}

// Memory reads the process's memory from /proc: false where there is none.
func (p *Process) Memory() (Memory, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return Memory{}, false
	}
	return parseStatus(b)
}

// parseStatus reads the kB figures of /proc/PID/status.
func parseStatus(b []byte) (Memory, bool) {
	var m Memory
	fields := map[string]*int64{"VmRSS:": &m.RSS, "VmHWM:": &m.Peak, "RssAnon:": &m.Anon, "RssFile:": &m.File}
	found := 0
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) != 3 || string(f[2]) != "kB" {
			continue
		}
		if p, ok := fields[string(f[0])]; ok {
			kb, err := strconv.ParseInt(string(f[1]), 10, 64)
			if err != nil {
				return Memory{}, false
			}
			*p = kb << 10
			found++
		}
	}
	return m, found == len(fields)
}

// MemoryPoint is the server's memory with rows loaded.
type MemoryPoint struct {
	Rows    int
	Restart bool // measured after a restart and the row cache's warm-up
	Mem     Memory
	Lookups Stats // a short closed loop of lookups at that point
}

// MemoryCurve loads rows into one server started with its default flags
// (and extra), up to each of steps in turn, and after each lets the store
// settle, then reads the server's memory from outside and runs lookups for
// look. Last it restarts the server on the same data and measures again
// once the row cache has warmed: the memory a restarted server holds.
func MemoryCurve(w io.Writer, bin, work string, steps []int, batch, inflight, conc int, settle, look time.Duration, extra ...string) ([]MemoryPoint, error) {
	const token = "bench-admin-token-0123456789"
	data := filepath.Join(work, "memory")
	defer os.RemoveAll(data)
	logs := filepath.Join(work, "memory.log")
	p, err := StartTonebaseLogging(bin, data, token, logs, extra...)
	if err != nil {
		return nil, err
	}
	defer func() { p.Stop() }()
	fmt.Fprintf(w, "memory: tonebase %s (server log in %s)\n", p.Args(), logs)
	t, err := Setup(p.Addr, token)
	if err != nil {
		return nil, err
	}
	var out []MemoryPoint
	measure := func(rows int, restart bool) error {
		time.Sleep(settle)
		m, ok := p.Memory()
		if !ok {
			return fmt.Errorf("bench: no /proc/%d/status", p.cmd.Process.Pid)
		}
		st := ClosedLoop(LookupTarget(p.Addr, t, rows), conc, look)
		if st.Errors > 0 {
			return fmt.Errorf("bench: %d of %d lookups failed at %d rows", st.Errors, st.Requests, rows)
		}
		out = append(out, MemoryPoint{Rows: rows, Restart: restart, Mem: m, Lookups: st})
		when := "loaded   "
		if restart {
			when = "restarted"
		}
		fmt.Fprintf(w, "%9d rows %s %v; lookups %8.0f/s p99 %v\n", rows, when, m, st.Rate(), st.P(0.99).Round(time.Microsecond))
		return nil
	}
	loaded := 0
	for _, step := range steps {
		// Batches are built a million rows at a time, so the harness's
		// own memory stays small beside the server's.
		for loaded < step {
			to := min(step, loaded+1_000_000)
			if _, _, err := Upload(p.Addr, t.CID, t.DBID, Batches(t.CID, t.DBID, t.UploadPassword, loaded, to, batch), inflight); err != nil {
				return out, err
			}
			loaded = to
		}
		if err := measure(loaded, false); err != nil {
			return out, err
		}
	}
	p.Stop()
	if p, err = StartTonebaseLogging(bin, data, token, logs, extra...); err != nil {
		return out, err
	}
	return out, measure(loaded, true)
}

// SplitCounts parses "1000000,5000000": increasing row counts.
func SplitCounts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || (len(out) > 0 && n <= out[len(out)-1]) {
			return nil, fmt.Errorf("%q: want increasing row counts above zero", s)
		}
		out = append(out, n)
	}
	return out, nil
}
