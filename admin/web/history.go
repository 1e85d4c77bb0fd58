package web

import (
	"sync"
	"time"

	"github.com/tonebase/tonebase/ivr"
)

// statuses lists every lookup outcome the dashboard counts, in display order;
// "error" is a lookup the service could not answer.
func statuses() []string {
	return []string{ivr.StatusFound, ivr.StatusNotPayable, ivr.StatusNotFound, ivr.StatusAmbiguous,
		ivr.StatusInvalidInput, ivr.StatusLocked, "error"}
}

type sample struct {
	at     time.Time
	counts []int64
}

// history keeps a day of per-minute samples of the lookup counters, which
// only ever grow, so a day's outcomes are now minus a day ago.
type history struct {
	counts LookupCounts
	now    func() time.Time

	mu      sync.Mutex
	samples []sample
}

func newHistory(c LookupCounts, now func() time.Time) *history {
	h := &history{counts: c, now: now}
	h.record()
	return h
}

func (h *history) take() sample {
	sts := statuses()
	s := sample{at: h.now(), counts: make([]int64, len(sts))}
	for i, st := range sts {
		s.counts[i] = h.counts.Lookups(st)
	}
	return s
}

func (h *history) record() {
	s := h.take()
	h.mu.Lock()
	defer h.mu.Unlock()
	h.samples = append(h.samples, s)
	// Keep the newest sample older than a day as the baseline.
	for len(h.samples) > 2 && s.at.Sub(h.samples[1].at) >= 24*time.Hour {
		h.samples = h.samples[1:]
	}
}

// Outcome is how many lookups ended one way.
type Outcome struct {
	Status string
	Count  int64
}

// lastDay returns the lookups by status over the last day (since start,
// if the process is younger), and the time counting began.
func (h *history) lastDay() ([]Outcome, time.Time) {
	now := h.take()
	h.mu.Lock()
	base := h.samples[0]
	for _, s := range h.samples {
		if now.at.Sub(s.at) <= 24*time.Hour {
			base = s
			break
		}
	}
	h.mu.Unlock()
	sts := statuses()
	out := make([]Outcome, len(sts))
	for i, st := range sts {
		out[i] = Outcome{Status: st, Count: now.counts[i] - base.counts[i]}
	}
	return out, base.at
}
