package ivr

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
)

// bodyPrintFmt is how the ledger's prints were first written. Entries
// already stored carry prints made this way, and a retry of one of them
// must match: bodyPrint must give the same text for every payment.
func bodyPrintFmt(refs []string, amt int64, method, card, account, caller, platform string) string {
	h := sha256.New()
	for _, v := range refs {
		fmt.Fprintf(h, "%q,", v)
	}
	fmt.Fprintf(h, "%d,%q,%q,%q,%q,%q", amt, method, card, account, caller, platform)
	return hex.EncodeToString(h.Sum(nil))
}

func TestBodyPrintKeepsItsText(t *testing.T) {
	tests := []struct {
		name                                    string
		refs                                    []string
		amt                                     int64
		method, card, account, caller, platform string
	}{
		{"card", []string{"123456", "01021990"}, 1250, MethodCard, "1111", "", "07700900123", PlatformAPI},
		{"bank, one ref", []string{"000123"}, 1, MethodBank, "", "4321", "", "twilio"},
		{"three refs, quotes and escapes", []string{`a"b`, "c\\d", "é\x00\xff"}, 9_999_999_999, MethodOther, "", "", "+441234", "asterisk"},
		{"no refs", nil, 0, "", "", "", "", ""},
		{"long refs", []string{string(make([]byte, 300))}, -5, MethodCash, "", "", "", PlatformAPI},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := bodyPrint(tt.refs, tt.amt, tt.method, tt.card, tt.account, tt.caller, tt.platform)
			want := bodyPrintFmt(tt.refs, tt.amt, tt.method, tt.card, tt.account, tt.caller, tt.platform)
			if got != want {
				t.Fatalf("bodyPrint = %s, want %s as first written", got, want)
			}
		})
	}
}

func FuzzBodyPrintKeepsItsText(f *testing.F) {
	f.Add("123456", "01021990", int64(1250), MethodCard, "1111", "", "07700900123", PlatformAPI)
	f.Add("\xff\"", "", int64(-1), "", "", "", "", "")
	f.Fuzz(func(t *testing.T, r1, r2 string, amt int64, method, card, account, caller, platform string) {
		refs := []string{r1, r2}
		if got, want := bodyPrint(refs, amt, method, card, account, caller, platform), bodyPrintFmt(refs, amt, method, card, account, caller, platform); got != want {
			t.Fatalf("bodyPrint = %s, want %s as first written", got, want)
		}
	})
}

// BenchmarkBodyPrint: a payment's print, as checkPayment makes it
// (Fmt: as first written, for comparison).
func BenchmarkBodyPrint(b *testing.B) {
	refs := []string{"123456", "01021990"}
	for _, bb := range []struct {
		name string
		f    func([]string, int64, string, string, string, string, string) string
	}{{"Strconv", bodyPrint}, {"Fmt", bodyPrintFmt}} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bb.f(refs, 1250, MethodCard, "1111", "", "07700900123", PlatformAPI)
			}
		})
	}
}
