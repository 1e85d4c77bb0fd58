package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tonebase/tonebase/customer/vault"
	"github.com/tonebase/tonebase/internal/backup"
)

// backupFiles are the data folder's files a backup carries beside the
// store. secrets.key seals the clients' upload passwords: without it no
// upload verifies. admin.token is the admin API's token when serve made
// it; a token given by --admin-token is the operator's to keep. Left out
// on purpose: the master key (demo-master.key too), which the operator
// keeps apart; imports/, which holds uploads in flight and import
// leftovers that serve removes at start. The caller lockout, sign-in
// locks, used signatures, admin users and the vault's sealed data keys
// live in the store, so they travel with it.
var backupFiles = []string{"secrets.key", "admin.token"}

// backupKey is what a backup is sealed under: a key of its own derived
// from the master key, nil without one.
func backupKey(master []byte) []byte {
	if master == nil {
		return nil
	}
	return vault.Derive(master, "backup")
}

// readBackupFiles reads backupFiles from the data folder; secrets.key must
// be there, admin.token may not be.
func readBackupFiles(data string) func() ([]backup.File, error) {
	return func() ([]backup.File, error) {
		var out []backup.File
		for _, name := range backupFiles {
			b, err := os.ReadFile(filepath.Join(data, name))
			if errors.Is(err, os.ErrNotExist) && name != "secrets.key" {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("backup: %w", err)
			}
			out = append(out, backup.File{Name: name, Data: b})
		}
		return out, nil
	}
}

// backupCmd fetches a backup from a running server and writes it to
// standard output, or to --out, which it fills under another name and
// renames only once the whole backup has arrived.
func backupCmd(args []string, stdout io.Writer, stderr io.Writer) error {
	var base, token, out string
	f := newFlags("backup")
	f.str(&base, "url", "http://127.0.0.1:8080", "the running server's base URL")
	f.str(&token, "admin-token", "", "the server's admin token (its <data>/admin.token, or what serve was given)")
	f.str(&out, "out", "", "write the backup to this file instead of standard output")
	if err := f.parse(args); err != nil {
		return err
	}
	if token == "" {
		return errors.New("backup needs --admin-token (or TONEBASE_ADMIN_TOKEN): the server's <data>/admin.token")
	}
	w := stdout
	var tmp *os.File
	if out != "" {
		var err error
		if tmp, err = os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".partial-*"); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		defer os.Remove(tmp.Name()) // gone once renamed; removed if not
		defer tmp.Close()
		w = tmp
	} else if file, ok := stdout.(*os.File); ok && isTerminal(file) {
		return errors.New("backup writes a binary file: redirect standard output (> tonebase.backup) or give --out")
	}
	start := time.Now()
	req, err := http.NewRequest("GET", strings.TrimRight(base, "/")+"/admin/api/backup", nil)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		var e struct{ Error string }
		_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&e)
		return fmt.Errorf("backup: the server answered %s: %s", resp.Status, e.Error)
	}
	h, n, err := backup.Copy(w, resp.Body)
	if err != nil {
		if out == "" {
			return fmt.Errorf("%w; the server's stream ended early (see its log; a backup must finish within its --request-timeout): what was written is not a usable backup, delete it", err)
		}
		return fmt.Errorf("%w; the server's stream ended early (see its log; a backup must finish within its --request-timeout)", err)
	}
	if tmp != nil {
		if err := tmp.Sync(); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		if err := tmp.Close(); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		if err := os.Rename(tmp.Name(), out); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
	}
	took := time.Since(start)
	kind := "encrypted under the server's master key"
	if !h.Encrypted {
		kind = "NOT encrypted (the server has no master key): keep it as safe as the data folder"
	}
	fmt.Fprintf(stderr, "backup: %d bytes in %s (%.1f MiB/s), %s\n", n, took.Round(time.Millisecond),
		float64(n)/(1<<20)/max(took.Seconds(), 0.001), kind)
	return nil
}
