package observe

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

func TestCounters(t *testing.T) {
	tests := []struct {
		name   string
		adds   [][]string // label values of each Inc
		labels []string
		query  []string
		want   int64
	}{
		{"no series yet", nil, []string{"status"}, []string{"found"}, 0},
		{"one series", [][]string{{"found"}, {"found"}}, []string{"status"}, []string{"found"}, 2},
		{"series kept apart", [][]string{{"found"}, {"not_found"}, {"found"}}, []string{"status"}, []string{"not_found"}, 1},
		{"two labels", [][]string{{"/a", "200"}, {"/a", "404"}, {"/a", "200"}}, []string{"route", "status"}, []string{"/a", "200"}, 2},
		{"no labels", [][]string{{}, {}}, nil, nil, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New().Counter("c_total", "help", tt.labels...)
			for _, a := range tt.adds {
				c.Inc(a...)
			}
			if got := c.Value(tt.query...); got != tt.want {
				t.Fatalf("Value(%v) = %d, want %d", tt.query, got, tt.want)
			}
		})
	}
}

func TestRegistryGivesOneFamilyPerName(t *testing.T) {
	r := New()
	a := r.Counter("x_total", "first", "status")
	b := r.Counter("x_total", "second", "status")
	a.Inc("ok")
	if a != b || b.Value("ok") != 1 {
		t.Fatal("the same name gave two counter families")
	}
	h1, h2 := r.Histogram("h_seconds", "h"), r.Histogram("h_seconds", "second")
	if h1 != h2 {
		t.Fatal("the same name gave two histogram families")
	}
}

func TestCountersAreSafeForConcurrentUse(t *testing.T) {
	c := New().Counter("c_total", "help", "status")
	h := New().Histogram("h_seconds", "help", "status")
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				c.Inc(strconv.Itoa(i % 3))
				h.Observe(time.Millisecond, "ok")
			}
		}()
	}
	wg.Wait()
	if got := c.Value("0") + c.Value("1") + c.Value("2"); got != 8000 {
		t.Fatalf("counted %d, want 8000", got)
	}
}

// metricsText is a registry's exposition without the uptime line, whose
// value depends on the clock.
func metricsText(t *testing.T, r *Registry) string {
	t.Helper()
	var buf bytes.Buffer
	r.WriteText(&buf)
	text := buf.String()
	uptime := regexp.MustCompile(`(?m)^# HELP tonebase_uptime_seconds .*\n# TYPE tonebase_uptime_seconds gauge\ntonebase_uptime_seconds \d+\n`)
	if !uptime.MatchString(text) {
		t.Fatalf("no uptime gauge in\n%s", text)
	}
	return uptime.ReplaceAllString(text, "")
}

func TestWriteText(t *testing.T) {
	tests := []struct {
		name string
		fill func(r *Registry)
		want string
	}{
		{"an empty registry has only the uptime", func(*Registry) {}, ""},
		{"counters sorted by name, then by label values", func(r *Registry) {
			c := r.Counter("tonebase_rows_total", "Uploaded rows by outcome.", "op")
			c.Add(3, "updated")
			c.Add(5, "inserted")
			r.Counter("tonebase_a_total", "First by name.").Inc()
		}, `# HELP tonebase_a_total First by name.
# TYPE tonebase_a_total counter
tonebase_a_total 1
# HELP tonebase_rows_total Uploaded rows by outcome.
# TYPE tonebase_rows_total counter
tonebase_rows_total{op="inserted"} 5
tonebase_rows_total{op="updated"} 3
`},
		{"gauges read at the scrape, sorted by name", func(r *Registry) {
			lag := 3.0
			r.Gauge("tonebase_cluster_lag_entries", "Entries behind.", func() float64 { return lag })
			r.Gauge("tonebase_cluster_applied", "Last applied.", func() float64 { return 12 })
			lag = 7
		}, `# HELP tonebase_cluster_applied Last applied.
# TYPE tonebase_cluster_applied gauge
tonebase_cluster_applied 12
# HELP tonebase_cluster_lag_entries Entries behind.
# TYPE tonebase_cluster_lag_entries gauge
tonebase_cluster_lag_entries 7
`},
		{"a gauge with one label, its value escaped", func(r *Registry) {
			r.GaugeOf("tonebase_cluster_applied", "Last applied.", "node", `n"1`, func() float64 { return 12 })
		}, `# HELP tonebase_cluster_applied Last applied.
# TYPE tonebase_cluster_applied gauge
tonebase_cluster_applied{node="n\"1"} 12
`},
		{"a family with no series yet", func(r *Registry) {
			r.Counter("tonebase_lookups_total", "IVR lookups by status.", "status")
		}, "# HELP tonebase_lookups_total IVR lookups by status.\n# TYPE tonebase_lookups_total counter\n"},
		{"a histogram: cumulative buckets, a bound counts as le, sum in seconds", func(r *Registry) {
			h := r.Histogram("tonebase_lookup_duration_seconds", "Lookup latency.", "status")
			h.Observe(300*time.Microsecond, "found") // ≤ 0.0005
			h.Observe(time.Millisecond, "found")     // exactly 0.001
			h.Observe(20*time.Second, "found")       // past the last bound
		}, `# HELP tonebase_lookup_duration_seconds Lookup latency.
# TYPE tonebase_lookup_duration_seconds histogram
tonebase_lookup_duration_seconds_bucket{status="found",le="0.0005"} 1
tonebase_lookup_duration_seconds_bucket{status="found",le="0.001"} 2
tonebase_lookup_duration_seconds_bucket{status="found",le="0.002"} 2
tonebase_lookup_duration_seconds_bucket{status="found",le="0.005"} 2
tonebase_lookup_duration_seconds_bucket{status="found",le="0.01"} 2
tonebase_lookup_duration_seconds_bucket{status="found",le="0.025"} 2
tonebase_lookup_duration_seconds_bucket{status="found",le="0.05"} 2
tonebase_lookup_duration_seconds_bucket{status="found",le="0.1"} 2
tonebase_lookup_duration_seconds_bucket{status="found",le="0.25"} 2
tonebase_lookup_duration_seconds_bucket{status="found",le="0.5"} 2
tonebase_lookup_duration_seconds_bucket{status="found",le="1"} 2
tonebase_lookup_duration_seconds_bucket{status="found",le="2.5"} 2
tonebase_lookup_duration_seconds_bucket{status="found",le="5"} 2
tonebase_lookup_duration_seconds_bucket{status="found",le="10"} 2
tonebase_lookup_duration_seconds_bucket{status="found",le="+Inf"} 3
tonebase_lookup_duration_seconds_sum{status="found"} 20.0013
tonebase_lookup_duration_seconds_count{status="found"} 3
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := New()
			tt.fill(r)
			if got := metricsText(t, r); got != tt.want {
				t.Fatalf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// sample is one line of the exposition format: a name, optional labels in
// braces, a value.
var sample = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*\})? [-+0-9.eE]+$|^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? \+Inf$`)

// TestWriteTextIsWellFormed checks every line of a busy registry against
// the exposition format: HELP and TYPE before a family's samples, and each
// sample a name, labels and a number.
func TestWriteTextIsWellFormed(t *testing.T) {
	r := New()
	ev := NewEvents(r)
	ev.Lookup("found", 2*time.Millisecond)
	ev.Lookup("not_found", 0) // counted, no latency
	ev.Rows("inserted", 3)
	ev.Rows("invalid", 0) // nothing to count
	Wrap(AccessLog{}, r, "/ivr/v1/{cid}/{dbid}/lookup", func(*fasthttp.RequestCtx) {})(newCtx("GET", "/ivr/v1/1/2/lookup", ""))
	var buf bytes.Buffer
	r.WriteText(&buf)
	typed := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "# HELP "):
		case strings.HasPrefix(line, "# TYPE "):
			f := strings.Fields(line)
			if len(f) != 4 || !map[string]bool{"counter": true, "gauge": true, "histogram": true}[f[3]] {
				t.Fatalf("bad TYPE line %q", line)
			}
			typed[f[2]] = true
		default:
			if !sample.MatchString(line) {
				t.Fatalf("not a sample line: %q", line)
			}
			name := line[:strings.IndexAny(line, "{ ")]
			base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_sum"), "_count")
			if !typed[name] && !typed[base] {
				t.Fatalf("sample %q before its TYPE", line)
			}
		}
	}
	if got := ev.Lookups("found"); got != 1 {
		t.Fatalf("Lookups(found) = %d", got)
	}
	for _, want := range []string{`tonebase_lookups_total{status="not_found"} 1`, `tonebase_rows_total{op="inserted"} 3`,
		`tonebase_http_requests_total{route="/ivr/v1/{cid}/{dbid}/lookup",status="200"} 1`} {
		if !strings.Contains(buf.String(), want+"\n") {
			t.Errorf("no %q in\n%s", want, buf.String())
		}
	}
	for _, absent := range []string{`tonebase_lookup_duration_seconds_count{status="not_found"}`, `op="invalid"`} {
		if strings.Contains(buf.String(), absent) {
			t.Errorf("%q should not be there:\n%s", absent, buf.String())
		}
	}
}

// TestLabelEscaping: a label value is escaped as the exposition format
// reads it, where backslash, quote and line feed are the only escapes.
func TestLabelEscaping(t *testing.T) {
	tests := []struct {
		name, value, want string
	}{
		{"plain", "/ivr/v1/{cid}/{dbid}/lookup", `route="/ivr/v1/{cid}/{dbid}/lookup"`},
		{"quote and backslash", `a"b\c`, `route="a\"b\\c"`},
		{"line feed", "a\nb", `route="a\nb"`},
		{"tab stays a tab", "a\tb", "route=\"a\tb\""},
		{"non-ASCII stays as it is", "café £", `route="café £"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := labelText([]string{"route"}, tt.value, ""); got != "{"+tt.want+"}" {
				t.Errorf("labelText(%q) = %s, want {%s}", tt.value, got, tt.want)
			}
		})
	}
}
