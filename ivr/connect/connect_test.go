package connect

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/fasthttp/router"
	"github.com/rs/zerolog"

	"github.com/tonebase/tonebase/internal/ivrtest"
	"github.com/tonebase/tonebase/internal/observe"
	"github.com/tonebase/tonebase/ivr/callflow"
)

// event is an invocation event as Connect sends it, trimmed to what a
// flow's Invoke Lambda block carries.
func event(caller string, params map[string]string) json.RawMessage {
	b, _ := json.Marshal(map[string]any{
		"Name": "ContactFlowEvent",
		"Details": map[string]any{
			"ContactData": map[string]any{
				"Channel": "VOICE", "ContactId": "5ca32fbd-8f92-46af-92a5-6b0f970f0efe", "InitiationMethod": "INBOUND",
				"CustomerEndpoint": map[string]any{"Address": caller, "Type": "TELEPHONE_NUMBER"},
				"SystemEndpoint":   map[string]any{"Address": "+18005550100", "Type": "TELEPHONE_NUMBER"},
			},
			"Parameters": params,
		},
	})
	return b
}

func startConnect(t *testing.T) (*ivrtest.Env, string) {
	t.Helper()
	env := ivrtest.New(t, ivrtest.Options{})
	h := NewHandlers(callflow.New(env.Service), env.Clients, observe.NewEvents(observe.New()), zerolog.Nop())
	r := router.New()
	r.POST("/connect/v1/{cid}/{dbid}/lookup", h.Lookup)
	return env, ivrtest.Serve(t, r.Handler)
}

func TestConnectLookup(t *testing.T) {
	env, base := startConnect(t)
	url := fmt.Sprintf("%s/connect/v1/%d/%d/lookup", base, env.CID, env.DBID)
	f := &Forwarder{URL: url, Key: env.Key, Secret: env.Secret}
	tests := []struct {
		name   string
		params map[string]string
		want   map[string]string
	}{
		{"found by ivr field", map[string]string{"ref1": "123456", "ref2": "01021990"}, map[string]string{
			"status": "found", "balance": "12.50", "balance_minor": "1250", "balance_say": "twelve pounds and fifty pence",
			"min_payment": "5.00", "min_payment_minor": "500", "min_payment_say": "five pounds", "max_payment": "12.50",
			"max_payment_minor": "1250", "max_payment_say": "twelve pounds and fifty pence", "currency": "GBP", "language": "en-GB",
			"message": "Your balance is twelve pounds and fifty pence. The least you may pay is five pounds."}},
		{"found by column id in any case", map[string]string{"colA": "123456#", "COLB": "01021990"}, map[string]string{"status": "found", "balance_minor": "1250"}},
		{"Connect's Timeout", map[string]string{"ref1": "Timeout", "ref2": "01021990"}, map[string]string{
			"status": "invalid_input", "field": "ref1", "reason": "not_digits", "min": "6", "max": "6", "message": "Please use only the number keys."}},
		{"a short invoice", map[string]string{"ref1": "12345", "ref2": "01021990"}, map[string]string{
			"status": "invalid_input", "reason": "too_short", "message": "That was 5 digits; your invoice number has 6."}},
		{"not found", map[string]string{"ref1": "123456", "ref2": "02021990"}, map[string]string{
			"status": "not_found", "message": "We could not find an account with those details."}},
		{"not payable", map[string]string{"ref1": "234567", "ref2": "15081985"}, map[string]string{"status": "not_payable", "reason": "no_balance"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := f.Forward(context.Background(), event("+15005550006", tc.params))
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q (all: %v)", k, got[k], v, got)
				}
			}
			if (tc.want["status"] == "not_found" || tc.want["status"] == "invalid_input") && got["balance"] != "" {
				t.Errorf("amounts in a %s answer", got["status"])
			}
		})
	}
}

func TestConnectCallerIsLockedOut(t *testing.T) {
	env, base := startConnect(t)
	f := &Forwarder{URL: fmt.Sprintf("%s/connect/v1/%d/%d/lookup", base, env.CID, env.DBID), Key: env.Key, Secret: env.Secret}
	// Five misses on different invoices from one number lock that number.
	for i := range 5 {
		got := f.Forward(context.Background(), event("+15005550009", map[string]string{"ref1": fmt.Sprintf("9%05d", i), "ref2": "01021990"}))
		if got["status"] != "not_found" {
			t.Fatalf("miss %d: %v", i+1, got)
		}
	}
	got := f.Forward(context.Background(), event("+15005550009", map[string]string{"ref1": "123456", "ref2": "01021990"}))
	if got["status"] != "locked" || got["retry_after"] == "" {
		t.Fatalf("after five misses: %v", got)
	}
	if got := f.Forward(context.Background(), event("+15005550010", map[string]string{"ref1": "123456", "ref2": "01021990"})); got["status"] != "found" {
		t.Fatalf("another number: %v", got)
	}
}

func TestForwarderErrors(t *testing.T) {
	env, base := startConnect(t)
	ocid, odb, okey, osecret := env.Other(t)
	url := fmt.Sprintf("%s/connect/v1/%d/%d/lookup", base, env.CID, env.DBID)
	ev := event("+15005550006", map[string]string{"ref1": "123456", "ref2": "01021990"})
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	deadAddr := closed.Addr().String()
	closed.Close()
	hang, _ := net.Listen("tcp", "127.0.0.1:0")
	defer hang.Close()
	go func() {
		for {
			c, err := hang.Accept()
			if err != nil {
				return
			}
			defer c.Close() // accepted, never answered
		}
	}()
	short, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	tests := []struct {
		name   string
		ctx    context.Context
		f      Forwarder
		reason string
	}{
		{"a wrong secret", context.Background(), Forwarder{URL: url, Key: env.Key, Secret: "wrong"}, ReasonRefused},
		{"another client's credentials", context.Background(), Forwarder{URL: url, Key: okey, Secret: osecret}, ReasonRefused},
		{"this client on another's database", context.Background(),
			Forwarder{URL: fmt.Sprintf("%s/connect/v1/%d/%d/lookup", base, ocid, odb), Key: env.Key, Secret: env.Secret}, ReasonRefused},
		{"nothing listening", context.Background(), Forwarder{URL: "http://" + deadAddr + "/connect/v1/1/1/lookup", Key: "k", Secret: "s"}, ReasonUnreachable},
		{"no answer before the invocation's deadline", short, Forwarder{URL: "http://" + hang.Addr().String() + "/x", Key: "k", Secret: "s",
			Client: &http.Client{}}, ReasonTimeout},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			got := tc.f.Forward(tc.ctx, ev)
			if got["status"] != "error" || got["reason"] != tc.reason || len(got) != 2 {
				t.Fatalf("%v, want error %s", got, tc.reason)
			}
			if d, ok := tc.ctx.Deadline(); ok && time.Now().After(d) {
				t.Fatalf("answered after the deadline (%v)", time.Since(start))
			}
		})
	}
}
