// Command agiload measures tonebase's FastAGI server as Asterisk would
// load it: each session a new connection with the agi_ environment, the
// secret read back with GET VARIABLE, and, for /flow, the keys answered to
// each GET DATA at once. It prints sessions a second and their p50 and
// p99, from connect to the server's close.
//
//	agiload -addr 127.0.0.1:4573 -key … -secret … [-script flow] [-c 64] [-d 10s]
package main

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

type config struct {
	addr, key, secret, script string
	cid, dbid                 int64
	refs                      []string
	want                      string
}

func main() {
	var c config
	conns := flag.Int("c", 64, "sessions in flight")
	d := flag.Duration("d", 10*time.Second, "how long to load")
	refs := flag.String("refs", "123456,01021990", "the refs keyed, comma-separated")
	flag.StringVar(&c.addr, "addr", "127.0.0.1:4573", "tonebase's --agi-addr")
	flag.Int64Var(&c.cid, "cid", 1001, "client id")
	flag.Int64Var(&c.dbid, "dbid", 1, "database id")
	flag.StringVar(&c.key, "key", "", "the client's API key")
	flag.StringVar(&c.secret, "secret", "", "the client's API secret, answered to GET VARIABLE TONEBASE_SECRET")
	flag.StringVar(&c.script, "script", "lookup", "lookup (refs in the URL) or flow (refs answered to GET DATA)")
	flag.StringVar(&c.want, "want", "found", "the LOOKUP_STATUS every session must end with")
	flag.Parse()
	c.refs = strings.Split(*refs, ",")
	if c.key == "" || c.secret == "" || (c.script != "lookup" && c.script != "flow") || *conns < 1 || *d <= 0 {
		fmt.Fprintln(os.Stderr, "agiload: give -key and -secret, -script lookup or flow, -c at least 1 and -d above zero")
		os.Exit(2)
	}
	var (
		mu    sync.Mutex
		lat   []time.Duration
		fails = map[string]int{}
		wg    sync.WaitGroup
	)
	start := time.Now()
	end := start.Add(*d)
	for range *conns {
		wg.Go(func() {
			var mine []time.Duration
			bad := map[string]int{}
			for time.Now().Before(end) {
				t0 := time.Now()
				status, err := session(&c)
				switch {
				case err != nil:
					bad[err.Error()]++
				case status != c.want:
					bad["LOOKUP_STATUS="+status]++
				default:
					mine = append(mine, time.Since(t0))
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			for k, v := range bad {
				fails[k] += v
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if len(lat) == 0 {
		fmt.Fprintf(os.Stderr, "agiload: no session ended with %s: %v\n", c.want, fails)
		os.Exit(1)
	}
	slices.Sort(lat)
	q := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	fmt.Printf("agi %-6s %8.0f sessions/s  p50 %-9v p99 %-9v (%d sessions, %d connections)", c.script,
		float64(len(lat))/elapsed.Seconds(), q(0.50).Round(10*time.Microsecond), q(0.99).Round(10*time.Microsecond), len(lat), *conns)
	if len(fails) > 0 {
		fmt.Printf("  failed: %v", fails)
	}
	fmt.Println()
}

// session plays Asterisk's side of one AGI() and returns LOOKUP_STATUS.
func session(c *config) (string, error) {
	conn, err := net.Dial("tcp", c.addr)
	if err != nil {
		return "", fmt.Errorf("dial")
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	script := fmt.Sprintf("%s?cid=%d&dbid=%d&key=%s", c.script, c.cid, c.dbid, c.key)
	if c.script == "lookup" {
		for i, r := range c.refs {
			script += fmt.Sprintf("&ref%d=%s", i+1, r)
		}
	}
	w := bufio.NewWriter(conn)
	fmt.Fprintf(w, "agi_network: yes\nagi_network_script: %s\nagi_request: agi://%s/%s\nagi_channel: PJSIP/load-00000001\n"+
		"agi_language: en\nagi_callerid: unknown\nagi_calleridname: unknown\n\n", script, c.addr, script)
	if err := w.Flush(); err != nil {
		return "", fmt.Errorf("write")
	}
	r := bufio.NewReader(conn)
	keyed, status := 0, ""
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return status, nil // the server ends the session by closing
		}
		cmd := strings.TrimSuffix(line, "\n")
		reply := "200 result=0"
		switch {
		case cmd == "GET VARIABLE TONEBASE_SECRET":
			reply = "200 result=1 (" + c.secret + ")"
		case strings.HasPrefix(cmd, "SET VARIABLE "):
			name, value, _ := strings.Cut(strings.TrimPrefix(cmd, "SET VARIABLE "), " ")
			if name == "LOOKUP_STATUS" {
				status = strings.Trim(value, `"`)
			}
			reply = "200 result=1"
		case strings.HasPrefix(cmd, "GET DATA "):
			if keyed >= len(c.refs) {
				return "", fmt.Errorf("more GET DATA than refs")
			}
			reply = "200 result=" + c.refs[keyed]
			keyed++
		case strings.HasPrefix(cmd, "SAY "):
		case strings.HasPrefix(cmd, "STREAM FILE "):
			reply = "200 result=0 endpos=8000"
		case cmd == "CHANNEL STATUS":
			reply = "200 result=6"
		default:
			return "", fmt.Errorf("unexpected command")
		}
		if _, err := fmt.Fprintf(conn, "%s\n", reply); err != nil {
			return "", fmt.Errorf("write")
		}
	}
}
