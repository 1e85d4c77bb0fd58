package callflow

import (
	"reflect"
	"strings"
	"testing"

	"github.com/tonebase/tonebase/internal/ivrtest"
	"github.com/tonebase/tonebase/internal/money"
	"github.com/tonebase/tonebase/ivr"
)

// TestEveryLanguageHasEverySentence: a language without a table would
// speak English, and an empty sentence would be silence.
func TestEveryLanguageHasEverySentence(t *testing.T) {
	for _, lang := range money.Languages() {
		s, ok := tables[lang]
		if !ok {
			t.Errorf("%s has no sentence table", lang)
			continue
		}
		v := reflect.ValueOf(s)
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if f.IsExported() && f.Type.Kind() == reflect.String && strings.TrimSpace(v.Field(i).String()) == "" {
				t.Errorf("%s: %s is empty", lang, f.Name)
			}
		}
	}
}

func TestFlowInEveryLanguage(t *testing.T) {
	tests := []struct {
		lang                     money.Language
		cur                      money.Currency
		askInvoice, short, found string
	}{
		{money.EnUS, money.USD, "Please enter your 6 digit invoice number, then press hash.",
			"That was 5 digits; your invoice number has 6.", "Your balance is twelve dollars and fifty cents."},
		{money.EsES, money.EUR, "Por favor, introduzca su invoice number de 6 dígitos y pulse la tecla almohadilla.",
			"Ha introducido 5 dígitos; su invoice number tiene 6.", "Su saldo es de doce euros con cincuenta céntimos."},
		{money.EsUS, money.USD, "Por favor, introduzca su invoice number de 6 dígitos y pulse la tecla almohadilla.",
			"Ha introducido 5 dígitos; su invoice number tiene 6.", "Su saldo es de doce dólares con cincuenta centavos."},
		{money.FrFR, money.EUR, "Veuillez saisir votre invoice number à 6 chiffres, puis appuyez sur dièse.",
			"Vous avez saisi 5 chiffres ; votre invoice number en compte 6.", "Votre solde est de douze euros et cinquante centimes."},
		{money.DeDE, money.EUR, "Bitte geben Sie Ihre 6-stellige Invoice Number ein und drücken Sie anschließend die Rautetaste.",
			"Sie haben 5 Ziffern eingegeben; Ihre Invoice Number hat 6.", "Ihr Kontostand beträgt zwölf Euro und fünfzig Cent."},
	}
	for _, tc := range tests {
		t.Run(string(tc.lang), func(t *testing.T) {
			env := ivrtest.New(t, ivrtest.Options{Telephony: ivr.Telephony{Language: tc.lang, Currency: tc.cur}})
			f := New(env.Service)
			turn, err := f.Start(env.CID, env.DBID)
			if err != nil {
				t.Fatal(err)
			}
			if turn.Prompt != tc.askInvoice || turn.Language != tc.lang {
				t.Fatalf("prompt %q in %s, want %q", turn.Prompt, turn.Language, tc.askInvoice)
			}
			turn, _ = f.Step(env.CID, env.DBID, turn.State, Input{Digits: "12345", Present: true})
			if turn.Say[0] != tc.short {
				t.Fatalf("refusal %q, want %q", turn.Say[0], tc.short)
			}
			turn, _ = f.Step(env.CID, env.DBID, turn.State, Input{Digits: "123456", Present: true})
			turn, _ = f.Step(env.CID, env.DBID, turn.State, Input{Digits: "01021990", Present: true})
			if turn.Status != ivr.StatusFound || turn.Say[0] != tc.found {
				t.Fatalf("found says %q, want %q", turn.Say, tc.found)
			}
		})
	}
}

func TestComplete(t *testing.T) {
	env := ivrtest.New(t, ivrtest.Options{})
	f := New(env.Service)
	refs := func(m map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	turn, err := f.Complete(env.CID, env.DBID, refs(map[string]string{"ref1": "123456#", "ref2": "01021990"}), "")
	if err != nil || turn.Status != ivr.StatusFound {
		t.Fatalf("found: %+v %v", turn, err)
	}
	turn, _ = f.Complete(env.CID, env.DBID, refs(map[string]string{"ref1": "123456", "ref2": "0102199"}), "")
	if turn.Status != ivr.StatusInvalidInput || turn.Input.Field != "ref2" || turn.Say[0] != "That was 7 digits; your date of birth has 8." {
		t.Fatalf("short date: %+v", turn)
	}
	turn, _ = f.Complete(env.CID, env.DBID, refs(map[string]string{"ref2": "01021990"}), "")
	if turn.Status != ivr.StatusInvalidInput || turn.Input.Field != "ref1" || turn.Input.Reason != ivr.ReasonMissing {
		t.Fatalf("missing ref1: %+v", turn)
	}
}

func TestNameInASentence(t *testing.T) {
	for name, want := range map[string]string{"Invoice Number": "invoice number", "DOB": "DOB", "Account PIN": "account PIN",
		"A": "a", "Réf Client": "réf client"} {
		if got := sentencesFor(money.EnGB).name(&ivr.Column{Name: name}); got != want {
			t.Errorf("%q in a sentence: %q, want %q", name, got, want)
		}
	}
	if got := sentencesFor(money.DeDE).name(&ivr.Column{Name: "Rechnungsnummer"}); got != "Rechnungsnummer" {
		t.Errorf("German lower-cased a noun: %q", got)
	}
}
