package bench

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// profiler fetches the server's Go profiles while a phase runs, so a figure
// that misses its target comes with the evidence of where the time went.
// The zero value (no debug address) does nothing.
type profiler struct {
	addr string // the server's --debug-addr
	dir  string
	wg   sync.WaitGroup
	errs []error
	mu   sync.Mutex
}

// capture starts fetching, in the background, a CPU profile, a mutex and a
// block profile and an execution trace, each covering d from now, into dir
// with names starting phase.
func (p *profiler) capture(phase string, d time.Duration) {
	if p == nil || p.addr == "" {
		return
	}
	secs := max(int(d/time.Second), 1)
	for _, kind := range []struct{ name, path string }{
		{"cpu.pprof", "profile"}, {"mutex.pprof", "mutex"}, {"block.pprof", "block"}, {"trace.out", "trace"},
	} {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			url := fmt.Sprintf("http://%s/debug/pprof/%s?seconds=%d", p.addr, kind.path, secs)
			if err := fetch(url, filepath.Join(p.dir, phase+"."+kind.name)); err != nil {
				p.mu.Lock()
				p.errs = append(p.errs, err)
				p.mu.Unlock()
			}
		}()
	}
}

// wait returns once every capture is written.
func (p *profiler) wait() error {
	if p == nil || p.addr == "" {
		return nil
	}
	p.wg.Wait()
	if len(p.errs) > 0 {
		return fmt.Errorf("bench: profiles: %v", p.errs[0])
	}
	return nil
}

func fetch(url, path string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// startProfiled starts tonebase on its default flags with its data in
// work/tonebase, adding only --debug-addr when profiles names a folder,
// and returns the profiler that writes the server's profiles there (one
// that captures nothing when profiles is empty).
func startProfiled(bin, work, token, profiles string) (*Process, *profiler, error) {
	prof := &profiler{}
	var extra []string
	if profiles != "" {
		addr, err := FreeAddr()
		if err != nil {
			return nil, nil, err
		}
		if err := os.MkdirAll(profiles, 0o755); err != nil {
			return nil, nil, fmt.Errorf("bench: profiles: %w", err)
		}
		prof.addr, prof.dir = addr, profiles
		extra = append(extra, "--debug-addr", addr)
	}
	svc, err := StartTonebase(bin, filepath.Join(work, "tonebase"), token, extra...)
	return svc, prof, err
}
