package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer/vault"
	"github.com/tonebase/tonebase/internal/backup"
	"github.com/tonebase/tonebase/internal/tenant"
)

// restoringDB is where a restore builds the store. It becomes db/ only
// once the whole backup has verified, so a restore that fails or is killed
// never leaves a folder serve would open as if it were whole.
const restoringDB = "db.restoring"

// restoreCmd builds a new data folder from a backup on standard input (or
// --file), taking the master key as serve does.
func restoreCmd(args []string, stdin io.Reader, stderr io.Writer) error {
	var cfg serveConfig
	var file string
	f := newFlags("restore")
	f.str(&cfg.Data, "data", "./tonebase-data", "the new data folder: absent or empty")
	f.str(&file, "file", "-", "the backup file (- for standard input)")
	f.str(&cfg.MasterKeyFile, "master-key-file", "", "the master key of the server the backup was taken from (or TONEBASE_MASTER_KEY)")
	f.boolean(&cfg.AnyKeyMode, "master-key-any-mode", false, "accept a --master-key-file that group or others may read (refused otherwise)")
	cfg.MasterKey = os.Getenv("TONEBASE_MASTER_KEY")
	if err := f.parse(args); err != nil {
		return err
	}
	master, err := masterKey(cfg, zerolog.Nop())
	if err != nil {
		return err
	}
	in := stdin
	if file != "-" {
		fh, err := os.Open(file)
		if err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		defer fh.Close()
		in = fh
	} else if fh, ok := stdin.(*os.File); ok && isTerminal(fh) {
		return errors.New("restore reads the backup from standard input: tonebase restore --data DIR < tonebase.backup (or --file)")
	}
	created, err := emptyDataFolder(cfg.Data)
	if err != nil {
		return err
	}
	start := time.Now()
	st, err := restoreInto(cfg.Data, in, master)
	if err != nil {
		// Nothing of a failed restore is kept.
		_ = os.RemoveAll(filepath.Join(cfg.Data, restoringDB))
		if created {
			_ = os.Remove(cfg.Data)
		}
		return err
	}
	took := time.Since(start)
	fmt.Fprintf(stderr, "restore: %d keys (%.1f MiB) in %s (%.0f keys/s) into %s\n", st.Keys, float64(st.Bytes)/(1<<20),
		took.Round(time.Millisecond), float64(st.Keys)/max(took.Seconds(), 0.001), cfg.Data)
	start2 := "tonebase serve --data " + cfg.Data
	if master != nil {
		start2 += " with the same master key (--master-key-file or TONEBASE_MASTER_KEY)"
	}
	fmt.Fprintln(stderr, "restore: start it with: "+start2)
	if _, err := os.Stat(filepath.Join(cfg.Data, "admin.token")); err != nil {
		fmt.Fprintln(stderr, "restore: the backup holds no admin.token (its server was given --admin-token): give serve the same --admin-token, or it makes a new one")
	}
	return nil
}

// emptyDataFolder makes sure dir holds nothing, creating it if it is
// absent: a restore never mixes with or overwrites a data folder.
func emptyDataFolder(dir string) (created bool, err error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return false, fmt.Errorf("restore: %w", err)
		}
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("restore: %w", err)
	}
	if len(entries) == 0 {
		return false, nil
	}
	var names []string
	for _, e := range entries {
		if e.Name() == restoringDB {
			return false, fmt.Errorf("restore: %s holds an unfinished restore (%s): remove the folder and restore again", dir, restoringDB)
		}
		names = append(names, e.Name())
	}
	if len(names) > 4 {
		names = append(names[:4], "…")
	}
	return false, fmt.Errorf("restore: %s already holds data (%s): restore into a new or empty folder; a restore never overwrites one",
		dir, strings.Join(names, ", "))
}

// restoreInto reads the backup, building the store aside, and once it has
// verified to its end writes the files and puts the store in place.
func restoreInto(data string, in io.Reader, master []byte) (columndb.BackupStats, error) {
	var atRest []byte
	if master != nil {
		atRest = vault.StoreKey(master)
	}
	var st columndb.BackupStats
	_, files, err := backup.Read(in, backupKey(master), func(r io.Reader) error {
		var err error
		st, err = columndb.Restore(columndb.Options{Dir: filepath.Join(data, restoringDB), EncryptionKey: atRest,
			Logger: badgerLogger{zerolog.Nop()}}, r)
		return err
	})
	switch {
	case errors.Is(err, backup.ErrNeedKey):
		return st, fmt.Errorf("restore: the backup is encrypted under its server's master key: give the same key with --master-key-file or TONEBASE_MASTER_KEY")
	case errors.Is(err, backup.ErrWrongKey):
		return st, fmt.Errorf("restore: the master key given is not the one this backup was made under: give its server's master key")
	case err != nil:
		return st, fmt.Errorf("restore: %w; nothing was restored", err)
	}
	have := map[string]bool{}
	for _, f := range files {
		if !slices.Contains(backupFiles, f.Name) || have[f.Name] {
			return st, fmt.Errorf("restore: the backup holds a file %q this tonebase does not restore; nothing was restored", f.Name)
		}
		have[f.Name] = true
	}
	if !have["secrets.key"] {
		return st, errors.New("restore: the backup holds no secrets.key, without which no upload verifies; nothing was restored")
	}
	var written []string
	undo := func(err error) (columndb.BackupStats, error) {
		for _, p := range written {
			_ = os.Remove(p)
		}
		return st, fmt.Errorf("restore: %w", err)
	}
	for _, f := range files {
		path := filepath.Join(data, f.Name)
		if err := tenant.WriteSecretFile(path, f.Data); err != nil {
			return undo(err)
		}
		written = append(written, path)
	}
	if err := os.Rename(filepath.Join(data, restoringDB), filepath.Join(data, "db")); err != nil {
		return undo(err)
	}
	if d, err := os.Open(data); err == nil {
		_ = d.Sync() // the rename survives a power cut
		_ = d.Close()
	}
	return st, nil
}
