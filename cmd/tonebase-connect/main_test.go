package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fasthttp/router"
	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/internal/ivrtest"
	"github.com/tonebase/tonebase/internal/observe"
	"github.com/tonebase/tonebase/internal/testkit"
	"github.com/tonebase/tonebase/ivr/callflow"
	"github.com/tonebase/tonebase/ivr/connect"
)

// rie finds AWS's Lambda Runtime Interface Emulator, which .ci/run
// installs with go install.
func rie(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("aws-lambda-rie"); err == nil {
		return p
	}
	gopath, _ := exec.Command("go", "env", "GOPATH").Output()
	p := filepath.Join(string(bytes.TrimSpace(gopath)), "bin", "aws-lambda-rie")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	const how = "aws-lambda-rie is not installed (go install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d)"
	testkit.Needed(t, how)
	return ""
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestUnderTheEmulator runs the function as Lambda would, under AWS's
// emulator bound to loopback, and invokes it with the event Connect sends:
// a found caller, tonebase hanging past Connect's limit, then tonebase gone.
func TestUnderTheEmulator(t *testing.T) {
	emulator := rie(t)
	env := ivrtest.New(t, ivrtest.Options{})
	h := connect.NewHandlers(callflow.New(env.Service), env.Clients, observe.NewEvents(observe.New()), zerolog.Nop())
	var hang atomic.Bool
	r := router.New()
	r.POST("/connect/v1/{cid}/{dbid}/lookup", func(ctx *fasthttp.RequestCtx) {
		if hang.Load() {
			time.Sleep(connect.ConnectLimit + time.Second)
		}
		h.Lookup(ctx)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: r.Handler}
	go srv.Serve(ln) //nolint:errcheck // ends with the listener

	bin := filepath.Join(t.TempDir(), "bootstrap")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	invokeAddr, apiAddr := freeAddr(t), freeAddr(t)
	cmd := exec.Command(emulator, "--runtime-interface-emulator-address", invokeAddr, "--runtime-api-address", apiAddr, bin)
	cmd.Env = append(os.Environ(),
		fmt.Sprintf("TONEBASE_URL=http://%s/connect/v1/%d/%d/lookup", ln.Addr(), env.CID, env.DBID),
		"TONEBASE_API_KEY="+env.Key, "TONEBASE_API_SECRET="+env.Secret,
		"AWS_LAMBDA_FUNCTION_TIMEOUT=8", "LOG_LEVEL=error")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})

	ev, _ := json.Marshal(map[string]any{"Name": "ContactFlowEvent", "Details": map[string]any{
		"ContactData": map[string]any{"Channel": "VOICE", "CustomerEndpoint": map[string]any{"Address": "+15005550006", "Type": "TELEPHONE_NUMBER"}},
		"Parameters":  map[string]string{"ref1": "123456", "ref2": "01021990"},
	}})
	invoke := func() (map[string]string, time.Duration) {
		t.Helper()
		start := time.Now()
		var resp *http.Response
		for {
			resp, err = http.Post("http://"+invokeAddr+"/2015-03-31/functions/function/invocations", "application/json", bytes.NewReader(ev))
			if err == nil || time.Since(start) > 20*time.Second {
				break
			}
			time.Sleep(100 * time.Millisecond) // the emulator is starting
		}
		if err != nil {
			t.Fatalf("invoke: %v\n%s", err, logs.String())
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		var out map[string]string
		if err := json.Unmarshal(body, &out); err != nil {
			t.Fatalf("the function answered %d %s: %v\n%s", resp.StatusCode, body, err, logs.String())
		}
		return out, time.Since(start)
	}

	if got, _ := invoke(); got["status"] != "found" || got["balance_minor"] != "1250" || got["balance_say"] != "twelve pounds and fifty pence" {
		t.Fatalf("found: %v", got)
	}
	hang.Store(true)
	got, took := invoke()
	if got["status"] != "error" || got["reason"] != connect.ReasonTimeout || took >= connect.ConnectLimit {
		t.Fatalf("tonebase hanging: %v after %v", got, took)
	}
	_ = srv.Shutdown()
	ln.Close()
	if got, _ := invoke(); got["status"] != "error" || got["reason"] != connect.ReasonUnreachable {
		t.Fatalf("tonebase gone: %v", got)
	}
}
