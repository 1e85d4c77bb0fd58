package receivepay

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseRequest: any body is a request tree or an error, never a panic;
// the tree keeps the limits, and its text is valid UTF-8.
func FuzzParseRequest(f *testing.F) {
	for _, name := range []string{"charge-new-customer.request.xml", "charge-existing-customer.request.xml"} {
		b, err := os.ReadFile(filepath.Join(samples, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(request("k", "s", "Recur", recurXML("1000", visa, "30"))))
	f.Add([]byte(`<?xml version="1.0" encoding="ISO-8859-1"?><request><type>caf\xe9</type></request>`))
	f.Add([]byte(`<request><a><b><c><d><e><f><g><h>x</h></g></f></e></d></c></b></a></request>`))
	f.Add([]byte(`<!DOCTYPE request><request/>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		root, err := parseRequest(body)
		if err != nil {
			if root != nil {
				t.Fatal("a tree with an error")
			}
			return
		}
		if root.name != "request" {
			t.Fatalf("root %q", root.name)
		}
		n := 0
		var walk func(e *element, depth int)
		walk = func(e *element, depth int) {
			n++
			if depth > maxDepth || len(e.text) > maxValue || !utf8.ValidString(e.text) || (len(e.kids) > 0 && e.text != "") {
				t.Fatalf("element %q breaks a limit", e.name)
			}
			seen := map[string]bool{}
			for _, k := range e.kids {
				if seen[k.name] {
					t.Fatalf("<%s> twice", k.name)
				}
				seen[k.name] = true
				walk(k, depth+1)
			}
		}
		walk(root, 1)
		if n > maxElements {
			t.Fatalf("%d elements", n)
		}
	})
}

// FuzzAnswer: whatever text an answer carries (names, addresses, a
// client's own words in a reason), the XML parses back to the same text
// and the JSON is valid and holds it too.
func FuzzAnswer(f *testing.F) {
	f.Add("Joe", "O'Brien & <Sons>")
	f.Add("", "\u00e9\u4e16")
	f.Add("]]>", "\"\\\n")
	f.Fuzz(func(t *testing.T, a, b string) {
		if !utf8.ValidString(a) || !utf8.ValidString(b) || strings.ContainsFunc(a+b, func(r rune) bool {
			return r < 0x20 && r != '\t' && r != '\n' || r == 0xFFFE || r == 0xFFFF || (r >= 0xD800 && r <= 0xDFFF)
		}) {
			t.Skip("not text a customer can hold: the domain refuses control characters and invalid UTF-8")
		}
		kids := []node{number("response_code", 200), leaf("a", a), list("items", []node{branch("item", leaf("b", b))})}
		var x struct {
			A     string `xml:"a"`
			Items struct {
				Item []struct {
					B string `xml:"b"`
				} `xml:"item"`
			} `xml:"items"`
		}
		if err := xml.Unmarshal(formatXML.render(kids), &x); err != nil {
			t.Fatalf("XML: %v", err)
		}
		if x.A != a || (b != "" && (len(x.Items.Item) != 1 || x.Items.Item[0].B != b)) {
			t.Fatalf("XML round trip: %q %q -> %+v", a, b, x)
		}
		var j struct {
			Code  int    `json:"response_code"`
			A     string `json:"a"`
			Items []struct {
				B string `json:"b"`
			} `json:"items"`
		}
		if err := json.Unmarshal(formatJSON.render(kids), &j); err != nil {
			t.Fatalf("JSON: %v", err)
		}
		if j.Code != 200 || j.A != a || len(j.Items) != 1 || j.Items[0].B != b {
			t.Fatalf("JSON round trip: %+v", j)
		}
	})
}
