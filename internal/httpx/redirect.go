package httpx

import (
	"strings"

	"github.com/valyala/fasthttp"
)

// Redirect answers status with Location set to path as given. fasthttp's
// ctx.Redirect makes the location absolute from the request's own Host (or
// its absolute-form request line), so a request naming
// http://evil.example/admin/ was sent to http://evil.example/admin/sign-in;
// a path keeps the browser on the host it asked. A path that is not one of
// this server's ("//host", "http:…") goes to "/" instead.
func Redirect(ctx *fasthttp.RequestCtx, path string, status int) {
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") || strings.HasPrefix(path, "/\\") {
		path = "/"
	}
	ctx.Response.Header.Set(fasthttp.HeaderLocation, path)
	ctx.SetStatusCode(status)
}
