package twilio

import (
	"testing"
)

func TestSignatureAgreesWithTwilio(t *testing.T) {
	p := twilioPeer(t)
	const token = "12345"
	tests := []struct {
		name   string
		url    string
		params map[string]string
	}{
		{"Twilio's documented example", "https://mycompany.com/myapp.php?foo=1&bar=2",
			map[string]string{"CallSid": "CA1234567890ABCDE", "Caller": "+12349013030", "Digits": "1234", "From": "+12349013030", "To": "+18005551212"}},
		{"no parameters", "https://ivr.example.com/twilio/v1/1001/1/voice", nil},
		{"a state in the query", "https://ivr.example.com/twilio/v1/1001/1/voice?s=AbC-_09",
			map[string]string{"Digits": "", "CallSid": "CA1"}},
		{"non-ASCII values", "http://127.0.0.1:8080/twilio/v1/1001/1/voice",
			map[string]string{"CallerName": "Zoë Ñúñez", "FromCity": "MÜNCHEN"}},
		{"names that sort by byte", "http://h/x", map[string]string{"a": "1", "B": "2", "_": "3", "A": "4"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := p.sign(t, token, tc.url, tc.params)
			var params []Param
			for k, v := range tc.params {
				params = append(params, Param{k, v})
			}
			if got := Signature(token, tc.url, params); got != want {
				t.Fatalf("Signature = %s, Twilio signs %s", got, want)
			}
			if !Valid(token, tc.url, params, want) {
				t.Fatal("Twilio's signature refused")
			}
			// One byte changed anywhere refuses it.
			if Valid(token, tc.url+"x", params, want) {
				t.Error("a longer URL accepted")
			}
			if Valid(token, "https"+tc.url[4:], params, want) && tc.url[:5] == "http:" {
				t.Error("another scheme accepted")
			}
			if Valid("12346", tc.url, params, want) {
				t.Error("another auth token accepted")
			}
			for i := range params {
				changed := append([]Param(nil), params...)
				changed[i].Value += "0"
				if Valid(token, tc.url, changed, want) {
					t.Errorf("parameter %s changed, accepted", params[i].Key)
				}
				changed = append([]Param(nil), params...)
				changed[i].Key += "0"
				if Valid(token, tc.url, changed, want) {
					t.Errorf("parameter %s renamed, accepted", params[i].Key)
				}
			}
			if Valid(token, tc.url, append(params, Param{"Extra", ""}), want) {
				t.Error("an added parameter accepted")
			}
		})
	}
}

func TestSignatureDefaultPort(t *testing.T) {
	p := twilioPeer(t)
	const token = "abc"
	// Twilio signs the URL as configured in its console; the request's Host
	// may spell the port the other way.
	for _, tc := range []struct{ signed, seen string }{
		{"https://ivr.example.com:443/voice?s=1", "https://ivr.example.com/voice?s=1"},
		{"https://ivr.example.com/voice", "https://ivr.example.com:443/voice"},
		{"http://ivr.example.com:80/voice", "http://ivr.example.com/voice"},
	} {
		sig := p.sign(t, token, tc.signed, map[string]string{"CallSid": "CA9"})
		if !Valid(token, tc.seen, []Param{{"CallSid", "CA9"}}, sig) {
			t.Errorf("signed %s, seen as %s: refused", tc.signed, tc.seen)
		}
	}
	sig := p.sign(t, token, "https://ivr.example.com:8443/voice", nil)
	if Valid(token, "https://ivr.example.com/voice", nil, sig) {
		t.Error("a port that is not the default was dropped")
	}
}

func TestValidRefusesEmpty(t *testing.T) {
	if Valid("", "http://h/", nil, Signature("", "http://h/", nil)) {
		t.Error("an empty auth token validated")
	}
	if Valid("t", "http://h/", nil, "") {
		t.Error("an empty signature validated")
	}
}
