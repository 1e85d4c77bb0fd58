package hipfinity

import (
	"context"
	"strings"
	"testing"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer/vault"
	"github.com/tonebase/tonebase/internal/testkit"
)

// Distinctive secrets, so a match in a few megabytes of ciphertext is not chance.
const (
	leakCard    = "5555555555554444"
	leakCard2   = "378282246310005"
	leakAccount = "98765432109876"
	leakCVV     = "7319"
	leakTrack   = "B5555555555554444^SMIRES/THAMI^30121010000000000000"
	leakPIN     = "0412AC89ABCDEF67"
)

// checkFiles fails the test for each secret found in clear in the store's
// files, and, with encryption at rest, for a customer's name.
func checkFiles(t *testing.T, dir string, secrets []string, atRest bool) {
	t.Helper()
	if atRest {
		secrets = append(secrets, "FirstLEAK")
	}
	found, files, err := testkit.SecretsInFiles(dir, secrets)
	if err != nil || files == 0 {
		t.Fatalf("read %d files: %v", files, err)
	}
	for _, f := range found {
		t.Errorf("%s holds %s in clear", f.File, f.Secret)
	}
}

// TestNoSecretsLeak proves that no card number, account number, CVV, track
// data or PIN block reaches the logs, the files of the store, or any
// response — with Badger's encryption at rest and, to show the vault alone
// suffices, without it.
func TestNoSecretsLeak(t *testing.T) {
	for _, atRest := range []bool{true, false} {
		name := map[bool]string{true: "encrypted at rest", false: "vault only"}[atRest]
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, envOpts{atRest: atRest})
			cust := e.customer(tenantA, "LEAK")
			extra := `"CVV":"` + leakCVV + `","cvv2":"` + leakCVV + `","TrackData":"` + leakTrack + `","Track2":"` + leakTrack +
				`","PinBlock":"` + leakPIN + `","PIN":"` + leakPIN + `"`
			card := e.ok("POST", "/apis/api/PaymentDetails", tenantA, `{"CustomerId":"`+cust+`","PaymentType":"2","CardNumber":"`+
				leakCard+`","ExpDate":"1230",`+extra+`}`)
			e.ok("PUT", "/apis/api/PaymentDetails/"+card, tenantA, `{"CardNumber":"`+leakCard2+`","ExpDate":"1231",`+extra+`}`)
			e.ok("POST", "/apis/api/PaymentDetails", tenantA, `{"CustomerId":"`+cust+`","PaymentType":"2","CardNumber":"`+
				leakCard+`","ExpDate":"1230",`+extra+`}`)
			e.ok("POST", "/apis/api/PaymentDetails", tenantA, `{"CustomerId":"`+cust+`","PaymentType":"3","RoutingNumber":"021000021",
				"AccountNumber":"`+leakAccount+`","AccountType":"1",`+extra+`}`)
			// Refusals of every kind: a duplicate, a bad checksum, bad JSON, a wrong type.
			e.call("POST", "/apis/api/PaymentDetails", tenantA, `{"CustomerId":"`+cust+`","PaymentType":"2","CardNumber":"`+leakCard+`","ExpDate":"1230"}`)
			e.call("POST", "/apis/api/PaymentDetails", tenantA, `{"CustomerId":"`+cust+`","PaymentType":"2","CardNumber":"`+leakCard[:15]+`9","ExpDate":"1230","CVV":"`+leakCVV+`"}`)
			e.call("POST", "/apis/api/PaymentDetails", tenantA, `{"CustomerId":"`+cust+`","PaymentType":"2","CardNumber":"`+leakCard+`",`)
			e.call("POST", "/apis/api/PaymentDetails", tenantA, `{"CustomerId":"`+cust+`","PaymentType":"2","CardNumber":["`+leakCard+`"]}`)
			e.call("POST", "/apis/api/PaymentDetails", tenantA, `["`+leakCard+`"]`)
			e.call("POST", "/apis/api/PaymentDetails", tenantA, `{"CustomerId":"`+cust+`","PaymentType":"3","AccountNumber":"`+leakAccount+`","RoutingNumber":"123"}`)
			e.call("GET", "/apis/api/PaymentDetails/GetPayments?CustomerId="+cust, tenantA, nil)
			e.call("GET", "/apis/api/PaymentDetails/GetPaymentInfo/"+card, tenantA, nil)
			e.call("GET", "/apis/api/RecurringTrans/GetRecurringTrans?CardNumber=4444", tenantA, nil)
			if _, err := e.svc.RotateKeys(); err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.Reencrypt(context.Background()); err != nil {
				t.Fatal(err)
			}
			secrets := []string{leakCard, leakCard2, leakAccount, leakCVV, leakTrack, leakPIN}
			e.mu.Lock()
			responses := e.responses.String()
			e.mu.Unlock()
			for _, s := range secrets {
				if strings.Contains(responses, s) {
					t.Errorf("a response holds %s", s)
				}
				if strings.Contains(e.logs.Scrubbed(), s) {
					t.Errorf("the log holds %s", s)
				}
			}
			if !strings.Contains(responses, "555555xxxx4444") || !strings.Contains(responses, "xxxx9876") {
				t.Error("masked numbers missing from responses: the test did not exercise reads")
			}
			if e.logs.String() == "" {
				t.Error("nothing was logged: the log capture is not wired")
			}
			e.svc.Close()
			if err := e.store.Close(); err != nil {
				t.Fatal(err)
			}
			checkFiles(t, e.dir, secrets, atRest)
			// Reopen so the cleanup's Close has a store to close.
			opts := columndb.Options{Dir: e.dir}
			if atRest {
				opts.EncryptionKey = vault.StoreKey(testMaster)
			}
			var err error
			if e.store, err = columndb.Open(opts); err != nil {
				t.Fatal(err)
			}
		})
	}
}
