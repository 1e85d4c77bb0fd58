package twilio

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/tonebase/tonebase/internal/testkit"
)

// peer is Twilio's own Node library (npm twilio, installed by .ci/run into
// testdata/node), run once for the whole test binary.
type peer struct {
	mu  sync.Mutex
	in  io.WriteCloser
	out *bufio.Scanner
	cmd *exec.Cmd
}

var (
	peerOnce sync.Once
	thePeer  *peer
	peerErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if thePeer != nil {
		thePeer.in.Close()
		_ = thePeer.cmd.Wait()
	}
	os.Exit(code)
}

// twilioPeer returns the running peer. Without node or the library the
// test is skipped, unless TONEBASE_REQUIRE_PEERS is set (.ci/run sets it),
// where it fails: CI must not pass on a peer that did not install.
func twilioPeer(t *testing.T) *peer {
	t.Helper()
	peerOnce.Do(func() {
		dir, _ := filepath.Abs("testdata/node")
		if _, err := os.Stat(filepath.Join(dir, "node_modules", "twilio")); err != nil {
			peerErr = fmt.Errorf("npm twilio is not installed (npm ci --prefix %s): %w", dir, err)
			return
		}
		cmd := exec.Command("node", filepath.Join(dir, "peer.js"))
		cmd.Dir = dir
		cmd.Stderr = os.Stderr
		in, err := cmd.StdinPipe()
		if err != nil {
			peerErr = err
			return
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			peerErr = err
			return
		}
		if err := cmd.Start(); err != nil {
			peerErr = fmt.Errorf("node: %w", err)
			return
		}
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		thePeer = &peer{in: in, out: sc, cmd: cmd}
	})
	if peerErr != nil {
		testkit.Needed(t, peerErr.Error())
	}
	return thePeer
}

// ask sends one request and decodes its answer into out.
func (p *peer) ask(t *testing.T, req map[string]any, out any) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	b, _ := json.Marshal(req)
	if _, err := p.in.Write(append(b, '\n')); err != nil {
		t.Fatal(err)
	}
	if !p.out.Scan() {
		t.Fatalf("twilio peer ended: %v", p.out.Err())
	}
	var e struct{ Error string }
	_ = json.Unmarshal(p.out.Bytes(), &e)
	if e.Error != "" {
		t.Fatalf("twilio peer: %s", e.Error)
	}
	if err := json.Unmarshal(p.out.Bytes(), out); err != nil {
		t.Fatal(err)
	}
}

func (p *peer) sign(t *testing.T, token, url string, params map[string]string) string {
	var r struct{ Signature string }
	p.ask(t, map[string]any{"op": "sign", "token": token, "url": url, "params": params}, &r)
	return r.Signature
}

func (p *peer) twiml(t *testing.T, verbs []map[string]any) string {
	var r struct{ XML string }
	p.ask(t, map[string]any{"op": "twiml", "verbs": verbs}, &r)
	return r.XML
}

// node is an XML element as compared: attribute order aside, and text
// with its surrounding whitespace kept.
type node struct {
	Name     string
	Attrs    []string
	Text     string
	Children []node
}

func parseXML(t *testing.T, doc string) node {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(doc))
	var stack []node
	var root node
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not XML: %v\n%s", err, doc)
		}
		switch v := tok.(type) {
		case xml.StartElement:
			n := node{Name: v.Name.Local}
			for _, a := range v.Attr {
				n.Attrs = append(n.Attrs, a.Name.Local+"="+a.Value)
			}
			sort.Strings(n.Attrs)
			stack = append(stack, n)
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].Text += string(v)
			}
		case xml.EndElement:
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				root = n
			} else {
				stack[len(stack)-1].Children = append(stack[len(stack)-1].Children, n)
			}
		}
	}
	return root
}

// sameTwiML fails the test unless got and want are the same TwiML,
// attribute order aside.
func sameTwiML(t *testing.T, got, want string) {
	t.Helper()
	if g, w := parseXML(t, got), parseXML(t, want); !reflect.DeepEqual(g, w) {
		t.Fatalf("TwiML differs from Twilio's builder\n got: %s\nwant: %s", got, want)
	}
}
