package bench

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// BackupReport is what BackupRestore measured.
type BackupReport struct {
	Rows          int
	FileBytes     int64
	Backup        time.Duration // alone
	BackupLookups time.Duration // with lookups running
	Restore       time.Duration
	During        Stats // the lookups during the second backup
	Alone         Stats // the same lookups with no backup, just before
}

// BackupRestore loads rows into a fresh server with a master key, as a
// production server runs, and measures the tonebase binary's own commands:
// a backup with nothing else running, a second one while lookups arrive at
// rate on conns connections (their latency is the backup's cost to
// callers, read against the same lookups with no backup just before), and
// a restore of the first into a new folder, which it then
// serves and asks for a row.
func BackupRestore(w io.Writer, work, bin string, rows, batch, inflight, rate, conns int) (BackupReport, error) {
	const token = "bench-admin-token-0123456789"
	r := BackupReport{Rows: rows}
	keyFile := filepath.Join(work, "master.key")
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	if err := os.WriteFile(keyFile, []byte(hex.EncodeToString(key)), 0o600); err != nil {
		return r, err
	}
	p, err := StartTonebase(bin, filepath.Join(work, "source"), token, "--master-key-file", keyFile)
	if err != nil {
		return r, err
	}
	defer func() { p.Stop() }()
	t, err := Setup(p.Addr, token)
	if err != nil {
		return r, err
	}
	if _, _, err := Upload(p.Addr, t.CID, t.DBID, Batches(t.CID, t.DBID, t.UploadPassword, 0, rows, batch), inflight); err != nil {
		return r, err
	}
	file := filepath.Join(work, "tonebase.backup")
	backup := func() (time.Duration, error) {
		start := time.Now()
		out, err := exec.Command(bin, "backup", "--url", "http://"+p.Addr, "--admin-token", token, "--out", file).CombinedOutput()
		if err != nil {
			return 0, fmt.Errorf("bench: backup: %w: %s", err, out)
		}
		return time.Since(start), nil
	}
	if r.Backup, err = backup(); err != nil {
		return r, err
	}
	st, err := os.Stat(file)
	if err != nil {
		return r, err
	}
	r.FileBytes = st.Size()
	fmt.Fprintf(w, "backup   %d rows, %.1f MiB file: %v, %.0f rows/s, %.1f MiB/s\n", rows, mib(r.FileBytes), r.Backup.Round(time.Millisecond),
		float64(rows)/r.Backup.Seconds(), mib(r.FileBytes)/r.Backup.Seconds())

	target := LookupTarget(p.Addr, t, rows)
	// The same schedule with nothing else running first: what the machine
	// allows, in this run, for the tail during the backup to be read against.
	r.Alone = OpenLoop(target, rate, conns, max(r.Backup, 3*time.Second))
	fmt.Fprintf(w, "lookups  %d/s on %d connections, no backup: %s\n", rate, conns, r.Alone)
	// Lookups in windows of a second until the backup ends, so they cover
	// all of it however long the pacing makes it.
	done, stop := make(chan Stats), make(chan struct{})
	go func() {
		var parts []Stats
		for {
			select {
			case <-stop:
				done <- merge(parts)
				return
			default:
			}
			parts = append(parts, OpenLoop(target, rate, conns, time.Second))
		}
	}()
	r.BackupLookups, err = backup()
	close(stop)
	r.During = <-done
	if err != nil {
		return r, err
	}
	fmt.Fprintf(w, "backup   with %d lookups/s on %d connections: %v, %.0f rows/s; lookups %s\n", rate, conns,
		r.BackupLookups.Round(time.Millisecond), float64(rows)/r.BackupLookups.Seconds(), r.During)

	restored := filepath.Join(work, "restored")
	start := time.Now()
	cmd := exec.Command(bin, "restore", "--data", restored, "--file", file, "--master-key-file", keyFile)
	if out, err := cmd.CombinedOutput(); err != nil {
		return r, fmt.Errorf("bench: restore: %w: %s", err, out)
	}
	r.Restore = time.Since(start)
	fmt.Fprintf(w, "restore  %d rows: %v, %.0f rows/s, %.1f MiB/s of backup\n", rows, r.Restore.Round(time.Millisecond),
		float64(rows)/r.Restore.Seconds(), mib(r.FileBytes)/r.Restore.Seconds())
	p.Stop()
	if p, err = StartTonebase(bin, restored, token, "--master-key-file", keyFile); err != nil {
		return r, err
	}
	// A row loaded at the start answers from the restored folder.
	req, _ := http.NewRequest("GET", "http://"+p.Addr+target.Path(0), nil)
	req.SetBasicAuth(t.APIKey, t.APISecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return r, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte(`"status":"found"`)) {
		return r, fmt.Errorf("bench: the restored server does not find a row: %d %s", resp.StatusCode, body)
	}
	return r, nil
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }
