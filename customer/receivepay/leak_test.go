package receivepay

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoCardDataLeaks: card numbers and CVVs, accepted or refused, reach
// no answer, no log line and no file of the store in clear.
func TestNoCardDataLeaks(t *testing.T) {
	e := newEnv(t)
	id := e.newCustomer("Leak", "Test", "")
	secrets := []string{"4012888888881881", "4012-8888-8888-1881", "5105105105105100", "4111111111111112", "6011000990139424"}
	const cvv = "7391"
	for _, num := range secrets {
		inner := strings.Replace(recurXML(id, num, "30"), "<cvv>123</cvv>", "<cvv>"+cvv+"</cvv>", 1)
		e.post("Recur", inner)
		e.post("Recur", strings.Replace(inner, "<exp_year>2030", "<exp_year>2020", 1))
		e.post("Recur", strings.Replace(inner, "<cvv>"+cvv, "<cvv>"+cvv+"x", 1))
		e.post("Recur", inner+"<format>json</format>")
	}
	e.post("GetCustomer", "<customer_id>"+id+"</customer_id>")
	e.post("GetRecurrings", "<format>json</format>")
	if !strings.Contains(e.answers.String(), `"card_last_four":"1881"`) {
		t.Fatalf("no plan was made; the test would prove nothing:\n%s", e.answers.String())
	}
	digitsOf := func(s string) string { return strings.NewReplacer("-", "", " ", "").Replace(s) }
	check := func(where string, b []byte) {
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) || bytes.Contains(b, []byte(digitsOf(s))) {
				t.Errorf("%s holds the card number %s", where, s)
			}
		}
		if bytes.Contains(b, []byte(cvv)) {
			t.Errorf("%s holds the CVV", where)
		}
	}
	check("an answer", []byte(e.answers.String()))
	check("the log", []byte(e.logs.String()))
	err := filepath.WalkDir(e.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		check(path, b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
