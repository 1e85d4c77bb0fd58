package receivepay

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ids lists the customer ids of a GetCustomers answer, in order.
func ids(body string) string {
	var out []string
	for _, m := range regexp.MustCompile(`<customer>\s*<id>(\d+)</id>`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return strings.Join(out, ",")
}

// TestGetCustomersFilters: each filter, sorting with the id as
// tie-breaker, paging, and total_results counting the matches (fix:
// OpenGateway counted every customer of the client whatever the filters).
func TestGetCustomersFilters(t *testing.T) {
	e := newEnv(t)
	add := func(first, last, more string) string {
		e.clock.Add(time.Minute)
		return e.newCustomer(first, last, more)
	}
	a := add("Joe", "Customer", "<company>Acme Ltd</company><city>San Diego</city><state>CA</state><country>USA</country><postal_code>92101</postal_code><internal_id>J-1</internal_id><email>joe@acme.example</email><phone>555-0100</phone>")
	b := add("Paul", "Other", "<address_1>54321 Manitoba St.</address_1><address_2>Unit 6</address_2><city>Winnipeg</city><state>MB</state><country>Canada</country>")
	c := add("carl", "Simpson", "")
	d := add("Joanna", "customer", "<country>United Kingdom</country>")
	gone := add("Gone", "Away", "")
	e.wantCode(e.post("DeleteCustomer", "<customer_id>"+gone+"</customer_id>"), "202")
	plan := tag(e.post("Recur", recurXML(c, visa, "30")), "recurring_id")
	cancelled := tag(e.post("Recur", recurXML(b, visa, "30")), "recurring_id")
	e.wantCode(e.post("CancelRecurring", "<recurring_id>"+cancelled+"</recurring_id>"), "101")
	for _, tc := range []struct{ name, filter, want, total string }{
		{"default: live customers by last name, ascending, then id", "", a + "," + d + "," + b + "," + c, "4"},
		{"desc", "<sort_dir>desc</sort_dir>", c + "," + b + "," + d + "," + a, "4"},
		{"by date", "<sort>date</sort>", a + "," + b + "," + c + "," + d, "4"},
		{"by first name desc", "<sort>first_name</sort><sort_dir>DESC</sort_dir>", b + "," + a + "," + d + "," + c, "4"},
		{"unknown sort is last_name", "<sort>email</sort>", a + "," + d + "," + b + "," + c, "4"},
		{"first_name substring, any case", "<first_name>JO</first_name>", a + "," + d, "2"},
		{"last_name", "<last_name>custom</last_name>", a + "," + d, "2"},
		{"company", "<company>acme</company>", a, "1"},
		{"city", "<city>winni</city>", b, "1"},
		{"phone", "<phone>0100</phone>", a, "1"},
		{"email", "<email>@ACME</email>", a, "1"},
		{"internal_id whole", "<internal_id>J-1</internal_id>", a, "1"},
		{"internal_id is no substring", "<internal_id>J</internal_id>", "", "0"},
		{"address_1 whole", "<address_1>54321 manitoba st.</address_1>", b, "1"},
		{"address_2", "<address_2>Unit 6</address_2>", b, "1"},
		{"state", "<state>mb</state>", b, "1"},
		{"postal_code", "<postal_code>92101</postal_code>", a, "1"},
		{"country by code", "<country>GB</country>", d, "1"},
		{"country by alpha-3", "<country>CAN</country>", b, "1"},
		{"country by name", "<country>united states</country>", a, "1"},
		{"unknown country", "<country>Narnia</country>", "", "0"},
		{"customer_id", "<customer_id>" + c + "</customer_id>", c, "1"},
		{"plan_id", "<plan_id>" + plan + "</plan_id>", c, "1"},
		{"plan_id of a cancelled plan", "<plan_id>" + cancelled + "</plan_id>", "", "0"},
		{"active_recurring 1", "<active_recurring>1</active_recurring>", c, "1"},
		{"active_recurring 0", "<active_recurring>0</active_recurring>", a + "," + d + "," + b, "3"},
		{"deleted", "<deleted>1</deleted>", gone, "1"},
		{"two filters", "<first_name>jo</first_name><country>US</country>", a, "1"},
		{"page", "<offset>1</offset><limit>2</limit>", d + "," + b, "4"},
		{"limit past 100 is 100", "<limit>1000</limit>", a + "," + d + "," + b + "," + c, "4"},
		{"past the end", "<offset>10</offset>", "", "4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := e.post("GetCustomers", tc.filter)
			if got := ids(body); got != tc.want || tag(body, "total_results") != tc.total {
				t.Fatalf("got %s of %s, want %s of %s:\n%s", got, tag(body, "total_results"), tc.want, tc.total, body)
			}
			if n := strings.Count(tc.want, ",") + 1; tc.want != "" && tag(body, "results") != strconv.Itoa(n) {
				t.Fatalf("results %s, want %d", tag(body, "results"), n)
			}
			if tc.want == "" && (strings.Contains(body, "<customers") || tag(body, "results") != "0") {
				t.Fatalf("no match answers results 0 and no customers element:\n%s", body)
			}
		})
	}
}

// TestRecurringLifecycle: what a plan answers as it is made, updated,
// listed and cancelled, and what deleting its customer does to it.
func TestRecurringLifecycle(t *testing.T) {
	e := newEnv(t)
	c := e.newCustomer("Joe", "Customer", "<internal_id>J-1</internal_id>")
	other := e.newCustomer("Ann", "Brown", "")
	inner := recurXML(c, visa, "10")
	inner = strings.Replace(inner, "</recur>", "<start_date>2026-12-05</start_date><occurrences>3</occurrences><notification_url>https://merchant.example/hook</notification_url></recur>", 1)
	id := tag(e.post("Recur", inner), "recurring_id")
	g := e.post("GetRecurring", "<recurring_id>"+id+"</recurring_id>")
	for k, v := range map[string]string{"start_date": "2026-12-05", "next_charge_date": "2026-12-05", "number_occurrences": "3",
		"interval": "10", "amount": "14.95", "status": "active", "card_last_four": "1111",
		"notification_url": "https://merchant.example/hook", "end_date": "", "last_charge_date": ""} {
		if got := tag(g, k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if !strings.Contains(g, "<cancel_date/>") || !strings.Contains(g, "<internal_id>J-1</internal_id>") {
		t.Errorf("GetRecurring:\n%s", g)
	}
	// Two payments later, the last one is known and one is left.
	e.clock.Add(15 * 24 * time.Hour)
	g = e.post("GetRecurring", "<recurring_id>"+id+"</recurring_id>")
	if tag(g, "last_charge_date") != "2026-12-15" || tag(g, "next_charge_date") != "2026-12-25" {
		t.Fatalf("after two payments:\n%s", g)
	}
	e.wantCode(e.post("UpdateRecurring", "<recurring_id>"+id+"</recurring_id><amount>20.00</amount><next_charge_date>2027-01-10</next_charge_date>"+
		"<end_date>2027-06-30</end_date><notification_url></notification_url><recur><interval>7</interval></recur>"), "102")
	g = e.post("GetRecurring", "<recurring_id>"+id+"</recurring_id>")
	for k, v := range map[string]string{"amount": "20.00", "next_charge_date": "2027-01-10", "end_date": "2027-06-30",
		"interval": "7", "number_occurrences": "1", "notification_url": ""} {
		if got := tag(g, k); got != v {
			t.Errorf("after the update %s = %q, want %q:\n%s", k, got, v, g)
		}
	}
	// GetRecurrings: active by default, filters, and the total counts them.
	second := tag(e.post("Recur", recurXML(other, "5555555555554444", "30")), "recurring_id")
	for _, tc := range []struct{ filter, want string }{
		{"", id + "," + second},
		{"<customer_id>" + other + "</customer_id>", second},
		{"<customer_internal_id>J-1</customer_internal_id>", id},
		{"<customer_last_name>brow</customer_last_name>", second},
		{"<amount>14.95</amount>", second},
		{"<sort>amount</sort><sort_dir>desc</sort_dir>", id + "," + second},
		{"<sort>customer_last_name</sort>", second + "," + id},
		{"<created_after>2026-12-17</created_after>", ""},
		{"<created_before>2026-12-17</created_before>", id + "," + second},
		{"<customer_id>99999</customer_id>", ""},
	} {
		body := e.post("GetRecurrings", tc.filter)
		var got []string
		for _, m := range regexp.MustCompile(`<recurring>\s*<id>([0-9A-F]+)</id>`).FindAllStringSubmatch(body, -1) {
			got = append(got, m[1])
		}
		if strings.Join(got, ",") != tc.want {
			t.Errorf("GetRecurrings %s: %v, want %s", tc.filter, got, tc.want)
		}
	}
	// Deleting the customer cancels its plan and deletes its card.
	e.wantCode(e.post("DeleteCustomer", "<customer_id>"+c+"</customer_id>"), "202")
	g = e.post("GetRecurring", "<recurring_id>"+id+"</recurring_id>")
	if tag(g, "status") != "inactive" || tag(g, "cancel_date") == "" || !strings.Contains(g, "<status>deleted</status>") {
		t.Fatalf("after deleting the customer:\n%s", g)
	}
	if b := e.post("GetRecurrings", ""); strings.Contains(b, id) {
		t.Fatalf("a cancelled plan is listed as active:\n%s", b)
	}
	if b := e.post("GetRecurrings", "<active>0</active>"); !strings.Contains(b, id) {
		t.Fatalf("active 0 does not list the cancelled plan:\n%s", b)
	}
	e.wantCode(e.post("UpdateRecurring", "<recurring_id>"+id+"</recurring_id><amount>1.00</amount>"), "1009")
	e.wantCode(e.post("CancelRecurring", "<recurring_id>"+id+"</recurring_id>"), "101")
}

// TestRecurNamesACustomer: with neither customer_id nor <customer>, the
// cardholder becomes the customer; an embedded customer gets the country
// and state rules of NewCustomer; the same card is stored once.
func TestRecurNamesACustomer(t *testing.T) {
	e := newEnv(t)
	card := "<credit_card><card_num>4111-1111-1111-1111</card_num><name>Mary Ann Smith</name><exp_month>12</exp_month><exp_year>30</exp_year></credit_card>" +
		"<amount>5.00</amount><recur><interval>1</interval><start_date>2020-01-01</start_date></recur>"
	r := e.post("Recur", card)
	e.wantCode(r, "100")
	if tag(r, "start_date") != "2026-12-01" {
		t.Errorf("a past start is not today: %s", r)
	}
	c := e.post("GetCustomer", "<customer_id>"+tag(r, "customer_id")+"</customer_id>")
	if tag(c, "first_name") != "Mary Ann" || tag(c, "last_name") != "Smith" {
		t.Fatalf("named customer:\n%s", c)
	}
	r2 := e.post("Recur", "<customer_id>"+tag(r, "customer_id")+"</customer_id>"+card)
	e.wantCode(r2, "100")
	var plans []hfPlan
	e.hipfinity("GET", "/apis/api/RecurringTrans/GetRecurringTrans", "", &plans)
	if len(plans) != 2 || plans[0].PaymentInfoID != plans[1].PaymentInfoID || plans[0].Frequency != "0" {
		t.Fatalf("plans: %+v", plans)
	}
	e.wantCode(e.post("Recur", "<customer><first_name>A</first_name><last_name>B</last_name><country>US</country><state>ZZ</state></customer>"+card), "1012")
}
