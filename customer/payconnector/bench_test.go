package payconnector

import (
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// BenchmarkTokenize is one card kept for a new customer a request, over
// a real listener and a store on disk that syncs each write: what Twilio
// waits for, at most 10 s.
func BenchmarkTokenize(b *testing.B) {
	n := start(b, b.TempDir())
	cid := n.client(b, "Acme", user, pass)
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	url := fmt.Sprintf("%s/pay/v1/%d/twilio-connector", n.base, cid)
	var worst time.Duration
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		req.Reset()
		req.SetRequestURI(url)
		req.Header.SetMethod("POST")
		req.Header.Set("Authorization", auth)
		req.SetBodyString(fmt.Sprintf(`{"method":"tokenize","transaction_id":"T%d","cardnumber":"%s","cvv":"123","expiry_month":"12","expiry_year":"2039","parameters":{"ref1":"%d"}}`, i, card, 100000+i))
		began := time.Now()
		if err := fasthttp.Do(req, resp); err != nil || resp.StatusCode() != 200 {
			b.Fatalf("%v %d %s", err, resp.StatusCode(), resp.Body())
		}
		worst = max(worst, time.Since(began))
	}
	b.ReportMetric(float64(worst.Microseconds())/1000, "worst-ms")
}
