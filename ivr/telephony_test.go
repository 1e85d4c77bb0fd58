package ivr

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/money"
)

func TestTelephonySettings(t *testing.T) {
	tests := []struct {
		name     string
		in       Telephony
		problems []string // the fields at fault
	}{
		{"defaults", Telephony{}, nil},
		{"every setting", Telephony{Language: money.DeDE, Currency: money.EUR,
			Twilio: &TwilioSettings{RedirectURL: "https://pay.example.com/twilio?x=1"},
			AGI:    &AGISettings{Prompts: map[string]string{"ref1": "custom/invoice", "ref2": "dob-8"}}}, nil},
		{"unknown language and currency", Telephony{Language: "en-AU", Currency: "AUD"}, []string{"language", "currency"}},
		{"relative redirect", Telephony{Twilio: &TwilioSettings{RedirectURL: "/pay"}}, []string{"twilio.redirect_url"}},
		{"redirect with credentials", Telephony{Twilio: &TwilioSettings{RedirectURL: "https://u:p@pay.example.com/"}}, []string{"twilio.redirect_url"}},
		{"a pay connector", Telephony{Twilio: &TwilioSettings{PayConnector: "Stripe_Live-1"}}, nil},
		{"a pay connector beside a redirect", Telephony{Twilio: &TwilioSettings{PayConnector: "Default", RedirectURL: "https://pay.example.com/"}}, nil},
		{"a card connector", Telephony{Twilio: &TwilioSettings{CardConnector: "tonebase"}}, nil},
		{"a card connector name with a slash", Telephony{Twilio: &TwilioSettings{CardConnector: "a/b"}}, []string{"twilio.card_connector"}},
		{"a pay connector name with a space", Telephony{Twilio: &TwilioSettings{PayConnector: "my connector"}}, []string{"twilio.pay_connector"}},
		{"a pay connector name with a quote", Telephony{Twilio: &TwilioSettings{PayConnector: `a"b`}}, []string{"twilio.pay_connector"}},
		{"a long pay connector name", Telephony{Twilio: &TwilioSettings{PayConnector: strings.Repeat("a", 65)}}, []string{"twilio.pay_connector"}},
		{"redirect of another scheme", Telephony{Twilio: &TwilioSettings{RedirectURL: "ftp://pay.example.com/"}}, []string{"twilio.redirect_url"}},
		{"prompt for no ref", Telephony{AGI: &AGISettings{Prompts: map[string]string{"balance": "x"}}}, []string{"agi.prompts"}},
		{"prompt that would write an AGI command", Telephony{AGI: &AGISettings{Prompts: map[string]string{"ref1": "beep\nHANGUP"}}}, []string{"agi.prompts.ref1"}},
		{"prompt with a space", Telephony{AGI: &AGISettings{Prompts: map[string]string{"ref1": "a b"}}}, []string{"agi.prompts.ref1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, cat, _ := newTestCatalog(t, guideColumns())
			db, err := cat.Create(1234, DatabaseSpec{Description: "Calls", Columns: guideColumns(), Telephony: tc.in})
			var se *columndb.SchemaError
			if tc.problems != nil {
				if !errors.As(err, &se) {
					t.Fatalf("err = %v, want problems with %v", err, tc.problems)
				}
				var fields []string
				for _, p := range se.Problems {
					fields = append(fields, p.Field)
				}
				if !slices.Equal(fields, tc.problems) {
					t.Fatalf("problems %v, want %v", fields, tc.problems)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := tc.in
			want.normalize()
			got, err := cat.Get(1234, db.DBID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Language != want.Language || got.Currency != want.Currency {
				t.Fatalf("stored %s %s, want %s %s", got.Language, got.Currency, want.Language, want.Currency)
			}
			if (want.Twilio == nil) != (got.Twilio == nil) || want.Twilio != nil && *got.Twilio != *want.Twilio {
				t.Fatalf("twilio %+v, want %+v", got.Twilio, want.Twilio)
			}
			if (want.AGI == nil) != (got.AGI == nil) || want.AGI != nil && len(got.AGI.Prompts) != len(want.AGI.Prompts) {
				t.Fatalf("agi %+v, want %+v", got.AGI, want.AGI)
			}
		})
	}
}

func TestCallScript(t *testing.T) {
	s, dbid := newTestService(t)
	sc, err := s.CallScript(1234, dbid)
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Refs) != 2 || sc.Refs[0].IVRField != RoleRef1 || sc.Refs[1].IVRField != RoleRef2 || !sc.HasMinimum || !sc.HasMaximum {
		t.Fatalf("script %+v", sc)
	}
	if sc.Language != money.EnGB || sc.Currency != money.GBP {
		t.Fatalf("defaults %s %s", sc.Language, sc.Currency)
	}
	if _, err := s.CallScript(1234, dbid+1); !errors.Is(err, ErrNoDatabase) {
		t.Fatalf("unknown database: %v", err)
	}
	if _, err := s.CallScript(4321, dbid); !errors.Is(err, ErrNoDatabase) {
		t.Fatalf("another client's database: %v", err)
	}
}

// TestAmountsUploadedInTheDatabaseCurrency: a German euro database takes
// €12,50 and 1.234,56 € from a CSV import and a JSON upload alike, refuses
// pounds, and its caller hears euros.
func TestAmountsUploadedInTheDatabaseCurrency(t *testing.T) {
	_, cat, _ := newTestCatalog(t, guideColumns())
	store := cat.store
	db, err := cat.Create(1234, DatabaseSpec{Description: "Schuldner", Columns: guideColumns(), Telephony: Telephony{Language: money.DeDE, Currency: money.EUR}})
	if err != nil {
		t.Fatal(err)
	}
	s := NewService(store, cat, fakeClients{}, Config{})
	t.Cleanup(s.Close)
	res, err := s.Import(1234, db.DBID, FormatCSV, strings.NewReader("123456,01021990,\"€12,50\",\"5,00 €\",\"1.234,56 €\"\n234567,01021990,£12.50\n345678,01021990,1250\n"), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Inserted != 2 || len(res.Invalid) != 1 || res.Invalid[0].Line != 2 || !strings.Contains(res.Invalid[0].Error, "EUR") {
		t.Fatalf("import: %+v", res)
	}
	look := func(ref1 string) Result {
		r, err := s.Lookup(1234, db.DBID, Query{Param: func(n string) (string, bool) {
			switch n {
			case "ref1":
				return ref1, true
			case "ref2":
				return "01021990", true
			}
			return "", false
		}})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := look("123456")
	a, _ := r.Record.Amounts()
	if a.Balance != 1250 || a.MinPayment != 500 || a.MaxPayment != 123456 {
		t.Fatalf("amounts %+v", a)
	}
	if got := string(r.Record.AppendSay(nil, a.Balance)); got != "zwölf Euro und fünfzig Cent" {
		t.Fatalf("say %q", got)
	}
	r = look("345678")
	if a, _ := r.Record.Amounts(); a.Balance != 1250 {
		t.Fatalf("a bare number is cents: %+v", a)
	}
	got, err := cat.Get(1234, db.DBID)
	if err != nil || got.Columns[2] != guideColumns()[2] {
		t.Fatalf("the view's column %+v is not as defined", got.Columns[2])
	}
}
