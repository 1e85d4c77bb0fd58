// Package observe is how operators watch tonebase: counters and latency
// histograms exposed in the Prometheus text format, and the middleware that
// gives every request an id, an access-log line and its metrics.
package observe

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Buckets are latency bounds in seconds, fine at the low end where lookups live.
var defaultBuckets = []float64{0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// Registry holds named metric families. The zero value is not usable; use New.
type Registry struct {
	mu       sync.RWMutex
	counters map[string]*CounterVec
	hists    map[string]*HistogramVec
	gauges   map[string]gauge
	started  time.Time
}

// gauge is a value read when the metrics are scraped: a replication lag
// is the difference of two counters that live elsewhere, so there is
// nothing to keep up to date between scrapes.
type gauge struct {
	help      string
	label, of string // one label and its value, or none
	value     func() float64
}

// New returns an empty registry.
func New() *Registry {
	return &Registry{counters: map[string]*CounterVec{}, hists: map[string]*HistogramVec{}, gauges: map[string]gauge{}, started: time.Now()}
}

// CounterVec is a family of counters told apart by label values.
type CounterVec struct {
	name, help string
	labels     []string
	mu         sync.RWMutex
	series     map[string]*Counter
}

// Counter is one series of a CounterVec. Hot paths resolve theirs once
// (With) and then count with one atomic add.
type Counter struct{ n atomic.Int64 }

// Add adds n.
func (c *Counter) Add(n int64) { c.n.Add(n) }

// Inc adds one.
func (c *Counter) Inc() { c.n.Add(1) }

// HistogramVec is a family of histograms told apart by label values.
type HistogramVec struct {
	name, help string
	labels     []string
	buckets    []float64
	mu         sync.RWMutex
	series     map[string]*Histogram
}

// Histogram is one series of a HistogramVec.
type Histogram struct {
	buckets []float64      // upper bounds in seconds, shared with the family
	counts  []atomic.Int64 // one per bucket, plus +Inf
	sumNs   atomic.Int64
}

// Counter returns the counter family of that name, creating it once.
func (r *Registry) Counter(name, help string, labels ...string) *CounterVec {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.counters[name]; ok {
		return c
	}
	c := &CounterVec{name: name, help: help, labels: labels, series: map[string]*Counter{}}
	r.counters[name] = c
	return c
}

// Gauge registers a gauge whose value is read at each scrape; a second
// registration of the name replaces the first.
func (r *Registry) Gauge(name, help string, value func() float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gauges[name] = gauge{help: help, value: value}
}

// GaugeOf registers a gauge with one label, such as the node a cluster
// gauge describes, so that series from several nodes can be told apart
// and put side by side; a second registration of the name replaces the
// first.
func (r *Registry) GaugeOf(name, help, label, of string, value func() float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gauges[name] = gauge{help: help, label: label, of: of, value: value}
}

// Histogram returns the latency histogram family of that name, creating it once.
func (r *Registry) Histogram(name, help string, labels ...string) *HistogramVec {
	r.mu.Lock()
	defer r.mu.Unlock()
	if h, ok := r.hists[name]; ok {
		return h
	}
	h := &HistogramVec{name: name, help: help, labels: labels, buckets: defaultBuckets, series: map[string]*Histogram{}}
	r.hists[name] = h
	return h
}

// key joins label values; \xff never occurs in the values we use.
func key(values []string) string { return strings.Join(values, "\xff") }

// With returns the series with these label values, creating it once.
func (c *CounterVec) With(values ...string) *Counter {
	k := key(values)
	c.mu.RLock()
	v, ok := c.series[k]
	c.mu.RUnlock()
	if !ok {
		c.mu.Lock()
		if v, ok = c.series[k]; !ok {
			v = &Counter{}
			c.series[k] = v
		}
		c.mu.Unlock()
	}
	return v
}

// Add adds n to the counter with these label values.
func (c *CounterVec) Add(n int64, values ...string) { c.With(values...).Add(n) }

// Inc adds one.
func (c *CounterVec) Inc(values ...string) { c.With(values...).Add(1) }

// Value returns the current count for these label values.
func (c *CounterVec) Value(values ...string) int64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if v, ok := c.series[key(values)]; ok {
		return v.n.Load()
	}
	return 0
}

// With returns the series with these label values, creating it once.
func (h *HistogramVec) With(values ...string) *Histogram {
	k := key(values)
	h.mu.RLock()
	s, ok := h.series[k]
	h.mu.RUnlock()
	if !ok {
		h.mu.Lock()
		if s, ok = h.series[k]; !ok {
			s = &Histogram{buckets: h.buckets, counts: make([]atomic.Int64, len(h.buckets)+1)}
			h.series[k] = s
		}
		h.mu.Unlock()
	}
	return s
}

// Observe records one duration.
func (h *HistogramVec) Observe(d time.Duration, values ...string) { h.With(values...).Observe(d) }

// Observe records one duration.
func (h *Histogram) Observe(d time.Duration) {
	i := sort.SearchFloat64s(h.buckets, d.Seconds())
	h.counts[i].Add(1)
	h.sumNs.Add(int64(d))
}

// WriteText writes every family in the Prometheus text exposition format.
func (r *Registry) WriteText(w io.Writer) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	fmt.Fprintf(w, "# HELP tonebase_uptime_seconds Seconds since the process started.\n# TYPE tonebase_uptime_seconds gauge\ntonebase_uptime_seconds %.0f\n", time.Since(r.started).Seconds())
	for _, name := range sortedKeys(r.gauges) {
		g := r.gauges[name]
		series := name
		if g.label != "" {
			series += labelText([]string{g.label}, g.of, "")
		}
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n%s %g\n", name, g.help, name, series, g.value())
	}
	for _, name := range sortedKeys(r.counters) {
		c := r.counters[name]
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n", c.name, c.help, c.name)
		c.mu.RLock()
		for _, k := range sortedKeys(c.series) {
			fmt.Fprintf(w, "%s%s %d\n", c.name, labelText(c.labels, k, ""), c.series[k].n.Load())
		}
		c.mu.RUnlock()
	}
	for _, name := range sortedKeys(r.hists) {
		h := r.hists[name]
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s histogram\n", h.name, h.help, h.name)
		h.mu.RLock()
		for _, k := range sortedKeys(h.series) {
			s := h.series[k]
			var cum int64
			for i, b := range h.buckets {
				cum += s.counts[i].Load()
				fmt.Fprintf(w, "%s_bucket%s %d\n", h.name, labelText(h.labels, k, formatBound(b)), cum)
			}
			cum += s.counts[len(h.buckets)].Load()
			fmt.Fprintf(w, "%s_bucket%s %d\n", h.name, labelText(h.labels, k, "+Inf"), cum)
			fmt.Fprintf(w, "%s_sum%s %g\n", h.name, labelText(h.labels, k, ""), float64(s.sumNs.Load())/1e9)
			fmt.Fprintf(w, "%s_count%s %d\n", h.name, labelText(h.labels, k, ""), cum)
		}
		h.mu.RUnlock()
	}
}

func formatBound(b float64) string {
	if math.IsInf(b, 1) {
		return "+Inf"
	}
	return fmt.Sprintf("%g", b)
}

// escapeLabel escapes a label value as the text exposition format does:
// backslash, double quote and line feed only. Go's %q would also turn tabs
// and non-ASCII into escapes that Prometheus reads literally.
func escapeLabel(v string) string {
	if !strings.ContainsAny(v, "\\\"\n") {
		return v
	}
	var b strings.Builder
	for _, r := range v {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func labelText(names []string, k, le string) string {
	var parts []string
	if len(names) > 0 {
		for i, v := range strings.Split(k, "\xff") {
			if i < len(names) {
				parts = append(parts, names[i]+`="`+escapeLabel(v)+`"`)
			}
		}
	}
	if le != "" {
		parts = append(parts, `le="`+le+`"`)
	}
	if len(parts) == 0 {
		return ""
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Events records what the services report: lookups by outcome and latency,
// rows by what happened to them.
type Events struct {
	lookups  *CounterVec
	latency  *HistogramVec
	rows     *CounterVec
	platform *CounterVec
}

// NewEvents registers the service metrics in reg.
func NewEvents(reg *Registry) *Events {
	return &Events{
		lookups: reg.Counter("tonebase_lookups_total", "IVR lookups by status.", "status"),
		latency: reg.Histogram("tonebase_lookup_duration_seconds", "IVR lookup latency inside the handler.", "status"),
		rows:    reg.Counter("tonebase_rows_total", "Uploaded rows by outcome.", "op"),
		platform: reg.Counter("tonebase_platform_lookups_total",
			"Lookups made by calls tonebase runs on a telephony platform, by platform and status.", "platform", "status"),
	}
}

// PlatformLookup records a lookup a call on a telephony platform made: in
// the lookups' own counter and latency, as every lookup is, and by
// platform. The plain lookup's path stays one label.
func (e *Events) PlatformLookup(platform, status string, d time.Duration) {
	e.Lookup(status, d)
	e.platform.Inc(platform, status)
}

// Lookup records one lookup's outcome.
func (e *Events) Lookup(status string, d time.Duration) {
	e.lookups.Inc(status)
	if d > 0 {
		e.latency.Observe(d, status)
	}
}

// Rows records n rows that met op (inserted, updated, deleted, invalid).
func (e *Events) Rows(op string, n int) {
	if n > 0 {
		e.rows.Add(int64(n), op)
	}
}

// Lookups returns the lookup count for a status since start.
func (e *Events) Lookups(status string) int64 { return e.lookups.Value(status) }
