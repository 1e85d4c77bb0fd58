package callflow

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tonebase/tonebase/internal/money"
	"github.com/tonebase/tonebase/ivr"
)

// Stage is where a found caller is in paying by phone.
type Stage uint8

// The stages. A call is at StageRefs until the lookup finds the caller.
const (
	StageRefs      Stage = iota
	StageChoice          // asked to press 1 for the balance, 2 for another amount
	StageAmount          // asked to key an amount in minor units
	StagePaying          // handed to the platform's payment capture
	StageCardOffer       // asked to press 1 to keep a card on file
	StageSaving          // handed to the platform's capture to keep a card
)

// maxAmountKeys bounds a keyed amount: 99,999,999.99 is ten digits.
const maxAmountKeys = 10

// Offer continues a found caller's call into paying, for a platform that
// takes card payments: the balance and the caller's choice of paying it in
// full (when the merchant allows that) or another amount. Any other turn,
// or amounts that allow no payment, are returned as they are.
func (f *Flow) Offer(t Turn) Turn {
	if t.Kind != End || t.Status != ivr.StatusFound {
		return t
	}
	a, ok := t.Result.Record.Amounts()
	least, most := max(a.MinPayment, 1), min(a.MaxPayment, a.Balance)
	if !ok || least > most {
		return t
	}
	sc := t.Script
	if len(t.State.Keyed) != len(sc.Refs) {
		return t
	}
	keyed := make([]string, len(sc.Refs))
	for i, k := range t.State.Keyed {
		keyed[i] = strings.TrimSuffix(k, "#")
	}
	st := State{Ref: len(sc.Refs), Keyed: keyed, Stage: StageChoice, Balance: a.Balance, Least: least, Most: most}
	say := t.Say[:len(t.Say)-1] // the balance and range, without the goodbye
	if most != a.Balance {
		// Paying in full is not allowed: the caller keys an amount.
		return askAmount(sc, st, say)
	}
	s := sentencesFor(sc.Language)
	return Turn{Kind: Choose, Say: say, Prompt: fill(s.PayChoice, "amount", s.amount(sc, a.Balance)), Keys: 1,
		State: st, Status: t.Status, Result: t.Result, Language: sc.Language, Script: sc}
}

// stepPay takes a found caller's key or amount.
func (f *Flow) stepPay(sc ivr.CallScript, st State, in Input) Turn {
	s := sentencesFor(sc.Language)
	amounts := st.Stage == StageChoice || st.Stage == StageAmount
	if len(st.Keyed) != len(sc.Refs) || amounts && (st.Least < 1 || st.Least > st.Most || st.Most > st.Balance) {
		// Not a state this flow handed out for this database's refs.
		return ask(sc, State{}, nil)
	}
	again := func(why string) Turn {
		st.Tries++
		switch {
		case st.Tries >= MaxTries && st.Stage == StageCardOffer:
			return Turn{Kind: End, Say: []string{why, s.Goodbye}, Status: ivr.StatusFound, Language: sc.Language, Script: sc}
		case st.Tries >= MaxTries:
			return Turn{Kind: End, Say: []string{why, s.PayNone, s.Goodbye}, Status: ivr.StatusFound, Language: sc.Language, Script: sc}
		case st.Stage == StageCardOffer:
			return Turn{Kind: Choose, Say: []string{why}, Prompt: s.CardOffer, Keys: 1, State: st, Language: sc.Language, Script: sc}
		}
		if st.Stage == StageChoice {
			return Turn{Kind: Choose, Say: []string{why}, Prompt: fill(s.PayChoice, "amount", s.amount(sc, st.Balance)), Keys: 1,
				State: st, Language: sc.Language, Script: sc}
		}
		return askAmount(sc, st, []string{why})
	}
	digits := strings.TrimSuffix(in.Digits, "#")
	switch st.Stage {
	case StageChoice:
		switch digits {
		case "1":
			return paying(sc, st, st.Balance)
		case "2":
			st.Stage, st.Tries = StageAmount, 0
			return askAmount(sc, st, nil)
		}
		return again(s.PayChoiceAgain)
	case StageAmount:
		switch {
		case !in.Present || digits == "":
			return again(s.Missing)
		case len(digits) > maxAmountKeys || !allDigits(digits):
			return again(s.NotDigits)
		}
		n, _ := strconv.ParseInt(digits, 10, 64) // ten digits at most
		if n < st.Least || n > st.Most {
			return again(fill(s.PayOutOfRange, "amount", s.amount(sc, n), "min", s.amount(sc, st.Least), "max", s.amount(sc, st.Most)))
		}
		return paying(sc, st, n)
	case StageCardOffer:
		switch digits {
		case "1":
			st.Stage, st.Tries = StageSaving, 0
			return Turn{Kind: SaveCard, Say: []string{s.CardAsk}, State: st, Status: ivr.StatusFound, Language: sc.Language, Script: sc}
		case "2":
			return Turn{Kind: End, Say: []string{s.Goodbye}, Status: ivr.StatusFound, Language: sc.Language, Script: sc}
		}
		return again(s.PayChoiceAgain)
	}
	// A paying or saving state is answered by Paid or Saved, not by a step.
	return ask(sc, State{}, nil)
}

// askAmount asks for an amount in minor units, with an example the caller
// can follow: the most they may pay, keyed.
func askAmount(sc ivr.CallScript, st State, say []string) Turn {
	s := sentencesFor(sc.Language)
	st.Stage = StageAmount
	prompt := fill(s.PayKeyAmount, "min", s.amount(sc, st.Least), "max", s.amount(sc, st.Most),
		"example", s.amount(sc, st.Most), "digits", spaced(strconv.FormatInt(st.Most, 10)))
	return Turn{Kind: AskAmount, Say: say, Prompt: prompt, Keys: len(strconv.FormatInt(st.Most, 10)) + 1, State: st,
		Language: sc.Language, Script: sc}
}

// paying hands the caller to the platform's payment capture.
func paying(sc ivr.CallScript, st State, amount int64) Turn {
	s := sentencesFor(sc.Language)
	st.Stage, st.Amount, st.Tries = StagePaying, amount, 0
	return Turn{Kind: Pay, Say: []string{fill(s.Paying, "amount", s.amount(sc, amount))}, State: st,
		Status: ivr.StatusFound, Language: sc.Language, Script: sc}
}

// Payment failures, as Twilio's <Pay> names them in Result.
const (
	PayCallerStar    = "caller-interrupted-with-star"
	PayTooManyFailed = "too-many-failed-attempts"
	PayValidation    = "validation-error"
	PayInputTimeout  = "input-timeout"
	PayConnectorErr  = "payment-connector-error"
	PayCallerHungUp  = "caller-hung-up"
)

// Outcome is what became of a payment the platform took.
type Outcome struct {
	// Failure is why no payment was taken ("" when one was).
	Failure string
	// Code is the processor's confirmation code of a payment taken.
	Code string
	// Recorded says the payment was posted to the database, which then
	// holds Balance.
	Recorded bool
	Balance  int64
}

// maxSpokenCode is the longest confirmation code read to the caller; a
// processor's longer ids are for the merchant's records, not the caller's ear.
const maxSpokenCode = 16

// Paid ends a call whose payment st was handed to the platform: what was
// taken, and the balance now, or why nothing was. A platform whose state
// was lost passes the zero State: the caller hears only that the balance
// will follow.
func (f *Flow) Paid(cid, dbid int64, st State, o Outcome) (Turn, error) {
	sc, err := f.svc.CallScript(cid, dbid)
	if err != nil {
		return Turn{}, fmt.Errorf("callflow: %w", err)
	}
	s := sentencesFor(sc.Language)
	end := func(say ...string) Turn {
		return Turn{Kind: End, Say: append(say, s.Goodbye), Status: ivr.StatusFound, Language: sc.Language, Script: sc}
	}
	switch o.Failure {
	case "":
	case PayCallerStar:
		return end(s.PayCancelled), nil
	case PayTooManyFailed, PayValidation:
		return end(s.PayDeclined), nil
	case PayInputTimeout:
		return end(s.PayTimedOut), nil
	case PayConnectorErr:
		return end(s.PayUnavailable), nil
	default:
		return end(s.PayFailed), nil
	}
	var say []string
	out := end
	if st.Stage == StagePaying && len(st.Keyed) == len(sc.Refs) {
		// The refs stay with the end, for a platform that goes on to
		// offer keeping a card (OfferCard).
		out = func(say ...string) Turn {
			t := end(say...)
			t.State = State{Ref: len(st.Keyed), Keyed: st.Keyed}
			return t
		}
	}
	if st.Stage == StagePaying && st.Amount > 0 {
		say = append(say, fill(s.PayTaken, "amount", s.amount(sc, st.Amount)))
	}
	if c := strings.TrimSpace(o.Code); c != "" && len(c) <= maxSpokenCode {
		say = append(say, fill(s.PayCode, "code", spaced(c)))
	}
	switch {
	case !o.Recorded:
		say = append(say, s.PayNotRecorded)
	case o.Balance <= 0:
		say = append(say, s.PayPaidInFull)
	default:
		say = append(say, fill(s.PayNewBalance, "amount", s.amount(sc, o.Balance)))
	}
	return out(say...), nil
}

// OfferCard continues a found caller's call, at its end, with the offer
// to keep a card on file, for a platform whose capture can store one
// (Twilio's <Pay> through tonebase's own connector). Any other turn is
// returned as it is.
func (f *Flow) OfferCard(t Turn) Turn {
	sc := t.Script
	if t.Kind != End || t.Status != ivr.StatusFound && t.Status != ivr.StatusNotPayable || len(sc.Refs) == 0 ||
		len(t.State.Keyed) != len(sc.Refs) || len(t.Say) == 0 {
		return t
	}
	keyed := make([]string, len(sc.Refs))
	for i, k := range t.State.Keyed {
		keyed[i] = strings.TrimSuffix(k, "#")
	}
	s := sentencesFor(sc.Language)
	return Turn{Kind: Choose, Say: t.Say[:len(t.Say)-1], Prompt: s.CardOffer, Keys: 1,
		State: State{Ref: len(sc.Refs), Keyed: keyed, Stage: StageCardOffer}, Status: t.Status, Result: t.Result,
		Language: sc.Language, Script: sc}
}

// Saved ends a call whose card was handed to the platform to keep on
// file: failure is "" when it was kept, else the platform's reason.
func (f *Flow) Saved(cid, dbid int64, failure string) (Turn, error) {
	sc, err := f.svc.CallScript(cid, dbid)
	if err != nil {
		return Turn{}, fmt.Errorf("callflow: %w", err)
	}
	s := sentencesFor(sc.Language)
	said := s.CardSaved
	switch failure {
	case "":
	case PayCallerStar:
		said = s.CardCancelled
	default:
		said = s.CardNotSaved
	}
	return Turn{Kind: End, Say: []string{said, s.Goodbye}, Status: ivr.StatusFound, Language: sc.Language, Script: sc}, nil
}

// Refs are the refs a paying caller was found by, by ivr field, as a
// payment names its row.
func (f *Flow) Refs(cid, dbid int64, st State) (map[string]string, error) {
	sc, err := f.svc.CallScript(cid, dbid)
	if err != nil {
		return nil, fmt.Errorf("callflow: %w", err)
	}
	if len(st.Keyed) != len(sc.Refs) {
		return nil, fmt.Errorf("callflow: a state of %d refs for a database of %d", len(st.Keyed), len(sc.Refs))
	}
	out := make(map[string]string, len(sc.Refs))
	for i, c := range sc.Refs {
		out[string(c.IVRField)] = st.Keyed[i]
	}
	return out, nil
}

// amount is minor units as a phrase in the script's language and currency.
func (s Sentences) amount(sc ivr.CallScript, minor int64) string {
	return money.SayIn(sc.Language, sc.Currency, minor)
}

// spaced separates each character, so a TTS engine reads a code or
// digits one by one rather than as a number.
func spaced(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
