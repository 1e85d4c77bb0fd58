package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"
)

// Process is a server the harness started and will stop.
type Process struct {
	Addr   string
	cmd    *exec.Cmd
	exited chan struct{}
}

// Stop ends the process with SIGTERM and waits for it.
func (p *Process) Stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	<-p.exited
}

// CPUTime is the CPU a process has used, in user space and in the kernel
// on its behalf: apart, they show whether a difference is the service's
// own code or the system calls and network stack it drives.
type CPUTime struct{ User, Sys time.Duration }

// Sub is the CPU used between an earlier reading and c.
func (c CPUTime) Sub(earlier CPUTime) CPUTime {
	return CPUTime{c.User - earlier.User, c.Sys - earlier.Sys}
}

// Per is c divided over n requests.
func (c CPUTime) Per(n int) CPUTime {
	return CPUTime{c.User / time.Duration(n), c.Sys / time.Duration(n)}
}

// Total is user and system time together.
func (c CPUTime) Total() time.Duration { return c.User + c.Sys }

func (c CPUTime) String() string {
	r := func(d time.Duration) time.Duration { return d.Round(100 * time.Nanosecond) }
	return fmt.Sprintf("%v (user %v, system %v)", r(c.Total()), r(c.User), r(c.Sys))
}

// CPU returns the user and system CPU time the process has used so far,
// from /proc: false where there is none. The clock tick is Linux's fixed
// USER_HZ of 100.
func (p *Process) CPU() (CPUTime, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return CPUTime{}, false
	}
	// The command name, in parentheses, may hold spaces: count fields after it.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return CPUTime{}, false
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 13 {
		return CPUTime{}, false
	}
	utime, err1 := strconv.ParseInt(string(f[11]), 10, 64)
	stime, err2 := strconv.ParseInt(string(f[12]), 10, 64)
	if err1 != nil || err2 != nil {
		return CPUTime{}, false
	}
	const tick = 10 * time.Millisecond
	return CPUTime{time.Duration(utime) * tick, time.Duration(stime) * tick}, true
}

// FreeAddr returns a loopback address nothing listens on.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// Start runs a command that serves on addr and waits until path answers.
// Its standard error is the harness's.
func Start(addr, path string, name string, args ...string) (*Process, error) {
	return start(addr, path, os.Stderr, "", name, args...)
}

// start runs a command whose standard error goes to stderr, and waits
// until path answers on addr. logPath, if set, is the file stderr writes,
// whose end is quoted when the command does not come up.
func start(addr, path string, stderr io.Writer, logPath string, name string, args ...string) (*Process, error) {
	cmd := exec.Command(name, args...)
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start %s: %w", name, err)
	}
	p := &Process{Addr: addr, cmd: cmd, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-p.exited:
			return nil, fmt.Errorf("bench: %s exited before serving%s", name, logTail(logPath))
		default:
		}
		resp, err := http.Get("http://" + addr + path)
		if err == nil {
			resp.Body.Close()
			return p, nil
		}
		if time.Now().After(deadline) {
			p.Stop()
			return nil, fmt.Errorf("bench: %s did not answer on %s: %w%s", name, addr, err, logTail(logPath))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// logTail is the end of a server's log, for an error saying it failed.
func logTail(path string) string {
	if path == "" {
		return ""
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return "; its log ends:\n" + string(b[max(0, len(b)-2000):])
}

// Args are the arguments the process was started with, for a report to
// say exactly how the server ran.
func (p *Process) Args() string { return strings.Join(p.cmd.Args[1:], " ") }

// StartTonebase runs the tonebase binary with a fresh data folder and its
// default flags, as an operator starts it: only the address, the data
// folder and the admin token are given, then extra. Its log goes to a file
// beside the data folder, as a service manager would keep it: standard
// error is then not a terminal, so the server logs JSON, access log on.
func StartTonebase(bin, data, token string, extra ...string) (*Process, error) {
	return StartTonebaseLogging(bin, data, token, data+".log", extra...)
}

// StartTonebaseLogging is StartTonebase with the log appended to logPath.
func StartTonebaseLogging(bin, data, token, logPath string, extra ...string) (*Process, error) {
	addr, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("bench: server log: %w", err)
	}
	defer f.Close() // the child holds its own descriptor
	args := append([]string{"serve", "--addr", addr, "--data", data, "--admin-token", token}, extra...)
	return start(addr, "/healthz", f, logPath, bin, args...)
}

// ServeConstant answers every request with body, whatever was asked: the
// ceiling of what fasthttp can serve on this machine. The harness passes a
// real lookup answer, so the ceiling and the service put the same bytes on
// the wire and the ratio measures only the work of answering.
func ServeConstant(addr string, body []byte) error {
	return fasthttp.ListenAndServe(addr, func(ctx *fasthttp.RequestCtx) {
		ctx.SetContentType("application/json")
		ctx.SetBody(body)
	})
}

// Tenant is a client and database created for a run.
type Tenant struct {
	CID, DBID      int64
	APIKey         string
	APISecret      string
	UploadPassword string
}

// Setup creates a client and a database of Columns through the admin API.
func Setup(addr, token string) (Tenant, error) {
	var t Tenant
	var c struct {
		CID            int64  `json:"cid"`
		APIKey         string `json:"api_key"`
		APISecret      string `json:"api_secret"`
		UploadPassword string `json:"upload_password"`
	}
	if err := adminPost(addr, token, "/admin/api/clients", `{"name":"Bench"}`, &c); err != nil {
		return t, err
	}
	t.CID, t.APIKey, t.APISecret, t.UploadPassword = c.CID, c.APIKey, c.APISecret, c.UploadPassword
	dbid, err := AddDatabase(addr, token, t.CID)
	t.DBID = dbid
	return t, err
}

// AddDatabase creates another database of Columns for cid.
func AddDatabase(addr, token string, cid int64) (int64, error) {
	var db struct {
		DBID int64 `json:"dbid"`
	}
	err := adminPost(addr, token, fmt.Sprintf("/admin/api/clients/%d/databases", cid), `{"description":"Bench","columns":`+Columns+`}`, &db)
	return db.DBID, err
}

func adminPost(addr, token, path, body string, out any) error {
	req, err := http.NewRequest("POST", "http://"+addr+path, bytes.NewBufferString(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("bench: %s: %w", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 201 {
		return fmt.Errorf("bench: %s: %d %s", path, resp.StatusCode, b)
	}
	return json.Unmarshal(b, out)
}
