package httpx

import (
	"testing"

	"github.com/valyala/fasthttp"
)

func TestRedirectKeepsToPaths(t *testing.T) {
	tests := []struct{ name, path, want string }{
		{"a path", "/admin/sign-in?next=%2Fadmin%2F", "/admin/sign-in?next=%2Fadmin%2F"},
		{"another host", "//evil.example/admin/", "/"},
		{"a backslash host", "/\\evil.example", "/"},
		{"an absolute URL", "http://evil.example/", "/"},
		{"relative", "sign-in", "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ctx fasthttp.RequestCtx
			ctx.Request.SetRequestURI("http://evil.example/admin/")
			ctx.Request.Header.SetHost("evil.example")
			Redirect(&ctx, tt.path, 303)
			if got := string(ctx.Response.Header.Peek("Location")); got != tt.want || ctx.Response.StatusCode() != 303 {
				t.Fatalf("Location %q status %d, want %q 303", got, ctx.Response.StatusCode(), tt.want)
			}
		})
	}
}
