package cluster

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func TestProbeFailures(t *testing.T) {
	fail := errors.New("cluster: stream info: context deadline exceeded")
	type step struct {
		at  time.Duration // since the start
		err error
	}
	cases := []struct {
		name  string
		steps []step
		want  []string // the messages logged, in order
	}{
		{"answers throughout: nothing", []step{{0, nil}, {time.Second, nil}}, nil},
		{"one failure, then answers", []step{{0, fail}, {time.Second, nil}},
			[]string{"cannot read the write log's state: this node cannot tell whether it is behind until it can", "the write log's state answers again"}},
		{"failing for 25 s is said again every 10 s", func() []step {
			var s []step
			for i := 0; i <= 25; i++ {
				s = append(s, step{time.Duration(i) * time.Second, fail})
			}
			return s
		}(), []string{"cannot read the write log's state: this node cannot tell whether it is behind until it can",
			"still cannot read the write log's state", "still cannot read the write log's state"}},
		{"a second run of failures is reported afresh", []step{{0, fail}, {time.Second, nil}, {2 * time.Second, fail}},
			[]string{"cannot read the write log's state: this node cannot tell whether it is behind until it can",
				"the write log's state answers again",
				"cannot read the write log's state: this node cannot tell whether it is behind until it can"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			log := zerolog.New(&buf)
			var p probeFailures
			start := time.Unix(1_800_000_000, 0)
			for _, s := range tc.steps {
				p.note(log, s.err, start.Add(s.at))
			}
			var got []string
			for _, line := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
				if len(line) == 0 {
					continue
				}
				var m struct{ Message string }
				if err := json.Unmarshal(line, &m); err != nil {
					t.Fatalf("log line %q: %v", line, err)
				}
				got = append(got, m.Message)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("logged %q, want %q", got, tc.want)
			}
		})
	}
}
