package callflow

import (
	"testing"

	"github.com/tonebase/tonebase/internal/ivrtest"
	"github.com/tonebase/tonebase/ivr"
)

// TestOfferOnlyToAPayableCaller: only a found caller whose amounts allow
// a payment is offered one; every other end stays as it was.
func TestOfferOnlyToAPayableCaller(t *testing.T) {
	env := ivrtest.New(t, ivrtest.Options{})
	f := New(env.Service)
	end := func(ref1, ref2 string) Turn {
		t.Helper()
		st, _ := f.Start(env.CID, env.DBID)
		turn, err := f.Step(env.CID, env.DBID, st.State, Input{Digits: ref1, Present: true})
		if err != nil {
			t.Fatal(err)
		}
		turn, err = f.Step(env.CID, env.DBID, turn.State, Input{Digits: ref2, Present: true})
		if err != nil {
			t.Fatal(err)
		}
		return turn
	}
	tests := []struct {
		name, ref1, ref2 string
		kind             Kind
		least, most      int64
	}{
		{"found, full payment allowed", "123456", "01021990", Choose, 500, 1250},
		{"found, no minimum or maximum", "456789", "29022000", Choose, 1, 123456},
		{"nothing owed", "234567", "15081985", End, 0, 0},
		{"minimum over maximum", "345678", "15081985", End, 0, 0},
		{"not found", "123456", "02021990", End, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := end(tc.ref1, tc.ref2)
			got := f.Offer(before)
			if got.Kind != tc.kind {
				t.Fatalf("kind %v, want %v (%+v)", got.Kind, tc.kind, got.Say)
			}
			if tc.kind == End {
				if len(got.Say) != len(before.Say) || got.Say[len(got.Say)-1] != before.Say[len(before.Say)-1] {
					t.Fatalf("an end changed: %v", got.Say)
				}
				return
			}
			if got.State.Stage != StageChoice || got.State.Least != tc.least || got.State.Most != tc.most || got.State.Keyed[0] != tc.ref1 {
				t.Fatalf("state %+v", got.State)
			}
		})
	}
	// A state that claims amounts no lookup gave starts the call again.
	bad := State{Ref: 2, Keyed: []string{"123456", "01021990"}, Stage: StageAmount, Balance: 100, Least: 500, Most: 100}
	if got, _ := f.Step(env.CID, env.DBID, bad, Input{Digits: "100", Present: true}); got.Kind != Ask || got.State.Ref != 0 {
		t.Fatalf("a forged state went on: %+v", got)
	}
	// A paying state asked to step (not Paid) starts again too.
	paying := State{Ref: 2, Keyed: []string{"123456", "01021990"}, Stage: StagePaying, Balance: 1250, Least: 500, Most: 1250, Amount: 700}
	if got, _ := f.Step(env.CID, env.DBID, paying, Input{Digits: "1", Present: true}); got.Kind != Ask {
		t.Fatalf("a paying state stepped: %+v", got)
	}
	if got, _ := f.Paid(env.CID, env.DBID, paying, Outcome{Code: "X", Recorded: true, Balance: 550}); got.Status != ivr.StatusFound || len(got.Say) != 4 {
		t.Fatalf("paid: %+v", got.Say)
	}
}
