package ivr

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/money"
)

// Telephony is how a database's calls sound and end when tonebase runs
// them itself (Twilio, VoiceXML, FastAGI): the language of its sentences
// and amounts, the currency of its amounts, and each platform's own
// settings. It is part of the database's definition.
type Telephony struct {
	Language money.Language  `json:"language,omitempty"`
	Currency money.Currency  `json:"currency,omitempty"`
	Twilio   *TwilioSettings `json:"twilio,omitempty"`
	AGI      *AGISettings    `json:"agi,omitempty"`
}

// TwilioSettings are a database's Twilio call settings.
type TwilioSettings struct {
	// RedirectURL, if set, is where a call goes once the caller is looked
	// up, carrying the outcome: the merchant's own payment step.
	RedirectURL string `json:"redirect_url,omitempty"`
	// PayConnector, if set, is the unique name of a Pay Connector in the
	// merchant's Twilio account: a found caller may then pay by card in
	// the call itself, through Twilio's <Pay>, and the payment is posted
	// to the database before the call ends.
	PayConnector string `json:"pay_connector,omitempty"`
	// CardConnector, if set, is the unique name of the Generic Pay
	// Connector in the merchant's Twilio account that points at tonebase's
	// own (/pay/v1/{cid}/twilio-connector): a found caller is then offered
	// to keep a card on file, which tonebase's vault stores under their ref1.
	CardConnector string `json:"card_connector,omitempty"`
}

// maxConnectorName bounds a Pay Connector's unique name.
const maxConnectorName = 64

// connectorName reports whether s can be a Pay Connector's unique name as
// the Twilio console takes one: letters, digits, '-' and '_'.
func connectorName(s string) bool {
	if s == "" || len(s) > maxConnectorName {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// AGISettings are a database's Asterisk settings.
type AGISettings struct {
	// Prompts are the sound files played before each ref, by ivr field.
	Prompts map[string]string `json:"prompts,omitempty"`
}

// The table attributes a database's telephony settings are stored under.
const (
	attrLanguage = "language"
	attrCurrency = "currency"
	attrTwilio   = "twilio"
	attrAGI      = "agi"
)

// normalize fills the defaults: a UK-born product speaks British English
// in pounds.
func (t *Telephony) normalize() {
	if t.Language == "" {
		t.Language = money.EnGB
	}
	if t.Currency == "" {
		t.Currency = money.GBP
	}
	if t.Twilio != nil {
		t.Twilio.RedirectURL = strings.TrimSpace(t.Twilio.RedirectURL)
		t.Twilio.PayConnector = strings.TrimSpace(t.Twilio.PayConnector)
		t.Twilio.CardConnector = strings.TrimSpace(t.Twilio.CardConnector)
		if t.Twilio.RedirectURL == "" && t.Twilio.PayConnector == "" && t.Twilio.CardConnector == "" {
			t.Twilio = nil
		}
	}
	if t.AGI != nil && len(t.AGI.Prompts) == 0 {
		t.AGI = nil
	}
}

// check lists what is wrong with the settings, each problem naming its
// field as the admin API spells it.
func (t *Telephony) check() []columndb.Problem {
	var p []columndb.Problem
	add := func(field, code, format string, args ...any) {
		p = append(p, columndb.Problem{Field: field, Code: code, Reason: fmt.Sprintf(format, args...)})
	}
	if !t.Language.Known() {
		add("language", columndb.CodeInvalid, "language %q must be one of %s", t.Language, columndb.List(money.Languages()))
	}
	if !t.Currency.Known() {
		add("currency", columndb.CodeInvalid, "currency %q must be one of %s", t.Currency, columndb.List(money.Currencies()))
	}
	if t.Twilio != nil && t.Twilio.RedirectURL != "" {
		u, err := url.Parse(t.Twilio.RedirectURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.Fragment != "" {
			add("twilio.redirect_url", columndb.CodeInvalid, "redirect_url must be an absolute http or https URL without credentials or fragment")
		}
	}
	if t.Twilio != nil && t.Twilio.PayConnector != "" && !connectorName(t.Twilio.PayConnector) {
		add("twilio.pay_connector", columndb.CodeInvalid, "pay_connector must be the connector's unique name in the Twilio console: 1 to %d letters, digits, - and _", maxConnectorName)
	}
	if t.Twilio != nil && t.Twilio.CardConnector != "" && !connectorName(t.Twilio.CardConnector) {
		add("twilio.card_connector", columndb.CodeInvalid, "card_connector must be the connector's unique name in the Twilio console: 1 to %d letters, digits, - and _", maxConnectorName)
	}
	if t.AGI != nil {
		for k, v := range t.AGI.Prompts {
			if !Role(k).IsRef() {
				add("agi.prompts", columndb.CodeInvalid, "prompts are named by ref1, ref2 or ref3, not %q", k)
			}
			if !soundName(v) {
				add("agi.prompts."+k, columndb.CodeInvalid, "a sound file is letters, digits and - _ . /, at most 200 of them")
			}
		}
	}
	return p
}

// soundName reports whether s can be sent to Asterisk as a sound file's
// name: AGI commands are lines of space-separated words, so a name with a
// space, a quote or a newline would write a command of its own.
func soundName(s string) bool {
	if s == "" || len(s) > 200 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_./", c) >= 0) {
			return false
		}
	}
	return true
}

// attrs is how the settings are stored with the table.
func (t Telephony) attrs() (columndb.Attrs, error) {
	m := map[string]json.RawMessage{}
	put := func(name string, v any) error {
		b, err := json.Marshal(v)
		m[name] = b
		return err
	}
	if err := put(attrLanguage, t.Language); err != nil {
		return columndb.Attrs{}, err
	}
	if err := put(attrCurrency, t.Currency); err != nil {
		return columndb.Attrs{}, err
	}
	if t.Twilio != nil {
		if err := put(attrTwilio, t.Twilio); err != nil {
			return columndb.Attrs{}, err
		}
	}
	if t.AGI != nil {
		if err := put(attrAGI, t.AGI); err != nil {
			return columndb.Attrs{}, err
		}
	}
	return columndb.MakeAttrs(m)
}

// telephonyOf reads a table's settings back; a table stored before it had
// any speaks the defaults.
func telephonyOf(t *columndb.Table) Telephony {
	var out Telephony
	m := t.Attrs.Map()
	// What is stored is what attrs wrote: a value that no longer reads is
	// left at its default rather than failing every call.
	if v, ok := m[attrLanguage]; ok {
		_ = json.Unmarshal(v, &out.Language)
	}
	if v, ok := m[attrCurrency]; ok {
		_ = json.Unmarshal(v, &out.Currency)
	}
	if v, ok := m[attrTwilio]; ok {
		out.Twilio = &TwilioSettings{}
		_ = json.Unmarshal(v, out.Twilio)
	}
	if v, ok := m[attrAGI]; ok {
		out.AGI = &AGISettings{}
		_ = json.Unmarshal(v, out.AGI)
	}
	out.normalize()
	return out
}

// CallScript is what a platform running the caller's side of a call needs
// of a database: the refs to ask for, in order, which amounts it holds,
// and how it speaks.
type CallScript struct {
	Refs       []Column // ref1, ref2, ref3 as defined; copies
	HasMinimum bool     // a min_payment column exists
	HasMaximum bool     // a max_payment column exists
	Telephony
}

// CallScript returns the call script of a client's database.
func (s *Service) CallScript(cid, dbid int64) (CallScript, error) {
	t, err := s.catalog.Table(cid, dbid)
	if err != nil {
		return CallScript{}, err
	}
	sc := schemaOf(t)
	out := CallScript{Telephony: telephonyOf(t)}
	for _, pos := range sc.refs {
		out.Refs = append(out.Refs, sc.cols[pos])
	}
	_, out.HasMinimum = roleColumn(t, RoleMinPayment)
	_, out.HasMaximum = roleColumn(t, RoleMaxPayment)
	if len(out.Refs) == 0 {
		return CallScript{}, fmt.Errorf("%w: database %d has no ref1 column to look callers up by", ErrInvalid, dbid)
	}
	return out, nil
}
