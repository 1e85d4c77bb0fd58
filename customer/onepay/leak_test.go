package onepay

import (
	"strings"
	"testing"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer/vault"
	"github.com/tonebase/tonebase/internal/testkit"
)

// Distinctive secrets, so a match in a few megabytes of ciphertext is not chance.
const (
	leakCard    = "5555555555554444"
	leakAmex    = "378282246310005"
	leakAccount = "98765432109876"
	leakCVV     = "7319"
	leakTrack   = ";" + leakAmex + "=30121019876543210?"
	leakPIN     = "0412AC89ABCDEF67"
	leakKSN     = "FFFF9876543210E00001"
	leakCheckNo = "481516"
)

// TestNoSecretsLeak: no card number, account number, CVV, track data, PIN
// block, KSN or check number sent to this endpoint reaches the logs, the
// files of the store, or any answer — with Badger's encryption at rest
// and, to show the vault alone suffices, without it.
func TestNoSecretsLeak(t *testing.T) {
	for _, atRest := range []bool{true, false} {
		name := map[bool]string{true: "encrypted at rest", false: "vault only"}[atRest]
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, envOpts{atRest: atRest})
			extra := `,"pin_block":"` + leakPIN + `","ksn":"` + leakKSN + `","cvv":"` + leakCVV + `","auth_code":"` + leakCVV + `"`
			e.ok(tenantA, `{"customer":{"customer_id":"LEAK","first_name":"FirstLEAK","last_name":"L","action_code":"1"},`+
				`"card":{"number":"`+leakCard+`","code":"`+leakCVV[:3]+`","expiration_date":"1230"`+extra+`}}`)
			e.ok(tenantA, `{"customer":{"customer_id":"LEAK"},"card":{"track_data":"`+leakTrack+`","code":"`+leakCVV+`"`+extra+`}}`)
			e.ok(tenantA, `{"customer":{"customer_id":"LEAK"},"card":{"number":"`+leakCard+`","expiration_date":"1230"}}`)
			e.ok(tenantA, `{"customer":{"customer_id":"LEAK"},"check":{"aba_code":"021000021","account_number":"`+leakAccount[:12]+
				`","check_number":"`+leakCheckNo+`"}}`)
			// Refusals of every kind.
			for _, body := range []string{
				`{"customer":{"customer_id":"LEAK"},"card":{"number":"` + leakCard[:15] + `9","code":"` + leakCVV[:3] + `","expiration_date":"1230"}}`,
				`{"customer":{"customer_id":"LEAK"},"card":{"number":"` + leakCard + `","code":"` + leakCVV + `","expiration_date":"1230"}}`,
				`{"customer":{"customer_id":"LEAK"},"card":{"number":"` + leakCard + `","expiration_date":"0120"}}`,
				`{"customer":{"customer_id":"LEAK"},"card":{"track_data":"%B` + leakCard + `^L/F^30121010000000000000?"}}`,
				`{"customer":{"customer_id":"LEAK"},"card":{"number":"` + leakAmex + `","track_data":"` + leakTrack[:1] + leakCard + `=3012?"}}`,
				`{"customer":{"customer_id":"LEAK"},"card":{"number":["` + leakCard + `"]}}`,
				`{"customer":{"customer_id":"LEAK"},"card":{"number":"` + leakCard + `",`,
				`{"customer":{"customer_id":"LEAK"},"card":{"number":"` + leakCard + `","NUMBER":"` + leakAmex + `"}}`,
				`{"customer":{"customer_id":"LEAK"},"check":{"aba_code":"123","account_number":"` + leakAccount + `","check_number":"` + leakCheckNo + `9"}}`,
				`{"customer":{"customer_id":"NOBODY"},"card":{"number":"` + leakCard + `","expiration_date":"1230"}}`,
				`["` + leakCard + `"]`,
			} {
				if out := e.post(tenantA, body); out.Status.ResultCode != resultError {
					t.Fatalf("accepted %s", body)
				}
			}
			e.do("POST", Path, "", `{"customer":{"customer_id":"LEAK"},"card":{"number":"`+leakCard+`"}}`)
			secrets := []string{leakCard, leakAmex, leakAccount[:12], leakCVV, leakTrack, leakPIN, leakKSN, leakCheckNo}
			e.mu.Lock()
			responses := e.responses.String()
			e.mu.Unlock()
			for _, s := range secrets {
				if strings.Contains(responses, s) {
					t.Errorf("an answer holds %s", s)
				}
				if strings.Contains(e.logs.Scrubbed(), s) {
					t.Errorf("the log holds %s", s)
				}
			}
			if !strings.Contains(responses, `"account_last_4":"4444"`) || !strings.Contains(responses, `"account_last_4":"0005"`) {
				t.Error("last fours missing from the answers: the test did not store the cards")
			}
			if e.logs.String() == "" {
				t.Error("nothing was logged: the log capture is not wired")
			}
			if err := e.store.Close(); err != nil {
				t.Fatal(err)
			}
			if atRest {
				secrets = append(secrets, "FirstLEAK") // the customer's name, which encryption at rest hides
			}
			found, files, err := testkit.SecretsInFiles(e.dir, secrets)
			if err != nil || files == 0 {
				t.Fatalf("read %d files: %v", files, err)
			}
			for _, f := range found {
				t.Errorf("%s holds %s in clear", f.File, f.Secret)
			}
			// Reopen so the cleanup's Close has a store to close.
			opts := columndb.Options{Dir: e.dir}
			if atRest {
				opts.EncryptionKey = vault.StoreKey(testMaster)
			}
			if e.store, err = columndb.Open(opts); err != nil {
				t.Fatal(err)
			}
		})
	}
}
