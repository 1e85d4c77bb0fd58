package ivr

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/money"
)

// kvReference is r as url.QueryEscape would write each pair, read through
// Result's exported accessors only.
func kvReference(r Result) string {
	var pairs []string
	add := func(k, v string) { pairs = append(pairs, k+"="+url.QueryEscape(v)) }
	add("status", r.Status)
	if r.Reason != "" {
		add("reason", r.Reason)
	}
	if rec := &r.Record; rec.Found() {
		if a, ok := rec.Amounts(); ok {
			for _, am := range []struct {
				key   string
				minor int64
			}{{"balance", a.Balance}, {"min_payment", a.MinPayment}, {"max_payment", a.MaxPayment}} {
				add(am.key, money.FormatMinor(am.minor))
				add(am.key+"_minor", strconv.FormatInt(am.minor, 10))
				add(am.key+"_say", string(rec.AppendSay(nil, am.minor)))
			}
		}
		for i, c := range rec.Shown() {
			if v, ok := rec.Value(i); ok {
				add(c.ID, shownText(v))
			}
		}
	}
	if in := r.Input; in != nil {
		add("field", in.Field)
		add("reason", in.Reason)
		add("min", strconv.Itoa(in.Min))
		add("max", strconv.Itoa(in.Max))
	}
	if r.RetryAfter > 0 {
		add("retry_after", strconv.Itoa(r.RetrySeconds()))
	}
	return strings.Join(pairs, "&")
}

func TestKVFormat(t *testing.T) {
	balanceAndName := []Column{
		{ID: "colB", Name: "Balance", Type: columndb.TypeCurrency, IVRField: RoleBalance},
		{ID: "colF", Name: "Name", Type: columndb.TypeText, Visible: true},
	}
	tests := []struct {
		name string
		r    Result
		want string
	}{
		{"found", foundIn(balanceAndName, "1250", "Alice & Bob"),
			"status=found&balance=12.50&balance_minor=1250&balance_say=twelve+pounds+and+fifty+pence" +
				"&min_payment=0.01&min_payment_minor=1&min_payment_say=one+penny" +
				"&max_payment=12.50&max_payment_minor=1250&max_payment_say=twelve+pounds+and+fifty+pence&colF=Alice+%26+Bob"},
		{"not payable", foundIn(balanceAndName, "0"),
			"status=not_payable&reason=no_balance&balance=0.00&balance_minor=0&balance_say=zero+pounds" +
				"&min_payment=0.01&min_payment_minor=1&min_payment_say=one+penny&max_payment=0.00&max_payment_minor=0&max_payment_say=zero+pounds"},
		{"invalid", Result{Status: StatusInvalidInput, Input: &InputError{Field: "ref1", Reason: ReasonTooShort, Min: 6, Max: 6}},
			"status=invalid_input&field=ref1&reason=too_short&min=6&max=6"},
		{"locked", Result{Status: StatusLocked, RetryAfter: 1500 * time.Millisecond}, "status=locked&retry_after=2"},
		{"not found", Result{Status: StatusNotFound}, "status=not_found"},
		{"escapes", as(StatusFound, foundIn(escapedName, "a=b&c d%é\n")), "status=found&colF=a%3Db%26c+d%25%C3%A9%0A"},
		{"in the database's language", foundSpeaking(money.DeDE, money.EUR, balanceAndName[:1], "1250"),
			"status=found&balance=12.50&balance_minor=1250&balance_say=zw%C3%B6lf+Euro+und+f%C3%BCnfzig+Cent" +
				"&min_payment=0.01&min_payment_minor=1&min_payment_say=ein+Cent" +
				"&max_payment=12.50&max_payment_minor=1250&max_payment_say=zw%C3%B6lf+Euro+und+f%C3%BCnfzig+Cent"},
		{"an apostrophe escaped", foundSpeaking(money.FrFR, money.EUR, balanceAndName[:1], "100000000"),
			"status=found&balance=1000000.00&balance_minor=100000000&balance_say=un+million+d%27euros" +
				"&min_payment=0.01&min_payment_minor=1&min_payment_say=un+centime" +
				"&max_payment=1000000.00&max_payment_minor=100000000&max_payment_say=un+million+d%27euros"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(KVFormat{}.AppendResult(nil, tt.r))
			if got != tt.want {
				t.Fatalf("KV = %q\nwant %q", got, tt.want)
			}
			if ref := kvReference(tt.r); got != ref {
				t.Fatalf("KV differs from url.QueryEscape:\n got %s\nwant %s", got, ref)
			}
		})
	}
}

func TestKVError(t *testing.T) {
	tests := []struct{ msg, want string }{
		{"unauthorized", "status=error&error=unauthorized"},
		{"no such database", "status=error&error=no+such+database"},
		// Only spaces are escaped: the answer dialplans have matched since
		// the first release.
		{"ivr: invalid request: database 3 has no ref1", "status=error&error=ivr:+invalid+request:+database+3+has+no+ref1"},
	}
	for _, tt := range tests {
		t.Run(tt.msg, func(t *testing.T) {
			if got := string(KVFormat{}.AppendError(nil, tt.msg)); got != tt.want {
				t.Fatalf("AppendError = %q, want %q", got, tt.want)
			}
		})
	}
}

// FuzzAppendQueryEscape holds the kv format's escaping to url.QueryEscape,
// which is what Asterisk's hashcompat parsing undoes.
func FuzzAppendQueryEscape(f *testing.F) {
	for _, s := range []string{"", "a b", "Alice & Bob", "100%", "£12.50", "a=b&c", "~-_."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(appendQueryEscape(nil, s)), url.QueryEscape(s); got != want {
			t.Fatalf("appendQueryEscape(%q) = %q, want %q", s, got, want)
		}
	})
}

// FuzzKVSay holds the spoken amounts of every language to url.QueryEscape.
func FuzzKVSay(f *testing.F) {
	for _, n := range []int64{1, 1250, 100000000, 2100, -5} {
		f.Add(n, uint8(0))
	}
	f.Fuzz(func(t *testing.T, minor int64, l uint8) {
		lang := money.Languages()[int(l)%len(money.Languages())]
		cols := []Column{{ID: "colB", Name: "Balance", Type: columndb.TypeCurrency, IVRField: RoleBalance}}
		r := foundSpeaking(lang, money.EUR, cols, strconv.FormatInt(minor, 10))
		if got, want := string(KVFormat{}.AppendResult(nil, r)), kvReference(r); got != want {
			t.Fatalf("KV:\n got %s\nwant %s", got, want)
		}
	})
}
