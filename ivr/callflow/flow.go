package callflow

import (
	"fmt"
	"strings"

	"github.com/tonebase/tonebase/internal/money"
	"github.com/tonebase/tonebase/ivr"
)

// MaxTries is how many times a caller is asked for one ref before the
// call says goodbye.
const MaxTries = 3

// Lookups is what the flow needs of the caller-database service.
type Lookups interface {
	CallScript(cid, dbid int64) (ivr.CallScript, error)
	Lookup(cid, dbid int64, q ivr.Query) (ivr.Result, error)
}

// Flow runs calls against one lookup service.
type Flow struct{ svc Lookups }

// New returns the flow over svc.
func New(svc Lookups) *Flow { return &Flow{svc: svc} }

// State is where a call is between turns: the ref being asked (0 for
// ref1), the tries it has had, and the refs keyed so far. Platforms that
// cannot keep it carry it (sealed: the refs are the caller's).
type State struct {
	Ref   int
	Tries int
	Keyed []string
}

// Kind is what a turn asks of the platform.
type Kind int

// The kinds of turn.
const (
	// Ask: say Say, then ask Prompt and gather the digits of Ref.
	Ask Kind = iota
	// End: say Say and end the call (or hand it to the merchant).
	End
)

// Turn is one step of the call as a platform renders it.
type Turn struct {
	Kind Kind
	// Say is what is said first, in order: why the last entry was
	// refused, or, at the end, the outcome and goodbye.
	Say []string
	// Prompt asks for Ref's digits (Ask only).
	Prompt string
	Ref    ivr.Column
	// State is what the next turn continues from (Ask only).
	State State
	// Status is the call's outcome (End only): a lookup status, or
	// invalid_input when a ref was refused MaxTries times.
	Status string
	// Input is the last refusal, when Status is invalid_input.
	Input *ivr.InputError
	// Result is the lookup's answer, when the lookup was made.
	Result ivr.Result
	// Language is what every sentence of the turn is in.
	Language money.Language
	// Script is the database's call script the turn was made from.
	Script ivr.CallScript
}

// Input is what the platform received for the ref asked.
type Input struct {
	Digits  string
	Present bool   // false when the platform timed out with nothing
	Caller  string // the caller's number, if the platform gives one
}

// Start is the first turn of a call to a client's database.
func (f *Flow) Start(cid, dbid int64) (Turn, error) {
	sc, err := f.svc.CallScript(cid, dbid)
	if err != nil {
		return Turn{}, fmt.Errorf("callflow: %w", err)
	}
	return ask(sc, State{}, nil), nil
}

// Step takes the digits keyed for the ref st asks and returns the next
// turn: the same ref again with the reason, the next ref, or, once every
// ref is keyed, the lookup's outcome.
func (f *Flow) Step(cid, dbid int64, st State, in Input) (Turn, error) {
	sc, err := f.svc.CallScript(cid, dbid)
	if err != nil {
		return Turn{}, fmt.Errorf("callflow: %w", err)
	}
	if st.Ref < 0 || st.Ref >= len(sc.Refs) || len(st.Keyed) != st.Ref || st.Tries < 0 || st.Tries >= MaxTries {
		// A state this flow did not hand out, or one from before the
		// database was redefined: start the caller again.
		return ask(sc, State{}, nil), nil
	}
	col := sc.Refs[st.Ref]
	digits := in.Digits
	if _, inErr := ivr.ParseDTMF(col.IVRField, &col, digits, in.Present); inErr != nil {
		s := sentencesFor(sc.Language)
		why := s.refusal(inErr, &col, keyedLength(digits))
		st.Tries++
		if st.Tries >= MaxTries {
			return Turn{Kind: End, Say: []string{why, s.TooManyTries, s.Goodbye}, Status: ivr.StatusInvalidInput,
				Input: inErr, Language: sc.Language, Script: sc}, nil
		}
		return ask(sc, st, []string{why}), nil
	}
	keyed := append(append([]string(nil), st.Keyed...), digits)
	if len(keyed) < len(sc.Refs) {
		return ask(sc, State{Ref: len(keyed), Keyed: keyed}, nil), nil
	}
	return f.lookup(cid, dbid, sc, keyed, in.Caller)
}

// Complete is the end of a call whose platform gathered every ref itself
// and re-prompted by its own rules (VoiceXML, Amazon Connect): refs gives
// each ref's digits by column id or, failing that, by ivr field, as a
// lookup's parameters do. A ref the service's rules still refuse ends the
// call with invalid_input and the reason; otherwise the lookup's outcome.
func (f *Flow) Complete(cid, dbid int64, refs func(name string) (string, bool), caller string) (Turn, error) {
	sc, err := f.svc.CallScript(cid, dbid)
	if err != nil {
		return Turn{}, fmt.Errorf("callflow: %w", err)
	}
	keyed := make([]string, len(sc.Refs))
	for i, col := range sc.Refs {
		digits, present := refs(col.ID)
		if !present {
			digits, present = refs(string(col.IVRField))
		}
		if _, inErr := ivr.ParseDTMF(col.IVRField, &col, digits, present); inErr != nil {
			s := sentencesFor(sc.Language)
			return Turn{Kind: End, Say: []string{s.refusal(inErr, &col, keyedLength(digits)), s.TooManyTries, s.Goodbye},
				Status: ivr.StatusInvalidInput, Input: inErr, Language: sc.Language, Script: sc}, nil
		}
		keyed[i] = digits
	}
	return f.lookup(cid, dbid, sc, keyed, caller)
}

// lookup asks the service for the caller the keyed refs name.
func (f *Flow) lookup(cid, dbid int64, sc ivr.CallScript, keyed []string, caller string) (Turn, error) {
	res, err := f.svc.Lookup(cid, dbid, ivr.Query{Param: refParams(sc.Refs, keyed), Caller: caller})
	if err != nil {
		return Turn{}, fmt.Errorf("callflow: lookup: %w", err)
	}
	return Turn{Kind: End, Say: outcome(sc, &res), Status: res.Status, Input: res.Input, Result: res,
		Language: sc.Language, Script: sc}, nil
}

// Reprompts are the sentences a platform that re-prompts by itself
// (VoiceXML) says before asking for col again: when nothing was keyed, and
// when what was keyed is not what col takes.
func Reprompts(sc ivr.CallScript, col ivr.Column) (noInput, noMatch, prompt string) {
	s := sentencesFor(sc.Language)
	return s.Missing, fill(s.NotValid, "name", s.name(&col)), s.prompt(&col)
}

// keyedLength is how many keys the caller pressed for a ref, the
// terminating '#' aside: what "That was 5 digits" reads back.
func keyedLength(raw string) int { return len(strings.TrimSuffix(raw, "#")) }

// refParams gives the lookup the keyed refs by their ivr field.
func refParams(refs []ivr.Column, keyed []string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		for i, c := range refs {
			if name == string(c.IVRField) {
				return keyed[i], true
			}
		}
		return "", false
	}
}

func ask(sc ivr.CallScript, st State, say []string) Turn {
	col := sc.Refs[st.Ref]
	return Turn{Kind: Ask, Say: say, Prompt: sentencesFor(sc.Language).prompt(&col), Ref: col, State: st,
		Language: sc.Language, Script: sc}
}

// outcome is what the caller is told once the lookup answers. A miss and
// a lock never say which ref was wrong.
func outcome(sc ivr.CallScript, res *ivr.Result) []string {
	s := sentencesFor(sc.Language)
	amount := func(minor int64) string { return money.SayIn(sc.Language, sc.Currency, minor) }
	var out []string
	switch res.Status {
	case ivr.StatusFound:
		a, showMin, showMax := told(sc, res)
		out = append(out, fill(s.Balance, "amount", amount(a.Balance)))
		switch {
		case showMin && showMax:
			out = append(out, fill(s.PayBetween, "min", amount(a.MinPayment), "max", amount(a.MaxPayment)))
		case showMin:
			out = append(out, fill(s.PayAtLeast, "min", amount(a.MinPayment)))
		case showMax:
			out = append(out, fill(s.PayAtMost, "max", amount(a.MaxPayment)))
		}
	case ivr.StatusNotPayable:
		if res.Reason == ivr.ReasonMinOverMax {
			out = append(out, s.MinOverMax)
		} else {
			out = append(out, s.NoBalance)
		}
	case ivr.StatusNotFound:
		out = append(out, s.NotFound)
	case ivr.StatusLocked:
		out = append(out, s.Locked)
	case ivr.StatusAmbiguous:
		out = append(out, s.Ambiguous)
	case ivr.StatusInvalidInput:
		// Every ref passed the keypad rules before the lookup; only a
		// database redefined mid-call lands here.
		out = append(out, s.TooManyTries)
	}
	return append(out, s.Goodbye)
}

// told is a found caller's amounts and whether the minimum and the
// maximum are told beside the balance: when the database has them and
// they differ from it.
func told(sc ivr.CallScript, res *ivr.Result) (a ivr.Amounts, showMin, showMax bool) {
	a, _ = res.Record.Amounts()
	return a, sc.HasMinimum && a.MinPayment != a.Balance, sc.HasMaximum && a.MaxPayment != a.Balance
}

// AmountsSaid are the amounts, in minor units, a turn's outcome tells the
// caller, in the order its sentences tell them: for a platform that says
// amounts with its own sounds (Asterisk's SAY NUMBER) rather than the
// sentences' words.
func AmountsSaid(t *Turn) []int64 {
	if t.Kind != End || t.Status != ivr.StatusFound {
		return nil
	}
	a, showMin, showMax := told(t.Script, &t.Result)
	out := []int64{a.Balance}
	if showMin {
		out = append(out, a.MinPayment)
	}
	if showMax {
		out = append(out, a.MaxPayment)
	}
	return out
}

// Failed is the turn a platform ends a call with when the flow could not
// run (the store failed): an apology in the database's language if it is
// known, British English if not.
func Failed(lang money.Language) Turn {
	s := sentencesFor(lang)
	return Turn{Kind: End, Say: []string{s.Failed, s.Goodbye}, Status: "error", Language: s.lang}
}
