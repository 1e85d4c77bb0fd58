package hash

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
)

// readmeExample reads the table of the README's worked request signature:
// part → value, each value the text between its backquotes.
func readmeExample(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, in := map[string]string{}, false
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#### A request signature, worked through"):
			in = true
		case in && strings.HasPrefix(line, "#"):
			return rows
		case in && strings.HasPrefix(line, "| "):
			cells := strings.Split(strings.Trim(line, "| "), " | ")
			if len(cells) == 2 && strings.HasPrefix(cells[1], "`") {
				rows[cells[0]] = strings.Trim(cells[1], "`")
			}
		}
	}
	return rows
}

// TestReadmeWorkedExample recomputes every derived value of the README's
// worked example from its inputs, so the README cannot drift from the code.
func TestReadmeWorkedExample(t *testing.T) {
	ex := readmeExample(t)
	unquote := func(part string) string {
		s, err := strconv.Unquote(ex[part])
		if err != nil {
			t.Fatalf("README %q: %v", part, err)
		}
		return s
	}
	for _, part := range []string{"method", "path", "query as sent", "QUERY", "timestamp", "body (Go string syntax)",
		"body SHA-256", "string to sign (Go string syntax)", "key", "X-Tonebase-Signature"} {
		if ex[part] == "" {
			t.Fatalf("the README's worked example has no %q row (got %v)", part, ex)
		}
	}
	sent, err := url.ParseQuery(ex["query as sent"])
	if err != nil {
		t.Fatal(err)
	}
	var params []Param
	for name, vs := range sent {
		for _, v := range vs {
			params = append(params, Param{Name: name, Value: v})
		}
	}
	body := []byte(unquote("body (Go string syntax)"))
	sum := sha256.Sum256(body)
	r := Request{Method: ex["method"], Path: ex["path"], Query: CanonicalQuery(params), Timestamp: ex["timestamp"]}
	for _, c := range []struct{ part, want string }{
		{"QUERY", r.Query},
		{"body SHA-256", hex.EncodeToString(sum[:])},
		{"string to sign (Go string syntax)", strconv.Quote(StringToSign(r, sum))},
		{"X-Tonebase-Signature", SignRequest(ex["key"], r, body)},
	} {
		if ex[c.part] != c.want {
			t.Errorf("README %s is %s; the code computes %s", c.part, ex[c.part], c.want)
		}
	}
	d := NewRequestDigest(ex["key"], r)
	d.Write(body[:7])
	d.Write(body[7:])
	if !d.Verify(ex["X-Tonebase-Signature"]) {
		t.Error("the README's signature does not verify")
	}
}
