package httpx

import (
	"strings"

	"github.com/valyala/fasthttp"
)

// QueryParam finds a query parameter by name in any letter case: telephony
// platforms differ in what they send (colA, COLA, Ref1) and .NET clients
// are written against a model binder that ignores case. An exact match is
// tried first, so the usual request costs no scan.
func QueryParam(args *fasthttp.Args, name string) (string, bool) {
	if v := args.Peek(name); v != nil {
		return string(v), true
	}
	for k, v := range args.All() {
		if strings.EqualFold(string(k), name) {
			return string(v), true
		}
	}
	return "", false
}
