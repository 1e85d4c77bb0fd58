package twilio

import (
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/tonebase/tonebase/internal/ivrtest"
	"github.com/tonebase/tonebase/internal/money"
	"github.com/tonebase/tonebase/ivr"
	"github.com/tonebase/tonebase/ivr/callflow"
)

// ledger is this package's tests' stand-in for the payments ledger: it
// keeps the rules the real one keeps (within the row's minimum and
// maximum, never above the balance, one debit per reference, the same
// reference with another payment refused) over rows by ref1/ref2.
type ledger struct {
	mu       sync.Mutex
	rows     map[string]*Posted
	posted   map[string]Payment // by reference
	results  map[string]Posted
	fail     error // every post fails with it, when set
	attempts int
}

func newLedger() *ledger {
	return &ledger{rows: map[string]*Posted{
		"123456/01021990": {Status: ivr.StatusFound, Balance: 1250, MinPayment: 500, MaxPayment: 1250},
		"111111/01011980": {Status: ivr.StatusFound, Balance: 5000, MinPayment: 1000, MaxPayment: 3000},
	}, posted: map[string]Payment{}, results: map[string]Posted{}}
}

func (l *ledger) PostPayment(cid, dbid int64, p Payment) (Posted, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.attempts++
	if l.fail != nil {
		return Posted{}, l.fail
	}
	if prev, ok := l.posted[p.Reference]; ok {
		if prev.AmountMinor != p.AmountMinor || !maps.Equal(prev.Refs, p.Refs) {
			return Posted{}, fmt.Errorf("%w: reference %s was another payment", ErrPaymentRefused, p.Reference)
		}
		return l.results[p.Reference], nil
	}
	row, ok := l.rows[p.Refs["ref1"]+"/"+p.Refs["ref2"]]
	switch {
	case !ok:
		return Posted{}, fmt.Errorf("%w: no such row", ErrPaymentRefused)
	case p.AmountMinor < row.MinPayment || p.AmountMinor > row.MaxPayment || p.AmountMinor > row.Balance:
		return Posted{}, fmt.Errorf("%w: out of range", ErrPaymentRefused)
	}
	row.Balance -= p.AmountMinor
	row.MaxPayment, row.MinPayment = min(row.MaxPayment, row.Balance), min(row.MinPayment, row.Balance)
	if row.Balance == 0 {
		row.Status = ivr.StatusNotPayable
	}
	l.posted[p.Reference], l.results[p.Reference] = p, *row
	return *row, nil
}

func (l *ledger) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.posted)
}

// payRows add a debtor whose maximum is below the balance, so paying in
// full is not offered.
const payRows = ivrtest.GuideRows + "111111,01011980,5000,1000,3000\n"

func payServer(t *testing.T, lang money.Language, cur money.Currency) (*server, *ledger) {
	t.Helper()
	l := newLedger()
	s := startWith(t, ivrtest.Options{Rows: payRows, Telephony: ivr.Telephony{Language: lang, Currency: cur,
		Twilio: &ivr.TwilioSettings{PayConnector: "Stripe_Live"}}}, l)
	return s, l
}

func says(lang money.Language, texts ...string) []map[string]any {
	out := make([]map[string]any, len(texts))
	for i, s := range texts {
		out[i] = map[string]any{"language": string(lang), "text": s}
	}
	return out
}

// askWant is what Twilio's builder makes of a turn that gathers keys.
func askWant(c *call, lang money.Language, numDigits int, texts ...string) string {
	return c.p.twiml(c.t, []map[string]any{{"gather": map[string]any{"input": "dtmf", "finishOnKey": "#",
		"numDigits": numDigits, "timeout": GatherTimeout, "actionOnEmptyResult": true, "method": "POST", "action": c.path},
		"says": says(lang, texts...)}})
}

// payWant is what Twilio's builder makes of the turn that hands the
// caller to <Pay>.
func payWant(c *call, lang money.Language, amount, currency, ref1 string, dbid int64, texts ...string) string {
	var verbs []map[string]any
	for _, s := range says(lang, texts...) {
		verbs = append(verbs, map[string]any{"say": s})
	}
	return c.p.twiml(c.t, append(verbs, map[string]any{
		"pay": map[string]any{"input": "dtmf", "paymentConnector": "Stripe_Live", "chargeAmount": amount, "currency": currency,
			"language": string(lang), "method": "POST", "action": c.path},
		"parameters": []map[string]any{{"name": "dbid", "value": strconv.FormatInt(dbid, 10)}, {"name": "ref1", "value": ref1}}}))
}

func endIn(c *call, lang money.Language, texts ...string) string {
	var verbs []map[string]any
	for _, s := range says(lang, texts...) {
		verbs = append(verbs, map[string]any{"say": s})
	}
	return c.p.twiml(c.t, append(verbs, map[string]any{"hangup": true}))
}

// lookUp keys the refs of a new call and returns the lookup's turn.
func (c *call) lookUp(ref1, ref2 string) string {
	c.t.Helper()
	c.step(nil)
	c.step(keys(ref1))
	return c.step(keys(ref2))
}

// result posts <Pay>'s action request, as Twilio signs it.
func (c *call) result(params map[string]string) string {
	c.t.Helper()
	status, body := c.post(c.path, params, nil)
	if status != 200 {
		c.t.Fatalf("the <Pay> action answered %d: %s", status, body)
	}
	c.follow(body)
	return body
}

var success = map[string]string{"Result": "success", "PaymentConfirmationCode": "ch_77A1", "PaymentCardNumber": "xxxxxxxxxxxx1111",
	"PaymentCardType": "visa", "ExpirationDate": "1239", "PaymentMethod": "credit-card", "PaymentToken": "tok_1"}

const (
	youOwe   = "Your balance is twelve pounds and fifty pence."
	leastFiv = "The least you may pay is five pounds."
	choose   = "To pay twelve pounds and fifty pence now, press 1. To pay another amount, press 2."
)

func TestPayInFull(t *testing.T) {
	s, l := payServer(t, money.EnGB, money.GBP)
	c := s.call(t, s.env.CID, s.env.DBID, "CAP1")
	got := c.lookUp("123456", "01021990")
	sameTwiML(t, got, askWant(c, money.EnGB, 1, youOwe, leastFiv, choose))
	got = c.step(keys("1"))
	sameTwiML(t, got, payWant(c, money.EnGB, "12.50", "gbp", "123456", s.env.DBID, "You are paying twelve pounds and fifty pence."))
	if strings.Contains(c.path, "123456") {
		t.Fatalf("the ref is in the <Pay> action URL: %s", c.path)
	}
	got = c.result(success)
	want := endIn(c, money.EnGB, "Thank you. Your payment of twelve pounds and fifty pence has been taken.",
		"Your confirmation code is c h _ 7 7 A 1.", "Your account is now paid in full.", goodbye)
	sameTwiML(t, got, want)
	p := l.posted["ch_77A1"]
	if l.count() != 1 || p.AmountMinor != 1250 || p.CardLast4 != "1111" || p.Method != MethodCard || p.Caller != "+447700900123" ||
		p.Platform != "twilio" || p.Refs["ref1"] != "123456" || p.Refs["ref2"] != "01021990" {
		t.Fatalf("posted %+v (%d payments)", p, l.count())
	}
	// Twilio retrying the action posts nothing twice and says the same.
	sameTwiML(t, c.result(success), want)
	if l.count() != 1 || l.rows["123456/01021990"].Balance != 0 {
		t.Fatalf("after a retry: %d payments, balance %d", l.count(), l.rows["123456/01021990"].Balance)
	}
	if n := s.events.Lookups(ivr.StatusFound); n != 1 {
		t.Fatalf("found lookups counted: %d, want the one lookup", n)
	}
}

func TestPayAnotherAmount(t *testing.T) {
	s, l := payServer(t, money.EnGB, money.GBP)
	c := s.call(t, s.env.CID, s.env.DBID, "CAP2")
	c.lookUp("123456", "01021990")
	keyAmount := "Please enter the amount you wish to pay, between five pounds and twelve pounds and fifty pence, as digits without a decimal point, then press hash. For twelve pounds and fifty pence, enter 1 2 5 0."
	sameTwiML(t, c.step(keys("3")), askWant(c, money.EnGB, 1, "Please press 1 or 2.", choose))
	sameTwiML(t, c.step(keys("2")), askWant(c, money.EnGB, 5, keyAmount))
	sameTwiML(t, c.step(keys("499")), askWant(c, money.EnGB, 5, "four pounds and ninety-nine pence is not between five pounds and twelve pounds and fifty pence.", keyAmount))
	sameTwiML(t, c.step(keys("12.5")), askWant(c, money.EnGB, 5, "Please use only the number keys.", keyAmount))
	got := c.step(keys("700#"))
	sameTwiML(t, got, payWant(c, money.EnGB, "7.00", "gbp", "123456", s.env.DBID, "You are paying seven pounds."))
	got = c.result(map[string]string{"Result": "success", "PaymentConfirmationCode": "AB12", "PaymentCardNumber": "xxxxxxxxxxxx4444"})
	sameTwiML(t, got, endIn(c, money.EnGB, "Thank you. Your payment of seven pounds has been taken.", "Your confirmation code is A B 1 2.",
		"Your balance is now five pounds and fifty pence.", goodbye))
	if p := l.posted["AB12"]; p.AmountMinor != 700 || p.CardLast4 != "4444" {
		t.Fatalf("posted %+v", p)
	}
}

func TestPayWhenTheMaximumIsBelowTheBalance(t *testing.T) {
	s, _ := payServer(t, money.EnGB, money.GBP)
	c := s.call(t, s.env.CID, s.env.DBID, "CAP3")
	got := c.lookUp("111111", "01011980")
	// Paying in full is not allowed: the caller is asked for an amount.
	sameTwiML(t, got, askWant(c, money.EnGB, 5, "Your balance is fifty pounds.", "You may pay between ten pounds and thirty pounds.",
		"Please enter the amount you wish to pay, between ten pounds and thirty pounds, as digits without a decimal point, then press hash. For thirty pounds, enter 3 0 0 0."))
	sameTwiML(t, c.step(keys("3001")), askWant(c, money.EnGB, 5, "thirty pounds and one penny is not between ten pounds and thirty pounds.",
		"Please enter the amount you wish to pay, between ten pounds and thirty pounds, as digits without a decimal point, then press hash. For thirty pounds, enter 3 0 0 0."))
}

func TestPayNotTaken(t *testing.T) {
	tests := []struct {
		result string
		says   string
	}{
		{"caller-interrupted-with-star", "You cancelled the payment. No payment has been taken."},
		{"too-many-failed-attempts", "Your card details were not accepted. No payment has been taken."},
		{"validation-error", "Your card details were not accepted. No payment has been taken."},
		{"input-timeout", "We did not receive your card details. No payment has been taken."},
		{"payment-connector-error", "We could not reach the payment service. No payment has been taken."},
		{"caller-hung-up", "Your payment could not be completed. No payment has been taken."},
		{"", "Your payment could not be completed. No payment has been taken."},
	}
	s, l := payServer(t, money.EnGB, money.GBP)
	for i, tc := range tests {
		t.Run(tc.result, func(t *testing.T) {
			c := s.call(t, s.env.CID, s.env.DBID, "CAP4"+strconv.Itoa(i))
			c.lookUp("123456", "01021990")
			c.step(keys("1"))
			got := c.result(map[string]string{"Result": tc.result, "PaymentConfirmationCode": "never"})
			sameTwiML(t, got, endIn(c, money.EnGB, tc.says, goodbye))
		})
	}
	if l.attempts != 0 {
		t.Fatalf("failed payments were posted: %d", l.attempts)
	}
}

func TestPayChoiceRunsOut(t *testing.T) {
	s, l := payServer(t, money.EnGB, money.GBP)
	c := s.call(t, s.env.CID, s.env.DBID, "CAP5")
	c.lookUp("123456", "01021990")
	c.step(nil)
	c.step(keys("9"))
	sameTwiML(t, c.step(keys("*")), endIn(c, money.EnGB, "Please press 1 or 2.", "No payment has been taken.", goodbye))
	if l.attempts != 0 {
		t.Fatal("a payment was posted")
	}
}

func TestPayTakenButNotRecorded(t *testing.T) {
	s, l := payServer(t, money.EnGB, money.GBP)
	l.fail = errors.New("the disk is full")
	c := s.call(t, s.env.CID, s.env.DBID, "CAP6")
	c.lookUp("123456", "01021990")
	c.step(keys("1"))
	sameTwiML(t, c.result(success), endIn(c, money.EnGB, "Thank you. Your payment of twelve pounds and fifty pence has been taken.",
		"Your confirmation code is c h _ 7 7 A 1.", "Your balance will be updated shortly.", goodbye))

	// A <Pay> action whose state does not open (changed, or another
	// call's) posts nothing, and the caller is not told of a balance.
	l.fail = nil
	c2 := s.call(t, s.env.CID, s.env.DBID, "CAP7")
	c2.path = c.path
	sameTwiML(t, c2.result(success), endIn(c2, money.EnGB, "Your confirmation code is c h _ 7 7 A 1.", "Your balance will be updated shortly.", goodbye))
	if l.count() != 0 {
		t.Fatal("a payment without its state was posted")
	}
}

func TestPayActionRefusesWhatTwilioDidNotSign(t *testing.T) {
	s, l := payServer(t, money.EnGB, money.GBP)
	otherCID, otherDB, _, _ := s.env.Other(t)
	if _, err := s.env.Clients.SetTwilioToken(otherCID, "tok-other"); err != nil {
		t.Fatal(err)
	}
	c := s.call(t, s.env.CID, s.env.DBID, "CAP8")
	c.lookUp("123456", "01021990")
	c.step(keys("1"))
	wrong := c.p.sign(t, "another token", s.base+c.path, success)
	if status, body := c.post(c.path, success, &wrong); status != 403 {
		t.Fatalf("a <Pay> action signed with another token: %d %s", status, body)
	}
	// This call's state on another client's webhook, signed with that
	// client's token: nothing of this client is reached or posted.
	foreign := s.call(t, otherCID, otherDB, "CAP8")
	foreign.token = "tok-other"
	_, q, _ := strings.Cut(c.path, "?")
	foreign.path = webhook(otherCID, otherDB) + "?" + q
	foreign.result(success)
	if l.attempts != 0 {
		t.Fatalf("posted %d payments", l.attempts)
	}
}

func TestPayInEveryLanguage(t *testing.T) {
	for _, tc := range []struct {
		lang money.Language
		cur  money.Currency
	}{{money.EnUS, money.USD}, {money.EsES, money.EUR}, {money.EsUS, money.USD}, {money.FrFR, money.EUR}, {money.DeDE, money.EUR}, {money.EnGB, money.CAD}} {
		t.Run(string(tc.lang), func(t *testing.T) {
			s, _ := payServer(t, tc.lang, tc.cur)
			sn := callflow.SentencesFor(tc.lang)
			say := func(minor int64) string { return money.SayIn(tc.lang, tc.cur, minor) }
			fill := func(tmpl string, kv ...string) string {
				for i := 0; i+1 < len(kv); i += 2 {
					tmpl = strings.ReplaceAll(tmpl, "{"+kv[i]+"}", kv[i+1])
				}
				return tmpl
			}
			c := s.call(t, s.env.CID, s.env.DBID, "CAP9")
			got := c.lookUp("123456", "01021990")
			sameTwiML(t, got, askWant(c, tc.lang, 1, fill(sn.Balance, "amount", say(1250)), fill(sn.PayAtLeast, "min", say(500)),
				fill(sn.PayChoice, "amount", say(1250))))
			got = c.step(keys("1"))
			sameTwiML(t, got, payWant(c, tc.lang, "12.50", strings.ToLower(string(tc.cur)), "123456", s.env.DBID, fill(sn.Paying, "amount", say(1250))))
			got = c.result(map[string]string{"Result": "caller-interrupted-with-star"})
			sameTwiML(t, got, endIn(c, tc.lang, sn.PayCancelled, sn.Goodbye))
		})
	}
}

// TestNoPaymentWithoutAConnector: a database naming no pay connector ends
// its calls after the lookup, payments wired or not.
func TestNoPaymentWithoutAConnector(t *testing.T) {
	s := startWith(t, ivrtest.Options{}, newLedger())
	c := s.call(t, s.env.CID, s.env.DBID, "CAPA")
	c.step(nil)
	c.step(keys("123456"))
	sameTwiML(t, c.step(keys("01021990")), endWant(c, youOwe, leastFiv, goodbye))
}

func TestPayByBankAccount(t *testing.T) {
	s, l := payServer(t, money.EnGB, money.GBP)
	c := s.call(t, s.env.CID, s.env.DBID, "CAPB")
	c.lookUp("123456", "01021990")
	c.step(keys("1"))
	c.result(map[string]string{"Result": "success", "PaymentConfirmationCode": "ACH9", "PaymentMethod": "ach-debit", "PaymentCardNumber": ""})
	if p := l.posted["ACH9"]; p.Method != MethodBank || p.CardLast4 != "" || p.AmountMinor != 1250 {
		t.Fatalf("posted %+v", p)
	}
	// A connector that gives no confirmation code: the call is the
	// reference, so a retry still debits once.
	c2 := s.call(t, s.env.CID, s.env.DBID, "CAPC")
	c2.lookUp("111111", "01011980")
	c2.step(keys("1500"))
	for range 2 {
		c2.result(map[string]string{"Result": "success", "PaymentCardNumber": "xxxx-xxxx-xxxx-0005"})
	}
	if p, ok := l.posted["twilio:CAPC"]; !ok || p.AmountMinor != 1500 || l.count() != 2 || l.rows["111111/01011980"].Balance != 3500 {
		t.Fatalf("posted %+v (%d payments)", p, l.count())
	}
}

// cardWant is what Twilio's builder makes of the turn that hands the
// caller to <Pay> to keep a card on file.
func cardWant(c *call, lang money.Language, ref1 string, dbid int64, texts ...string) string {
	var verbs []map[string]any
	for _, s := range says(lang, texts...) {
		verbs = append(verbs, map[string]any{"say": s})
	}
	return c.p.twiml(c.t, append(verbs, map[string]any{
		"pay": map[string]any{"input": "dtmf", "paymentConnector": "tonebase", "tokenType": "reusable",
			"language": string(lang), "method": "POST", "action": c.path},
		"parameters": []map[string]any{{"name": "dbid", "value": strconv.FormatInt(dbid, 10)}, {"name": "ref1", "value": ref1}}}))
}

const (
	offerCard = "To keep a card on file for your future payments, press 1. Otherwise, press 2."
	askCard   = "Please enter the card you want to keep on file. No payment will be taken."
)

func TestCardOnFileAfterTheLookup(t *testing.T) {
	// No payments wired and no pay connector: the card offer needs neither.
	s := startWith(t, ivrtest.Options{Telephony: ivr.Telephony{Twilio: &ivr.TwilioSettings{CardConnector: "tonebase"}}}, nil)
	c := s.call(t, s.env.CID, s.env.DBID, "CAK1")
	sameTwiML(t, c.lookUp("123456#", "01021990"), askWant(c, money.EnGB, 1, youOwe, leastFiv, offerCard))
	sameTwiML(t, c.step(keys("1")), cardWant(c, money.EnGB, "123456", s.env.DBID, askCard))
	sameTwiML(t, c.result(map[string]string{"Result": "success", "PaymentToken": "1234567890121111", "PaymentCardNumber": "xxxxxxxxxxxx1111"}),
		endIn(c, money.EnGB, "Thank you. Your card is now on file.", goodbye))

	tests := []struct {
		name   string
		keys   []string
		result string
		says   []string
	}{
		{"declined", []string{"2"}, "", []string{goodbye}},
		{"cancelled with star", []string{"1"}, "caller-interrupted-with-star", []string{"You cancelled. No card has been kept on file.", goodbye}},
		{"connector refused", []string{"1"}, "payment-connector-error", []string{"Your card could not be kept on file.", goodbye}},
		{"no answer three times", []string{"", "9", "*"}, "", []string{"Please press 1 or 2.", goodbye}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := s.call(t, s.env.CID, s.env.DBID, "CAK2"+strconv.Itoa(i))
			c.lookUp("123456", "01021990")
			var got string
			for _, k := range tc.keys {
				got = c.step(keys(k))
			}
			if tc.result != "" {
				got = c.result(map[string]string{"Result": tc.result})
			}
			sameTwiML(t, got, endIn(c, money.EnGB, tc.says...))
		})
	}
	// A caller who owes nothing may still keep a card for their plan.
	c = s.call(t, s.env.CID, s.env.DBID, "CAK3")
	sameTwiML(t, c.lookUp("234567", "15081985"), askWant(c, money.EnGB, 1, "There is nothing to pay on this account.", offerCard))
	// A caller not found is offered nothing.
	c = s.call(t, s.env.CID, s.env.DBID, "CAK4")
	sameTwiML(t, c.lookUp("123456", "02021990"), endWant(c, "We could not find an account with those details.", goodbye))
}

func TestCardOnFileAfterAPayment(t *testing.T) {
	l := newLedger()
	s := startWith(t, ivrtest.Options{Rows: payRows, Telephony: ivr.Telephony{Language: money.DeDE, Currency: money.EUR,
		Twilio: &ivr.TwilioSettings{PayConnector: "Stripe_Live", CardConnector: "tonebase"}}}, l)
	sn := callflow.SentencesFor(money.DeDE)
	c := s.call(t, s.env.CID, s.env.DBID, "CAK5")
	c.lookUp("123456", "01021990")
	c.step(keys("1"))
	got := c.result(map[string]string{"Result": "success", "PaymentConfirmationCode": "Z9"})
	sameTwiML(t, got, askWant(c, money.DeDE, 1, "Vielen Dank. Ihre Zahlung über zwölf Euro und fünfzig Cent ist erfolgt.",
		"Ihr Bestätigungscode lautet Z 9.", sn.PayPaidInFull, sn.CardOffer))
	sameTwiML(t, c.step(keys("1")), cardWant(c, money.DeDE, "123456", s.env.DBID, sn.CardAsk))
	sameTwiML(t, c.result(map[string]string{"Result": "success"}), endIn(c, money.DeDE, sn.CardSaved, sn.Goodbye))
	if l.count() != 1 {
		t.Fatalf("payments posted: %d", l.count())
	}
	// A payment not taken is not followed by the offer.
	c = s.call(t, s.env.CID, s.env.DBID, "CAK6")
	c.lookUp("111111", "01011980")
	c.step(keys("1000"))
	sameTwiML(t, c.result(map[string]string{"Result": "input-timeout"}), endIn(c, money.DeDE, sn.PayTimedOut, sn.Goodbye))
}
