package agi

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tonebase/tonebase/internal/testkit"
	"golang.org/x/sys/unix"
)

// asterisk is a real Asterisk (Debian sid's, in the chroot .ci/asterisk-chroot
// builds) running with -f in a network namespace that has only loopback,
// beside a listener of this test in the same namespace.
type asterisk struct {
	root  string // the chroot
	dir   string // this run's folder inside it, as the chroot sees it
	netns string
	cmd   *exec.Cmd
	log   bytes.Buffer
}

// asteriskRoot is the chroot holding Asterisk and SIPp.
func asteriskRoot(t *testing.T) string {
	t.Helper()
	root := os.Getenv("TONEBASE_ASTERISK_ROOT")
	if root == "" {
		testkit.Needed(t, "TONEBASE_ASTERISK_ROOT is not set (.ci/run builds the chroot with .ci/asterisk-chroot and sets it)")
	}
	for _, bin := range []string{"usr/sbin/asterisk", "usr/bin/sipp"} {
		if _, err := os.Stat(filepath.Join(root, bin)); err != nil {
			testkit.Needed(t, fmt.Sprintf("no %s in TONEBASE_ASTERISK_ROOT=%s (.ci/asterisk-chroot %s builds it)", bin, root, root))
		}
	}
	if os.Geteuid() != 0 {
		testkit.Needed(t, "the Asterisk test needs root: for its network namespace and the chroot")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		testkit.Needed(t, "the Asterisk test needs ip (iproute2) for its network namespace")
	}
	return root
}

// newNetns makes a network namespace with only loopback up; it is deleted
// when t ends.
func newNetns(t *testing.T) string {
	t.Helper()
	name := fmt.Sprintf("tonebase-agi-%d", os.Getpid())
	run(t, "ip", "netns", "add", name)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "delete", name).Run() })
	run(t, "ip", "-n", name, "link", "set", "lo", "up")
	return name
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// listenIn opens a TCP listener inside netns. A socket belongs to the
// namespace of the thread that made it, so a locked thread joins the
// namespace, listens, and is thrown away with its goroutine: the rest of
// the test process stays where it was.
func listenIn(t *testing.T, netns string) net.Listener {
	t.Helper()
	type result struct {
		ln  net.Listener
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		f, err := os.Open("/run/netns/" + netns)
		if err != nil {
			ch <- result{err: err}
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			ch <- result{err: fmt.Errorf("setns: %w", err)}
			return
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		ch <- result{ln, err}
	}()
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	t.Cleanup(func() { r.ln.Close() })
	return r.ln
}

// startAsterisk writes this run's configuration into the chroot and starts
// Asterisk in netns. files gives the other configuration files by name,
// from the run's folder as Asterisk sees it.
func startAsterisk(t *testing.T, root, netns string, files func(dir string) map[string]string) *asterisk {
	t.Helper()
	outside, err := os.MkdirTemp(filepath.Join(root, "tmp"), "tonebase-agi-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(outside) })
	a := &asterisk{root: root, dir: "/" + strings.TrimPrefix(strings.TrimPrefix(outside, root), "/"), netns: netns}
	mods, err := filepath.Glob(filepath.Join(root, "usr/lib/*/asterisk/modules"))
	if err != nil || len(mods) != 1 {
		t.Fatalf("Asterisk's modules folder in %s: %v %v", root, mods, err)
	}
	modDir := strings.TrimPrefix(mods[0], root)
	for _, d := range []string{"etc", "spool/outgoing", "spool/staging", "run", "log", "db", "results"} {
		if err := os.MkdirAll(filepath.Join(outside, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	conf := map[string]string{
		"asterisk.conf": fmt.Sprintf(`[directories]
astetcdir => %[1]s/etc
astmoddir => %[2]s
astvarlibdir => /var/lib/asterisk
astdbdir => %[1]s/db
astkeydir => /var/lib/asterisk
astdatadir => /usr/share/asterisk
astagidir => /usr/share/asterisk/agi-bin
astspooldir => %[1]s/spool
astrundir => %[1]s/run
astlogdir => %[1]s/log
astsbindir => /usr/sbin
astcachedir => %[1]s/cache
[options]
verbose = 3
`, a.dir, modDir),
		"logger.conf": "[general]\n[logfiles]\nmessages.log => notice,warning,error,verbose,dtmf\n",
		// Only what the calls need: the dialplan, call files, AGI (which
		// needs res_speech first), the apps the dialplan runs, the sounds'
		// formats, and PJSIP for SIPp's call.
		"modules.conf": `[modules]
autoload = no
load => res_timing_timerfd.so
load => pbx_config.so
load => pbx_spool.so
load => res_speech.so
load => res_agi.so
load => app_senddtmf.so
load => app_system.so
load => app_verbose.so
load => func_callerid.so
load => format_gsm.so
load => format_wav.so
load => format_pcm.so
load => codec_gsm.so
load => codec_ulaw.so
load => codec_alaw.so
load => res_rtp_asterisk.so
load => res_sorcery_config.so
load => res_sorcery_memory.so
load => res_sorcery_astdb.so
load => res_pjproject.so
load => res_pjsip.so
load => res_pjsip_pubsub.so
load => res_pjsip_session.so
load => res_pjsip_sdp_rtp.so
load => res_pjsip_endpoint_identifier_ip.so
load => res_pjsip_caller_id.so
load => chan_pjsip.so
`,
	}
	for k, v := range files(a.dir) {
		conf[k] = v
	}
	for name, body := range conf {
		if err := os.WriteFile(filepath.Join(outside, "etc", name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a.cmd = exec.Command("ip", "netns", "exec", netns, "chroot", root, "/usr/sbin/asterisk", "-f", "-C", a.dir+"/etc/asterisk.conf")
	a.cmd.Stdout, a.cmd.Stderr = &a.log, &a.log
	a.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := a.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.stop)
	// Booted once the control socket answers "core waitfullybooted".
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, err := a.rx("core waitfullybooted")
		if err == nil && strings.Contains(out, "fully booted") {
			break
		}
		if time.Now().After(deadline) || a.cmd.ProcessState != nil {
			t.Fatalf("Asterisk did not boot: %v %s\n%s\n%s", err, out, a.log.String(), a.messages())
		}
		time.Sleep(200 * time.Millisecond)
	}
	return a
}

// rx runs one CLI command against the running Asterisk.
func (a *asterisk) rx(cmd string) (string, error) {
	out, err := exec.Command("chroot", a.root, "/usr/sbin/asterisk", "-C", a.dir+"/etc/asterisk.conf", "-rx", cmd).CombinedOutput()
	return string(out), err
}

// messages is Asterisk's log of this run.
func (a *asterisk) messages() string {
	b, _ := os.ReadFile(filepath.Join(a.root, a.dir, "log/messages.log"))
	return string(b)
}

// stop ends Asterisk by the PID this test started: SIGTERM to its
// process group, then SIGKILL if it lingers.
func (a *asterisk) stop() {
	if a.cmd.Process == nil {
		return
	}
	pgid := a.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = a.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-done
	}
}

// path is where a file of this run lives, seen from outside the chroot.
func (a *asterisk) path(rel string) string { return filepath.Join(a.root, a.dir, rel) }

// call places a call with a call file: moved into the spool whole, as
// Asterisk requires.
func (a *asterisk) call(t *testing.T, name, body string) {
	t.Helper()
	staged := a.path("spool/staging/" + name + ".call")
	if err := os.WriteFile(staged, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(staged, a.path("spool/outgoing/"+name+".call")); err != nil {
		t.Fatal(err)
	}
}

// result waits for the line the dialplan writes for a call.
func (a *asterisk) result(t *testing.T, name string, wait time.Duration) (string, bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(a.path("results/" + name)); err == nil && bytes.HasSuffix(b, []byte("\n")) {
			return strings.TrimSpace(string(b)), true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return "", false
}
