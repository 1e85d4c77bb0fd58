package hipfinity

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tonebase/tonebase/customer"
)

// TestGoldenRefusals holds tonebase's own answers to requests the document
// has no sample for (every kind of refusal, several problems at once, list
// filters, idempotency) byte for byte to testdata/hipfinity/refusals/*.golden.
// Requests name the records made first as {cust}, {card}, {bank}, {plan} and
// {other}; answers are compared with those names back in place of the
// generated ids, the one normalisation. The clock is fixed.
func TestGoldenRefusals(t *testing.T) {
	clk := &clock{t: time.Date(2024, 2, 25, 2, 50, 0, 0, time.UTC)}
	url := goldenServer(t, clk.Now)
	ids := map[string]string{}
	seed := func(name, raw string) {
		status, _, body := sendSample(t, url, raw, ids)
		if status != 200 {
			t.Fatalf("seed %s: %d %s", name, status, body)
		}
		var env Envelope
		if err := json.Unmarshal(body, &env); err != nil {
			t.Fatal(err)
		}
		ids[name] = env.StatusText
	}
	seed("{cust}", "POST /apis/api/Customers\n\n"+`{"CustomerNumber":"SEED","BillingLastName":"Zed","ShippingPhone":"555"}`)
	seed("{other}", "POST /apis/api/Customers\n\n"+`{"CustomerNumber":"OTHER","BillingLastName":"Able"}`)
	seed("{card}", "POST /apis/api/PaymentDetails\n\n"+`{"CustomerId":"{cust}","PaymentType":"2","CardNumber":"4003000123456781","ExpDate":"1230"}`)
	seed("{bank}", "POST /apis/api/PaymentDetails\n\n"+`{"CustomerId":"{cust}","PaymentType":"3","RoutingNumber":"021000021","AccountNumber":"123456","AccountType":"1"}`)
	seed("{plan}", "POST /apis/api/RecurringTrans\n\n"+`{"CustomerId":"{cust}","PaymentInfo_Id":"{card}","PaymentType":"2","PlanType":"1",`+
		`"Frequency":"3","NumberOfPayments":"3","RecurringAmount":"2.50","SwipeFeeAmount":"0.25","EffectiveDate":"3/1/24"}`)
	long := func(n int) string { return strings.Repeat("x", n) }
	const none32, other32 = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
	for _, tc := range []struct{ name, raw string }{
		{"unauthorized", "GET /apis/api/Customers/GetCustomers\nAuthorization: none"},
		{"customer_fields", "POST /apis/api/Customers\n\n" + `{"CustomerNumber":"","BillingState":"Texas","BillingZipCode":"1234",` +
			`"ShippingEmail":"nobody","BillingCity":"` + long(51) + `","BillingAddress":"` + long(101) + `","AccountType":"x"}`},
		{"customer_account_type_range", "POST /apis/api/Customers\n\n" + `{"CustomerNumber":"Z","AccountType":"100"}`},
		{"customer_object_field", "POST /apis/api/Customers\n\n" + `{"CustomerNumber":{"a":1}}`},
		{"customer_objects", "POST /apis/api/Customers\n\n" + `{"CustomerNumber":"","BillingState":"Texas","ShippingCity":["x"],"AccountType":"x"}`},
		{"card_objects", "POST /apis/api/PaymentDetails\n\n" + `{"CustomerId":"{cust}","PaymentType":"2","FullName":"` + long(51) + `","ExpDate":"1","CardNumber":[1]}`},
		{"bank_update_objects", "PUT /apis/api/PaymentDetails/{bank}\n\n" + `{"Id":"` + none32 + `","AccountNumber":{},"Description":"` + long(51) + `"}`},
		{"plan_objects", "POST /apis/api/RecurringTrans\n\n" + `{"RecurringId":"X","SwipeFeeLabel":{"a":1},"InvoiceNumber":"` + long(51) + `","PlanType":"7"}`},
		{"customer_id_on_create", "POST /apis/api/Customers\n\n" + `{"Id":"ABC","CustomerNumber":"x"}`},
		{"customer_id_mismatch", "PUT /apis/api/Customers/{cust}\n\n" + `{"Id":"` + none32 + `"}`},
		{"customer_not_json", "POST /apis/api/Customers\n\nnot json"},
		{"customer_array", "POST /apis/api/Customers\n\n[]"},
		{"customer_number_taken", "POST /apis/api/Customers\n\n" + `{"CustomerNumber":"SEED"}`},
		{"customer_not_found", "PUT /apis/api/Customers/" + none32 + "\n\n" + `{"BillingCity":"X"}`},
		{"customer_bad_id", "GET /apis/api/Customers/GetCustomerInfo/not-an-id"},
		{"card_fields", "POST /apis/api/PaymentDetails\n\n" + `{"CustomerId":"{cust}","PaymentType":"2","CardNumber":"4003000123456782",` +
			`"ExpDate":"1326","RoutingNumber":"1","FullName":"` + long(51) + `","isPrimary":"maybe","ZipCode":"1234567890"}`},
		{"payment_type_bad", "POST /apis/api/PaymentDetails\n\n" + `{"CustomerId":"","PaymentType":"9","isPrimary":"x","Id":"Q"}`},
		{"payment_no_customer", "POST /apis/api/PaymentDetails\n\n" + `{"CustomerId":"` + none32 + `","PaymentType":"2","CardNumber":"4111111111111111","ExpDate":"1230"}`},
		{"bank_fields", "POST /apis/api/PaymentDetails\n\n" + `{"CustomerId":"{cust}","PaymentType":"3","RoutingNumber":"123654789",` +
			`"AccountNumber":"12","AccountType":"7","CardNumber":"4111","BankNumber":"` + long(51) + `"}`},
		{"bank_missing_kind", "POST /apis/api/PaymentDetails\n\n" + `{"CustomerId":"{cust}","PaymentType":"3","RoutingNumber":"021000021","AccountNumber":"12345"}`},
		{"card_duplicate", "POST /apis/api/PaymentDetails\n\n" + `{"CustomerId":"{cust}","PaymentType":"2","CardNumber":"4003000123456781","ExpDate":"1230"}`},
		{"card_update_fields", "PUT /apis/api/PaymentDetails/{card}\n\n" + `{"Id":"` + none32 + `","CustomerId":"` + other32 +
			`","PaymentType":"3","isPrimary":"z","ExpDate":"0099","AccountNumber":"1234"}`},
		{"card_update_type_garbage", "PUT /apis/api/PaymentDetails/{card}\n\n" + `{"PaymentType":"card"}`},
		{"bank_update_routing_only", "PUT /apis/api/PaymentDetails/{bank}\n\n" + `{"RoutingNumber":"021000021"}`},
		{"bank_update_kind_empty", "PUT /apis/api/PaymentDetails/{bank}\n\n" + `{"AccountType":"","ExpDate":"1230"}`},
		{"plan_fields", "POST /apis/api/RecurringTrans\n\n" + `{"RecurringId":"X","SwipeFeeLabel":"` + long(21) + `","PaymentType":"5",` +
			`"PlanType":"7","Frequency":"9","NumberOfPayments":"abc","Unlimited":"maybe","RecurringAmount":"1.005","TotalAmount":"-1",` +
			`"SwipeFeeAmount":"x","EffectiveDate":"13/1/2024"}`},
		{"plan_check_recurring", "POST /apis/api/RecurringTrans\n\n" + `{"CustomerId":"{cust}","PaymentInfo_Id":"{card}","PaymentType":"2","PlanType":"1","EffectiveDate":"1/1/20"}`},
		{"plan_check_installment", "POST /apis/api/RecurringTrans\n\n" + `{"CustomerId":"{cust}","PaymentInfo_Id":"{bank}","PaymentType":"3",` +
			`"PlanType":"2","Unlimited":"1","NumberOfPayments":"0","TotalAmount":"0.01","EffectiveDate":"3/1/24"}`},
		{"plan_refs", "POST /apis/api/RecurringTrans\n\n" + `{"CustomerId":"` + none32 + `","PaymentInfo_Id":"` + other32 +
			`","PlanType":"1","RecurringAmount":"1","NumberOfPayments":"1","EffectiveDate":"3/1/24"}`},
		{"plan_kind_is_bank", "POST /apis/api/RecurringTrans\n\n" + `{"CustomerId":"{cust}","PaymentInfo_Id":"{bank}","PaymentType":"2",` +
			`"PlanType":"1","RecurringAmount":"1","Unlimited":"1","EffectiveDate":"3/1/24"}`},
		{"plan_other_customers_method", "POST /apis/api/RecurringTrans\n\n" + `{"CustomerId":"{other}","PaymentInfo_Id":"{card}","PaymentType":"2",` +
			`"PlanType":"1","RecurringAmount":"1","Unlimited":"1","EffectiveDate":"3/1/24"}`},
		{"plan_update_move", "PUT /apis/api/RecurringTrans/{plan}\n\n" + `{"RecurringId":"` + none32 + `","CustomerId":"{other}"}`},
		{"plan_update", "PUT /apis/api/RecurringTrans/{plan}\n\n" + `{"RecurringAmount":"3.00","InvoiceNumber":"INV-1"}`},
		{"plan_get", "GET /apis/api/RecurringTrans/GetRecurringInfo/{plan}"},
		{"plan_schedule", "GET /apis/api/RecurringTrans/GetSchedule/{plan}"},
		{"plan_due", "GET /apis/api/RecurringTrans/GetDue?Date=4/1/2024"},
		{"plan_due_missing", "GET /apis/api/RecurringTrans/GetDue"},
		{"plan_due_bad", "GET /apis/api/RecurringTrans/GetDue?Date=31/1/2026"},
		{"plans_filter_errors", "GET /apis/api/RecurringTrans/GetRecurringTrans?EffectiveDate=bad&DateCreated=bad&Frequency=9&Active=2" +
			"&Status=0&Amount=x&CardNumber=12&SortExpression=nope&SortDirection=x&PageSize=0"},
		{"plans_filtered", "GET /apis/api/RecurringTrans/GetRecurringTrans?CardNumber=6781&Amount=3.25&Active=1&SortExpression=Amount&SortDirection=DESC"},
		{"payment_delete_charged", "DELETE /apis/api/PaymentDetails/{card}"},
		{"plan_suspend", "PUT /apis/api/RecurringTrans/Suspend?Id={plan}"},
		{"plan_suspend_again", "PUT /apis/api/RecurringTrans/Suspend?id={plan}"},
		{"plan_delete", "DELETE /apis/api/RecurringTrans/{plan}"},
		{"plan_update_cancelled", "PUT /apis/api/RecurringTrans/{plan}\n\n" + `{"RecurringAmount":"3.00"}`},
		{"plan_resume_cancelled", "PUT /apis/api/RecurringTrans/Resume?Id={plan}"},
		{"customers_filter_errors", "GET /apis/api/Customers/GetCustomers?PageSize=0&PageNumber=x&SortDirection=up&SortExpression=nope&CompanyId=abc"},
		{"customers_other_company", "GET /apis/api/Customers/GetCustomers?CompanyId=999"},
		{"customers_sorted", "GET /apis/api/Customers/GetCustomers?sortexpression=BillingLastName&SortDirection=desc&PageSize=1"},
		{"customers_by_phone", "GET /apis/api/Customers/GetCustomers?PhoneNumber=55"},
		{"search_missing", "GET /apis/api/Customers/GetCustomersBySearchCriteria?PageSize=-1"},
		{"search_too_long", "GET /apis/api/Customers/GetCustomersBySearchCriteria?SearchCriteria=" + long(51)},
		{"payments_errors", "GET /apis/api/PaymentDetails/GetPayments?PaymentType=9&PageSize=0"},
		{"payments_all", "GET /apis/api/PaymentDetails/GetPayments?CustomerId={cust}"},
		{"payment_info_wrong_type", "GET /apis/api/PaymentDetails/GetPaymentInfo/{card}?PaymentType=3"},
		{"payment_info_bank", "GET /apis/api/PaymentDetails/GetPaymentInfo/{bank}"},
		{"primary_none", "GET /apis/api/PaymentDetails/GetPrimary?CustomerId={other}&PaymentType=3"},
		{"primary_errors", "GET /apis/api/PaymentDetails/GetPrimary?PaymentType=x"},
		{"idempotency_too_long", "POST /apis/api/Customers\nIdempotency-Key: " + long(256) + "\n\n" + `{"CustomerNumber":"I0"}`},
		{"idempotency_first", "POST /apis/api/Customers\nIdempotency-Key: k1\n\n" + `{"CustomerNumber":"I1"}`},
		{"idempotency_replay", "POST /apis/api/Customers\nIdempotency-Key: k1\n\n" + `{"CustomerNumber":"I1"}`},
		{"idempotency_reused", "POST /apis/api/Customers\nIdempotency-Key: k1\n\n" + `{"CustomerNumber":"I2"}`},
		// Strict input: each refused with a problem naming the field.
		{"body_trailing_data", "POST /apis/api/Customers\n\n" + `{"CustomerNumber":"T1"}{"CustomerNumber":"T2"}`},
		{"body_invalid_utf8", "POST /apis/api/Customers\n\n" + "{\"CustomerNumber\":\"T1\",\"BillingCity\":\"Z\xfcrich\"}"},
		{"body_invalid_utf8_key", "POST /apis/api/Customers\n\n" + "{\"CustomerNumber\":\"T1\",\"Z\xfc\":\"x\"}"},
		{"card_keys_equal_ignoring_case", "POST /apis/api/PaymentDetails\n\n" + `{"CustomerId":"{cust}","PaymentType":"2",` +
			`"CardNumber":"4012888888881881","cardnumber":"5105105105105100","ExpDate":"1230"}`},
		{"customer_number_zero_width", "POST /apis/api/Customers\n\n" + `{"CustomerNumber":"base-1\u200b"}`},
		{"customer_number_control", "POST /apis/api/Customers\n\n" + `{"CustomerNumber":"base\u0007-1"}`},
		{"customer_text_controls", "POST /apis/api/Customers\n\n" + `{"CustomerNumber":"T3","BillingFirstName":"A\tB",` +
			`"ShippingAddress":"1 Main\nSt","BillingLastName":"Smith\u200d"}`},
		{"card_all_zeros", "POST /apis/api/PaymentDetails\n\n" + `{"CustomerId":"{cust}","PaymentType":"2","CardNumber":"0000000000000000","ExpDate":"1230"}`},
		{"card_no_brand", "POST /apis/api/PaymentDetails\n\n" + `{"CustomerId":"{cust}","PaymentType":"2","CardNumber":"0004000123456788","ExpDate":"1230"}`},
		{"plan_unlimited_with_count", "POST /apis/api/RecurringTrans\n\n" + `{"CustomerId":"{cust}","PaymentInfo_Id":"{card}","PaymentType":"2",` +
			`"PlanType":"1","Frequency":"3","RecurringAmount":"1","Unlimited":"1","NumberOfPayments":"12","EffectiveDate":"3/1/24"}`},
		{"plan_start_past_horizon", "POST /apis/api/RecurringTrans\n\n" + `{"CustomerId":"{cust}","PaymentInfo_Id":"{card}","PaymentType":"2",` +
			`"PlanType":"1","Frequency":"0","RecurringAmount":"1","Unlimited":"1","EffectiveDate":"12/31/9999"}`},
		{"plan_due_on_horizon", "GET /apis/api/RecurringTrans/GetDue?Date=12/31/9998"},
		{"plan_due_past_horizon", "GET /apis/api/RecurringTrans/GetDue?Date=1/1/9999"},
		{"customer_delete", "DELETE /apis/api/Customers/{cust}"},
		{"customer_delete_again", "DELETE /apis/api/Customers/{cust}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, header, body := sendSample(t, url, tc.raw, ids)
			var env Envelope
			if tc.name == "idempotency_first" && json.Unmarshal(body, &env) == nil && customer.ValidID(env.StatusText) {
				ids["{new}"] = env.StatusText // the one create that succeeds, and its replay
			}
			answer := unbind(string(body), ids)
			checkGolden(t, filepath.Join("refusals", tc.name), status, header, answer)
		})
	}
}
