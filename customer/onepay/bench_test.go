package onepay

import (
	"testing"
	"time"
)

// BenchmarkParseRequest reads the README's example, a customer with a card,
// into the domain's save.
func BenchmarkParseRequest(b *testing.B) {
	body := []byte(`{"client_ip":"203.0.113.7","customer":{"customer_id":"AUTO","first_name":"Ada","last_name":"Lovelace",` +
		`"email":"ada@example.com","action_code":"1"},"card":{"number":"4111111111111111","expiration_date":"1230","code":"123","action_code":"1"}}`)
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		req, err := ParseRequest(body)
		if err != nil {
			b.Fatal(err)
		}
		if _, ps := read(req, now); len(ps) > 0 {
			b.Fatal(ps)
		}
	}
}
