package callflow

import (
	"slices"
	"testing"

	"github.com/tonebase/tonebase/internal/ivrtest"
	"github.com/tonebase/tonebase/ivr"
)

const (
	askInvoice = "Please enter your 6 digit invoice number, then press hash."
	askDOB     = "Please enter your date of birth as 8 digits, day, month and year, then press hash."
	bye        = "Thank you for calling. Goodbye."
)

// turnWant is what one turn must say and ask.
type turnWant struct {
	say    []string
	prompt string // "" for the end
	status string // the end's status
}

func TestFlow(t *testing.T) {
	missing := Input{}
	keyed := func(d string) Input { return Input{Digits: d, Present: true} }
	tests := []struct {
		name  string
		input []Input
		want  []turnWant // one per input
	}{
		{"found, min and max differ from the balance", []Input{keyed("123456#"), keyed("01021990#")}, []turnWant{
			{prompt: askDOB},
			{say: []string{"Your balance is twelve pounds and fifty pence.", "The least you may pay is five pounds.", bye}, status: ivr.StatusFound},
		}},
		// The row holds no minimum or maximum: the service's defaults, a
		// penny and the balance, are what the caller may pay.
		{"found without the row's min and max", []Input{keyed("456789"), keyed("29022000")}, []turnWant{
			{prompt: askDOB},
			{say: []string{"Your balance is one thousand two hundred and thirty-four pounds and fifty-six pence.", "The least you may pay is one penny.", bye}, status: ivr.StatusFound},
		}},
		{"short entry re-prompted, then corrected", []Input{keyed("12345#"), keyed("123456#"), keyed("01021990")}, []turnWant{
			{say: []string{"That was 5 digits; your invoice number has 6."}, prompt: askInvoice},
			{prompt: askDOB},
			{say: []string{"Your balance is twelve pounds and fifty pence.", "The least you may pay is five pounds.", bye}, status: ivr.StatusFound},
		}},
		{"one digit is one digit", []Input{keyed("1")}, []turnWant{
			{say: []string{"That was 1 digit; your invoice number has 6."}, prompt: askInvoice},
		}},
		{"too long", []Input{keyed("1234567#")}, []turnWant{
			{say: []string{"That was 7 digits; your invoice number has 6."}, prompt: askInvoice},
		}},
		{"star, silence and a lone hash, then goodbye", []Input{keyed("12*456"), missing, keyed("#")}, []turnWant{
			{say: []string{"Please use only the number keys."}, prompt: askInvoice},
			{say: []string{"We did not receive any digits."}, prompt: askInvoice},
			{say: []string{"We did not receive any digits.", "Sorry, we could not take your details.", bye}, status: ivr.StatusInvalidInput},
		}},
		{"Connect's Timeout is not digits", []Input{keyed("Timeout")}, []turnWant{
			{say: []string{"Please use only the number keys."}, prompt: askInvoice},
		}},
		{"no such date, then the tries restart for the next ref", []Input{keyed("123456"), keyed("31021990"), keyed("3102199"), keyed("31021990")}, []turnWant{
			{prompt: askDOB},
			{say: []string{"That is not a valid date."}, prompt: askDOB},
			{say: []string{"That was 7 digits; your date of birth has 8."}, prompt: askDOB},
			{say: []string{"That is not a valid date.", "Sorry, we could not take your details.", bye}, status: ivr.StatusInvalidInput},
		}},
		{"not found says nothing of which ref", []Input{keyed("123456"), keyed("02021990")}, []turnWant{
			{prompt: askDOB},
			{say: []string{"We could not find an account with those details.", bye}, status: ivr.StatusNotFound},
		}},
		{"nothing owed", []Input{keyed("234567"), keyed("15081985")}, []turnWant{
			{prompt: askDOB},
			{say: []string{"There is nothing to pay on this account.", bye}, status: ivr.StatusNotPayable},
		}},
		{"minimum over maximum", []Input{keyed("345678"), keyed("15081985")}, []turnWant{
			{prompt: askDOB},
			{say: []string{"This account cannot be paid by phone. Please contact us.", bye}, status: ivr.StatusNotPayable},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := ivrtest.New(t, ivrtest.Options{})
			f := New(env.Service)
			turn, err := f.Start(env.CID, env.DBID)
			if err != nil {
				t.Fatal(err)
			}
			if turn.Kind != Ask || turn.Prompt != askInvoice || len(turn.Say) != 0 {
				t.Fatalf("first turn = %+v", turn)
			}
			for i, in := range tc.input {
				turn, err = f.Step(env.CID, env.DBID, turn.State, in)
				if err != nil {
					t.Fatal(err)
				}
				w := tc.want[i]
				if !slices.Equal(turn.Say, w.say) {
					t.Errorf("turn %d says %q, want %q", i+1, turn.Say, w.say)
				}
				if w.prompt != "" {
					if turn.Kind != Ask || turn.Prompt != w.prompt {
						t.Errorf("turn %d = kind %d prompt %q, want ask %q", i+1, turn.Kind, turn.Prompt, w.prompt)
					}
					continue
				}
				if turn.Kind != End || turn.Status != w.status {
					t.Errorf("turn %d = kind %d status %q, want end %q", i+1, turn.Kind, turn.Status, w.status)
				}
			}
		})
	}
}

func TestFlowLocksAfterMisses(t *testing.T) {
	env := ivrtest.New(t, ivrtest.Options{Lockout: 2})
	f := New(env.Service)
	call := func(dob string) Turn {
		t.Helper()
		turn, err := f.Start(env.CID, env.DBID)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range []string{"123456", dob} {
			if turn, err = f.Step(env.CID, env.DBID, turn.State, Input{Digits: d, Present: true, Caller: "+447700900123"}); err != nil {
				t.Fatal(err)
			}
		}
		return turn
	}
	for i, want := range []string{ivr.StatusNotFound, ivr.StatusNotFound, ivr.StatusLocked} {
		if got := call("02021990"); got.Status != want {
			t.Fatalf("call %d: %s, want %s", i+1, got.Status, want)
		}
	}
	// The right date of birth is locked out too: the lockout is the
	// service's, not the flow's.
	got := call("01021990")
	if got.Status != ivr.StatusLocked || got.Say[0] != "There have been too many attempts. Please try again later." {
		t.Fatalf("right details while locked: %+v", got)
	}
}

func TestFlowRangeAndOrders(t *testing.T) {
	// No min_payment or max_payment columns: only the balance is read.
	cols := ivrtest.GuideColumns()[:3]
	cols[0].MinDTMF, cols[0].MaxDTMF, cols[0].Name = 4, 8, "Account PIN"
	cols[1].Format = "YYYYMMDD"
	env := ivrtest.New(t, ivrtest.Options{Columns: cols, Rows: "1234,19900201,1250\n"})
	f := New(env.Service)
	turn, err := f.Start(env.CID, env.DBID)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Please enter your account PIN, 4 to 8 digits, then press hash."; turn.Prompt != want {
		t.Fatalf("prompt %q, want %q", turn.Prompt, want)
	}
	turn, _ = f.Step(env.CID, env.DBID, turn.State, Input{Digits: "123", Present: true})
	if want := "That was 3 digits; your account PIN has 4 to 8 digits."; turn.Say[0] != want {
		t.Fatalf("refusal %q, want %q", turn.Say[0], want)
	}
	turn, _ = f.Step(env.CID, env.DBID, turn.State, Input{Digits: "1234#", Present: true})
	if want := "Please enter your date of birth as 8 digits, year, month and day, then press hash."; turn.Prompt != want {
		t.Fatalf("prompt %q, want %q", turn.Prompt, want)
	}
	turn, _ = f.Step(env.CID, env.DBID, turn.State, Input{Digits: "19900201", Present: true})
	if turn.Status != ivr.StatusFound || turn.Say[0] != "Your balance is twelve pounds and fifty pence." {
		t.Fatalf("end %+v", turn)
	}
}

func TestFlowRestartsOnAStateItDidNotHandOut(t *testing.T) {
	env := ivrtest.New(t, ivrtest.Options{})
	f := New(env.Service)
	for name, st := range map[string]State{
		"ref past the refs":     {Ref: 5, Keyed: []string{"1", "2", "3", "4", "5"}},
		"keyed out of step":     {Ref: 1},
		"tries already used up": {Tries: MaxTries},
		"negative tries":        {Tries: -1},
		"ref before the first":  {Ref: -1},
	} {
		turn, err := f.Step(env.CID, env.DBID, st, Input{Digits: "01021990", Present: true})
		if err != nil {
			t.Fatal(err)
		}
		if turn.Kind != Ask || turn.Prompt != askInvoice || turn.State.Ref != 0 || turn.State.Tries != 0 {
			t.Errorf("%s: %+v, want the first question again", name, turn)
		}
	}
}

func TestFlowUnknownDatabase(t *testing.T) {
	env := ivrtest.New(t, ivrtest.Options{})
	other, _, _, _ := env.Other(t)
	f := New(env.Service)
	if _, err := f.Start(other, env.DBID+100); err == nil {
		t.Fatal("a database that does not exist started a call")
	}
}

func TestAmountsSaid(t *testing.T) {
	env := ivrtest.New(t, ivrtest.Options{})
	f := New(env.Service)
	for _, tc := range []struct {
		name, ref1, ref2 string
		want             []int64
	}{
		{"the balance and the minimum that differs", "123456", "01021990", []int64{1250, 500}},
		{"a penny minimum by default", "456789", "29022000", []int64{123456, 1}},
		{"nothing owed says no amount", "234567", "15081985", nil},
		{"not found", "123456", "02021990", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			turn, err := f.Complete(env.CID, env.DBID, func(n string) (string, bool) {
				return map[string]string{"ref1": tc.ref1, "ref2": tc.ref2}[n], n == "ref1" || n == "ref2"
			}, "")
			if err != nil {
				t.Fatal(err)
			}
			if got := AmountsSaid(&turn); !slices.Equal(got, tc.want) {
				t.Fatalf("%v, want %v", got, tc.want)
			}
		})
	}
}
