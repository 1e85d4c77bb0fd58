package ivr

import (
	"sync"
	"sync/atomic"
	"testing"
)

// countingPreparer counts what it is asked to prepare.
type countingPreparer struct{ n atomic.Int64 }

func (p *countingPreparer) Prepare(shown []ShownColumn) any {
	p.n.Add(1)
	return len(shown)
}

func TestPrepared(t *testing.T) {
	t.Run("once per table definition and preparer, however many ask", func(t *testing.T) {
		a, b := &countingPreparer{}, &countingPreparer{}
		plans := []*answerPlan{newAnswerPlan(engineTable(t, benchColumns)), newAnswerPlan(engineTable(t, escapedName))}
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for _, p := range plans {
					rec := Record{plan: p}
					for _, by := range []*countingPreparer{a, b} {
						if got, want := rec.Prepared(by), len(p.shown); got != want {
							t.Errorf("Prepared = %v, want %d", got, want)
						}
					}
				}
			})
		}
		wg.Wait()
		if a.n.Load() != 2 || b.n.Load() != 2 {
			t.Fatalf("prepared %d and %d times, want once a table each", a.n.Load(), b.n.Load())
		}
	})
	t.Run("no caller has nothing to prepare", func(t *testing.T) {
		var rec Record
		if rec.Found() || rec.Prepared(&countingPreparer{}) != nil || rec.Shown() != nil {
			t.Fatal("the zero Record has a caller")
		}
	})
}

// TestFormatsDoNotAllocate holds the found answer, the lookup's hot path,
// to no allocation in either format once its table is prepared.
func TestFormatsDoNotAllocate(t *testing.T) {
	r := benchResult()
	for _, f := range builtinFormats() {
		t.Run(f.Name, func(t *testing.T) {
			buf := f.Format.AppendResult(make([]byte, 0, 1024), r)
			if n := testing.AllocsPerRun(100, func() { buf = f.Format.AppendResult(buf[:0], r) }); n != 0 {
				t.Fatalf("%v allocations an answer", n)
			}
		})
	}
}
