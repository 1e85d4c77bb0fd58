package ivr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// parsePaymentBodyStd is ParsePaymentBody as it was written over
// encoding/json, kept as the oracle FuzzParsePaymentBodyAgrees holds the
// hand parser to.
func parsePaymentBodyStd(body []byte) (PaymentInput, error) {
	var in PaymentInput
	if len(body) > MaxPaymentBody {
		return in, &BodyError{Reason: "too large"}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return in, &BodyError{Reason: "not an object"}
	}
	seen := map[string]bool{}
	in.Refs = map[string]string{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return PaymentInput{}, &BodyError{Reason: "not valid JSON"}
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return PaymentInput{}, &BodyError{Reason: "not valid JSON"}
		}
		name, isRef := refName(key)
		if !isRef {
			name = key
			if !slices.Contains(paymentFields(), name) {
				return PaymentInput{}, &BodyError{Reason: "unknown field"}
			}
		}
		if seen[name] {
			return PaymentInput{}, &BodyError{Field: name, Reason: "given twice"}
		}
		seen[name] = true
		if err := in.setStd(name, isRef, raw); err != nil {
			return PaymentInput{}, err
		}
	}
	if _, err := dec.Token(); err != nil {
		return PaymentInput{}, &BodyError{Reason: "not valid JSON"}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return PaymentInput{}, &BodyError{Reason: "something after it"}
	}
	return in, nil
}

func (in *PaymentInput) setStd(name string, isRef bool, raw json.RawMessage) error {
	if name == "amount" || name == "amount_minor" {
		var n json.Number
		if json.Unmarshal(raw, &n) == nil {
			if name == "amount" {
				in.Amount = n.String()
				return nil
			}
			v, err := strconv.ParseInt(n.String(), 10, 64)
			if err != nil || v == 0 {
				return &BodyError{Field: name, Reason: "minor units"}
			}
			in.AmountMinor = v
			return nil
		}
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil || string(raw) == "null" {
		return &BodyError{Field: name, Reason: "must be a string"}
	}
	return in.setString(name, isRef, s)
}

// strictOnly reports a body the hand parser may refuse where
// encoding/json takes it: invalid UTF-8 or a lone surrogate in a string
// (encoding/json puts U+FFFD in their place), or nesting deeper than the
// upload parser's bound.
func strictOnly(body []byte) bool {
	return !utf8.Valid(body) || bytes.Contains(bytes.ToLower(body), []byte(`\ud`)) ||
		bytes.Count(body, []byte("["))+bytes.Count(body, []byte("{")) > maxDepth
}

// FuzzParsePaymentBodyAgrees: what the hand parser takes, encoding/json
// takes with the same values; what it refuses, encoding/json refuses too,
// but for the strings and depths it is stricter about.
func FuzzParsePaymentBodyAgrees(f *testing.F) {
	for _, s := range []string{
		`{"ref1":"123456","ref2":"01021990","amount":"12.50","reference":"PSP-8842","method":"card","card_last4":"1111","caller":"07700900123"}`,
		`{"COLA":"012345","Ref2":"01021990","amount":12.50,"reference":"r"}`,
		`{"amount_minor":"1250"}`, `{"amount_minor":1250}`, `{"amount_minor":-3}`, `{"amount_minor":12.5}`,
		`{"amount":null}`, `{"amount_minor":null}`, `{"amount":true}`, `{"amount":"1e3"}`, `{"amount":""}`,
		`{"ref\u0031":"1","reference":"a\u00e9\n"}`, `{"reference":"\ud83d\ude00"}`, `{"reference":"\ud83d"}`,
		`{"ref1":"1","REF1":"2"}`, `{"cvv":"123"}`, `[{"ref1":"1"}]`, `{"ref1":"1"} {}`, `{"ref1":"1"`,
		`{"reference":null}`, `{"reference":{"a":[1,2,{}]}}`, `{} `, ` {}`, `{,}`, `{"a":1,}`, `{"ref1":"1"]`,
		"{\"reference\":\"\xff\"}", `{"caller":"0770"  ,  "method" : "card" }`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := ParsePaymentBody(body)
		want, stdErr := parsePaymentBodyStd(body)
		switch {
		case err == nil && stdErr != nil:
			t.Fatalf("%q: taken as %+v, encoding/json refuses it: %v", body, got, stdErr)
		case err == nil && fmt.Sprint(got) != fmt.Sprint(want):
			t.Fatalf("%q: %+v, encoding/json reads %+v", body, got, want)
		case err != nil && stdErr == nil:
			var be *BodyError
			if !errors.As(err, &be) || !strings.HasPrefix(be.Reason, "not valid JSON at byte ") || !strictOnly(body) {
				t.Fatalf("%q: refused (%v), encoding/json takes it as %+v", body, err, want)
			}
		}
	})
}

func BenchmarkParsePaymentBody(b *testing.B) {
	body := []byte(`{"ref1":"123456","ref2":"01021990","amount":"12.50","reference":"PSP-8842","method":"card","card_last4":"1111","caller":"07700900123"}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParsePaymentBody(body); err != nil {
			b.Fatal(err)
		}
	}
}
