package twilio

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // Twilio's request signature is HMAC-SHA1; it is Twilio's choice, not ours
	"encoding/base64"
	"sort"
	"strings"
)

// Param is one POST parameter of a webhook request.
type Param struct{ Key, Value string }

// Signature is Twilio's X-Twilio-Signature for a request to url with
// params: base64 of HMAC-SHA1, keyed with the auth token, over the full
// URL followed by every POST parameter's name and value, sorted by name
// (and, for a name sent more than once, by value).
func Signature(token, url string, params []Param) string {
	sorted := append([]Param(nil), params...)
	sort.Slice(sorted, func(i, j int) bool {
		if sorted[i].Key != sorted[j].Key {
			return sorted[i].Key < sorted[j].Key
		}
		return sorted[i].Value < sorted[j].Value
	})
	m := hmac.New(sha1.New, []byte(token))
	m.Write([]byte(url))
	for _, p := range sorted {
		m.Write([]byte(p.Key))
		m.Write([]byte(p.Value))
	}
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Valid reports whether sig is Twilio's signature of the request, in
// constant time. Twilio signs the URL as configured, which for https may
// or may not carry :443 while the request's Host says otherwise, so both
// spellings are tried, as Twilio's own libraries do.
func Valid(token, url string, params []Param, sig string) bool {
	if token == "" || sig == "" {
		return false
	}
	ok := false
	for _, u := range urlSpellings(url) {
		if hmac.Equal([]byte(Signature(token, u, params)), []byte(sig)) {
			ok = true
		}
	}
	return ok
}

// urlSpellings are url as given and with its scheme's default port added
// or removed.
func urlSpellings(url string) []string {
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok {
		return []string{url}
	}
	host, path, _ := strings.Cut(rest, "/")
	port := ":443"
	if scheme == "http" {
		port = ":80"
	}
	other := host + port
	if h, found := strings.CutSuffix(host, port); found {
		other = h
	}
	return []string{url, scheme + "://" + other + "/" + path}
}
