package onepay

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/onepay/*.golden with tonebase's answers")

// goldenDir holds one file per step: the request sent and tonebase's exact answer.
const goldenDir = "../../testdata/onepay"

// goldenStep is one request of the golden sequence. {token:STEP} in body
// stands for the token step STEP was answered, and answers write every
// token so, by the first step that answered it: the files hold which
// method each request names, and that a token stays the same.
type goldenStep struct {
	name, key, body string
	// sub is the sub code the answer must carry.
	sub string
}

// The customer fields of the document's table, every one sent.
const fullCustomer = `"first_name":"Ada","last_name":"Lovelace","street_1":"12 St James's Square","street_2":"Flat 3",` +
	`"city":"Springfield","state":"IL","zip":"62701","country":"US","phone_number":"2175550123","company":"Analytical Engines",` +
	`"email":"ada@example.com","email_receipt":"1","notes":"Prefers email"`

func goldenSteps() []goldenStep {
	return []goldenStep{
		// Customer action codes.
		{"customer_add_auto", tenantA, `{"client_ip":"203.0.113.7","customer":{"customer_id":"AUTO",` + fullCustomer + `,"action_code":"1"}}`, subOK},
		{"customer_update", tenantA, `{"customer":{"customer_id":"100000","city":"Chicago","action_code":"1"}}`, subOK},
		{"customer_add_own_id_abroad", tenantA, `{"customer":{"customer_id":"CID001","first_name":"Kanishk","last_name":"Singh",` +
			`"street_1":"1 MG Road","city":"Bengaluru","state":"Karnataka","zip":"560001","country":"India","phone_number":"+91 80 4123 4567","action_code":1}}`, subOK},
		{"customer_action2_new", tenantA, `{"customer":{"customer_id":"CID002","first_name":"Thami","last_name":"Smires","action_code":"2"}}`, subOK},
		{"customer_action2_existing", tenantA, `{"customer":{"customer_id":"CID001","first_name":"Changed","last_name":"Name","action_code":"2"}}`, subCustomerKept},
		{"customer_action3_new", tenantA, `{"customer":{"customer_id":"CID003","first_name":"Grace","last_name":"Hopper","action_code":"3"}}`, subOK},
		{"customer_action3_existing", tenantA, `{"customer":{"customer_id":"CID003","first_name":"Grace","last_name":"Hopper","action_code":"3"}}`, subCustomerExists},
		{"customer_no_action", tenantA, `{"customer":{"customer_id":"CID003","first_name":"Not","last_name":"Changed"}}`, subOK},
		{"customer_action_unknown", tenantA, `{"customer":{"customer_id":"CID003","first_name":"Not","action_code":"7"}}`, subActionCode},
		// Cards.
		{"card_add_with_customer", tenantA, `{"customer":{"customer_id":"CID004","first_name":"Alan","last_name":"Turing","action_code":"1"},` +
			`"card":{"number":"4111 1111 1111 1111","code":"123","expiration_date":"1228","action_code":"1"}}`, subOK},
		{"card_add_to_stored_customer", tenantA, `{"customer":{"customer_id":"CID004"},"card":{"number":"5555555555554444","code":"321","expiration_date":"0627"}}`, subOK},
		{"card_again", tenantA, `{"customer":{"customer_id":"CID004"},"card":{"number":"4111111111111111","expiration_date":"1228"}}`, subMethodStored},
		{"card_track2", tenantA, `{"customer":{"customer_id":"CID004"},"card":{"track_data":";378282246310005=30121010000000000000?","code":"1234","entry_mode":"91","pin_block":"0412AC89ABCDEF67","ksn":"FFFF9876543210E00001"}}`, subOK},
		{"card_by_token_made_default", tenantA, `{"customer":{"customer_id":"CID004"},"card":{"token":"{token:card_add_to_stored_customer}","expiration_date":"0729","action_code":"1"}}`, subOK},
		{"card_with_action2_existing", tenantA, `{"customer":{"customer_id":"CID004","first_name":"Kept","action_code":"2"},"card":{"number":"6011111111111117","expiration_date":"1230"}}`, subCustomerKept},
		{"card_again_with_action2_existing", tenantA, `{"customer":{"customer_id":"CID004","action_code":"2"},"card":{"number":"6011111111111117","expiration_date":"1230"}}`, subKeptAndStored},
		{"card_delete_token", tenantA, `{"customer":{"customer_id":"CID004","action_code":"4"},"card":{"token":"{token:card_track2}"}}`, subOK},
		{"card_delete_token_of_another_customer", tenantA, `{"customer":{"customer_id":"CID002","action_code":"4"},"card":{"token":"{token:card_add_with_customer}"}}`, subUnknownToken},
		{"another_client_has_the_same_customer_id", tenantB, `{"customer":{"customer_id":"CID004","action_code":"1","first_name":"Alan","last_name":"Turing"}}`, subOK},
		{"card_delete_token_of_another_client_refused", tenantB, `{"customer":{"customer_id":"CID004","action_code":"4"},"card":{"token":"{token:card_add_with_customer}"}}`, subUnknownToken},
		{"card_delete_without_token", tenantA, `{"customer":{"customer_id":"CID004","action_code":"4"}}`, subRequired},
		{"card_for_no_customer", tenantA, `{"customer":{"customer_id":"NOBODY"},"card":{"number":"4111111111111111","expiration_date":"1228"}}`, subNoCustomer},
		// Checks.
		{"check_add", tenantA, `{"customer":{"customer_id":"CID003"},"check":{"aba_code":"021000021","account_number":"12345678",` +
			`"account_type":"1","bank_name":"First Bank","check_number":"000123","sec_code":"2","action_code":"1"}}`, subOK},
		{"check_add_business_with_customer", tenantA, `{"customer":{"customer_id":"CID005","first_name":"Edsger","last_name":"Dijkstra","action_code":"3"},` +
			`"check":{"aba_code":"011000015","account_number":"987654321012","account_type":"2","sec_code":"0"}}`, subOK},
		{"check_again", tenantA, `{"customer":{"customer_id":"CID003"},"check":{"aba_code":"021000021","account_number":"12345678","account_type":"1"}}`, subMethodStored},
		{"check_by_token", tenantA, `{"customer":{"customer_id":"CID003"},"check":{"token":"{token:check_add}","bank_name":"Second Bank","sec_code":"1"}}`, subOK},
		{"check_delete_token", tenantA, `{"customer":{"customer_id":"CID003","action_code":"4"},"check":{"token":"{token:check_add}"}}`, subOK},
		// Refusals.
		{"unauthenticated", "", `{"customer":{"customer_id":"CID001"}}`, subUnauthenticated},
		{"wrong_key", "keyA:wrong", `{"customer":{"customer_id":"CID001"}}`, subUnauthenticated},
		{"not_json", tenantA, `{"customer":{"customer_id":"CID001"}`, subMalformed},
		{"field_twice", tenantA, `{"customer":{"customer_id":"CID001","First_Name":"A","first_name":"B"}}`, subMalformed},
		{"wrong_type", tenantA, `{"customer":"CID001"}`, subWrongType},
		{"card_and_check", tenantA, `{"customer":{"customer_id":"CID001"},"card":{"number":"4111111111111111","expiration_date":"1228"},"check":{"aba_code":"021000021","account_number":"12345678"}}`, subCardAndCheck},
		{"many_problems", tenantA, `{"client_ip":"not an ip","customer":{"customer_id":"CID 006","first_name":"` + strings.Repeat("x", 51) + `",` +
			`"email":"nobody","zip":"1234","phone_number":"555-0123","email_receipt":"maybe","action_code":"1"},` +
			`"card":{"number":"4111111111111112","code":"12","expiration_date":"0120","action_code":"2"}}`, subInvalid},
		{"us_zip_and_phone", tenantA, `{"customer":{"customer_id":"CID007","first_name":"A","last_name":"B","zip":"560001","phone_number":"55501234","action_code":"1"}}`, subInvalid},
		{"names_required_for_a_new_customer", tenantA, `{"customer":{"customer_id":"CID008","action_code":"1"}}`, subRequired},
	}
}

var (
	goldenToken = regexp.MustCompile(`"token":"([0-9]{16})"`)
	stepToken   = regexp.MustCompile(`\{token:([a-z0-9_]+)\}`)
)

// TestGolden sends the sequence over a real listener and compares each
// request and answer, byte for byte, with testdata/onepay/NAME.golden.
func TestGolden(t *testing.T) {
	e := newEnv(t, envOpts{})
	tokens := map[string]string{} // step → the token it answered
	names := map[string]string{}  // token → the first step that answered it
	for _, st := range goldenSteps() {
		body := stepToken.ReplaceAllStringFunc(st.body, func(m string) string {
			tok, ok := tokens[stepToken.FindStringSubmatch(m)[1]]
			if !ok {
				t.Fatalf("%s: %s answered no token", st.name, m)
			}
			return tok
		})
		r := e.do("POST", Path, st.key, body)
		answer := string(r.body)
		if m := goldenToken.FindStringSubmatch(answer); m != nil {
			tokens[st.name] = m[1]
			if _, ok := names[m[1]]; !ok {
				names[m[1]] = st.name
			}
		}
		answer = goldenToken.ReplaceAllStringFunc(answer, func(m string) string {
			return fmt.Sprintf(`"token":"{token:%s}"`, names[goldenToken.FindStringSubmatch(m)[1]])
		})
		t.Run(st.name, func(t *testing.T) {
			var out Response
			if err := json.Unmarshal(r.body, &out); err != nil {
				t.Fatalf("answer is not JSON: %s", r.body)
			}
			if out.Status.ResultSubCode != st.sub {
				t.Errorf("sub code %s, want %s: %s", out.Status.ResultSubCode, st.sub, out.Status.ResultText)
			}
			key := st.key
			if key == "" {
				key = "none"
			}
			checkGolden(t, st.name, "POST "+Path+"\n"+Header+": "+key+"\n\n"+st.body+"\n", r.status, r.header, answer)
		})
	}
}

// checkGolden compares the request, the status, the headers the API sets
// and the answer with NAME.golden, byte for byte.
func checkGolden(t *testing.T, name, request string, status int, h http.Header, body string) {
	t.Helper()
	var b strings.Builder
	b.WriteString(request + "\n")
	fmt.Fprintf(&b, "%d\n", status)
	var keys []string
	for k := range h {
		if k != "Date" && k != "Content-Length" && k != "X-Request-Id" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %s\n", k, strings.Join(h[k], ", "))
	}
	b.WriteString("\n" + body + "\n")
	path := filepath.Join(goldenDir, name+".golden")
	if *update {
		if err := os.MkdirAll(goldenDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./customer/onepay -run TestGolden -update)", err)
	}
	if string(want) != b.String() {
		t.Errorf("answer differs from %s:\ngot\n%s\nwant\n%s", path, b.String(), want)
	}
}
