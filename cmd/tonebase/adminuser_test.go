package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/tonebase/tonebase/admin/web"
	"github.com/tonebase/tonebase/columndb"
)

// unsetenv removes a variable for the test, restoring it afterwards.
func unsetenv(t *testing.T, name string) {
	t.Helper()
	t.Setenv(name, "")
	os.Unsetenv(name)
}

// withStore runs f on the data folder's store, as a running server holds it.
func withStore(t *testing.T, data string, f func(*columndb.Store)) {
	t.Helper()
	store, err := columndb.Open(columndb.Options{Dir: filepath.Join(data, "db")})
	if err != nil {
		t.Fatal(err)
	}
	f(store)
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signsIn reports whether name and password sign in to the admin pages of
// a server started on the data folder, as the admin would next.
func signsIn(t *testing.T, data, name, password string) bool {
	t.Helper()
	s := startServer(t, func(c *serveConfig) { c.Data = data })
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(s.base + "/admin/sign-in")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfField.FindSubmatch(page)
	if m == nil {
		t.Fatalf("sign-in page: %d %s", resp.StatusCode, page)
	}
	resp, err = c.PostForm(s.base+"/admin/sign-in", url.Values{"csrf": {string(m[1])}, "name": {name}, "password": {password}, "next": {"/admin/"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	to, err := resp.Location() // a failed sign-in answers 401 with the form again
	return resp.StatusCode == 303 && err == nil && to.Path == "/admin/"
}

// writeKey writes a master key file, mode 0600, as an operator makes one.
func writeKey(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "master.key")
	if err := os.WriteFile(path, []byte(strings.Repeat("7f", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestAdminAddUser(t *testing.T) {
	testKeyFile := writeKey(t)
	const password = "correct horse battery"
	tests := []struct {
		name    string
		args    []string // after "tonebase admin"
		env     string   // TONEBASE_PASSWORD, if set
		setEnv  bool
		stdin   string
		before  func(t *testing.T, data string)
		noStore bool // the data folder holds no store
		wantErr string
		// who signs in afterwards, with what
		user, password string
	}{
		// Each user created costs a bcrypt hash at the command's fixed cost,
		// and each sign-in a comparison: seconds each under -race, so only
		// this case signs in with the new user.
		{name: "password on standard input: its first line, the line ending dropped, the name lower-cased",
			args: []string{"add-user", "--name", "Ada"}, stdin: password + "\r\nignored\n", user: "ada", password: password},
		// The shortest password allowed, so one character lost would
		// refuse it: no sign-in needed to see it was kept whole.
		{name: "a last line without its newline, kept whole", args: []string{"add-user", "--name", "ada"}, stdin: "twelve chars"},
		{name: "password from TONEBASE_PASSWORD, standard input unread", args: []string{"add-user", "--name", "ada"},
			env: "from the env", setEnv: true, stdin: "short\n"},
		{name: "no --name", args: []string{"add-user"}, stdin: password + "\n", wantErr: "needs --name"},
		{name: "a name the pages refuse", args: []string{"add-user", "--name", "Ada Lovelace"}, stdin: password + "\n",
			wantErr: "user name must be 1 to 64 lower-case letters"},
		{name: "a short password", args: []string{"add-user", "--name", "ada"}, stdin: "short\n", wantErr: "password must be 12 to 72"},
		{name: "a password bcrypt would cut", args: []string{"add-user", "--name", "ada"}, stdin: strings.Repeat("p", 73) + "\n",
			wantErr: "password must be 12 to 72"},
		{name: "an empty TONEBASE_PASSWORD", args: []string{"add-user", "--name", "ada"}, setEnv: true, stdin: password + "\n",
			wantErr: "password must be 12 to 72"},
		{name: "nothing on standard input", args: []string{"add-user", "--name", "ada"}, wantErr: "read password"},
		{name: "a name taken: the first user keeps their password", args: []string{"add-user", "--name", "ada"}, stdin: password + "\n",
			before: func(t *testing.T, data string) {
				withStore(t, data, func(s *columndb.Store) {
					if err := web.AddUser(s, "ada", "the first password", bcrypt.MinCost); err != nil {
						t.Fatal(err)
					}
				})
			},
			wantErr: "already exists", user: "ada", password: "the first password"},
		{name: "the server holds the store", args: []string{"add-user", "--name", "ada"}, stdin: password + "\n",
			before: func(t *testing.T, data string) {
				store, err := columndb.Open(columndb.Options{Dir: filepath.Join(data, "db")})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { store.Close() })
			},
			wantErr: "stop tonebase serve first"},
		{name: "a folder with no store: refused, and none made", args: []string{"add-user", "--name", "ada"}, stdin: password + "\n",
			noStore: true, wantErr: "holds no tonebase store"},
		{name: "a folder --demo made: its own master key is found", args: []string{"add-user", "--name", "ada"}, stdin: password + "\n",
			noStore: true, before: func(t *testing.T, data string) {
				startServer(t, func(c *serveConfig) { c.Data, c.Demo = data, true }).stop()
			}},
		{name: "a folder made with a master key, and none given", args: []string{"add-user", "--name", "ada"}, stdin: password + "\n",
			noStore: true, before: func(t *testing.T, data string) {
				startServer(t, func(c *serveConfig) { c.Data, c.MasterKeyFile = data, testKeyFile }).stop()
			},
			wantErr: "made with a master key: give add-user the key"},
		{name: "a folder made with a master key, given as serve takes it", args: []string{"add-user", "--name", "ada", "--master-key-file", testKeyFile},
			stdin: password + "\n", noStore: true, before: func(t *testing.T, data string) {
				startServer(t, func(c *serveConfig) { c.Data, c.MasterKeyFile = data, testKeyFile }).stop()
			}},
		{name: "an unknown flag", args: []string{"add-user", "--name", "ada", "--password", password}, wantErr: "flag provided but not defined"},
		{name: "no such subcommand", args: []string{"remove-user", "--name", "ada"}, wantErr: "usage: tonebase admin add-user"},
		{name: "no subcommand", wantErr: "usage: tonebase admin add-user"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, v := range []string{"TONEBASE_PASSWORD", "TONEBASE_NAME", "TONEBASE_DATA"} {
				unsetenv(t, v)
			}
			if tt.setEnv {
				t.Setenv("TONEBASE_PASSWORD", tt.env)
			}
			data := t.TempDir()
			unsetenv(t, "TONEBASE_MASTER_KEY")
			if !tt.noStore {
				withStore(t, data, func(*columndb.Store) {})
			}
			if tt.before != nil {
				tt.before(t, data)
			}
			args := tt.args
			if len(args) > 0 && args[0] == "add-user" {
				args = append(args, "--data", data)
			}
			var out bytes.Buffer
			stdin := strings.NewReader(tt.stdin)
			err := adminCmd(args, stdin, &out)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("error %v\n%s", err, out.String())
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error %v, want one saying %q", err, tt.wantErr)
			}
			if tt.wantErr == "" && !strings.Contains(out.String(), "admin user ada created") {
				t.Fatalf("output %q", out.String())
			}
			if strings.Contains(out.String(), password) || (tt.env != "" && strings.Contains(out.String(), tt.env)) {
				t.Fatalf("the password was echoed: %q", out.String())
			}
			if tt.setEnv && (stdin.Len() != len(tt.stdin) || strings.Contains(out.String(), "Password")) {
				t.Fatal("asked for the password on standard input although TONEBASE_PASSWORD is set")
			}
			if tt.noStore && tt.before == nil {
				if entries, _ := os.ReadDir(data); len(entries) > 0 {
					t.Fatalf("the refused command made %v in the data folder", entries)
				}
			}
			if tt.user != "" && !signsIn(t, data, tt.user, tt.password) {
				t.Fatalf("%s cannot sign in with %q", tt.user, tt.password)
			}
		})
	}
}
