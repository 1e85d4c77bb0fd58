package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/rs/zerolog"

	"github.com/tonebase/tonebase/admin/web"
	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer/vault"
)

const adminUsage = "usage: tonebase admin add-user --name NAME [--data DIR] [--master-key-file FILE] (password on standard input, or TONEBASE_PASSWORD)"

// adminCmd runs "tonebase admin <subcommand>".
func adminCmd(args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
		fmt.Fprintln(stdout, adminUsage)
		return nil
	}
	if len(args) == 0 || args[0] != "add-user" {
		return errors.New(adminUsage)
	}
	return addUserCmd(args[1:], stdin, stdout)
}

// addUserCmd creates an admin user who signs in to the /admin/ pages. The
// password comes from TONEBASE_PASSWORD or the first line of standard
// input, never a flag: flags show in ps and shell history.
func addUserCmd(args []string, stdin io.Reader, stdout io.Writer) error {
	var name, data, keyFile string
	var anyMode bool
	f := newFlags("admin add-user")
	f.str(&name, "name", "", "user name: lower-case letters, digits, . _ @ -")
	f.str(&data, "data", "./tonebase-data", "data folder, as tonebase serve is given it")
	f.str(&keyFile, "master-key-file", "", "the master key tonebase serve starts with (or TONEBASE_MASTER_KEY); a --demo folder's own key is found by itself")
	f.boolean(&anyMode, "master-key-any-mode", false, "accept a --master-key-file that group or others may read")
	if err := f.parse(args); err != nil {
		return err
	}
	if name == "" {
		return errors.New("admin add-user needs --name")
	}
	if err := holdsStore(data); err != nil {
		return err
	}
	// The key as serve resolves it; a folder --demo made keeps its
	// throwaway key beside the data, which serve --demo would use.
	_, demoErr := os.Stat(filepath.Join(data, demoKeyFile))
	master, err := masterKey(serveConfig{Data: data, MasterKeyFile: keyFile, AnyKeyMode: anyMode,
		MasterKey: os.Getenv("TONEBASE_MASTER_KEY"), Demo: demoErr == nil}, zerolog.Nop())
	if err != nil {
		return err
	}
	password, ok := os.LookupEnv("TONEBASE_PASSWORD")
	if !ok {
		fmt.Fprintln(stdout, "Password (12 to 72 characters), then Enter:")
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !(errors.Is(err, io.EOF) && line != "") {
			return fmt.Errorf("read password: %w", err)
		}
		password = strings.TrimRight(line, "\r\n")
	}
	var atRest []byte
	if master != nil {
		atRest = vault.StoreKey(master)
	}
	store, err := columndb.Open(columndb.Options{Dir: filepath.Join(data, "db"), EncryptionKey: atRest, Logger: badgerLogger{zerolog.Nop()}})
	if err != nil {
		return permissionHint(openHint(err, master != nil,
			"give add-user the key tonebase serve starts with, as --master-key-file or TONEBASE_MASTER_KEY"), data)
	}
	defer store.Close()
	if err := web.AddUser(store, name, password, 0); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "admin user %s created; sign in at /admin/\n", strings.ToLower(name))
	return nil
}

// holdsStore refuses a data folder without a store, so a mistyped --data
// does not create a new store that no server reads.
func holdsStore(data string) error {
	_, err := os.Stat(filepath.Join(data, "db", "MANIFEST"))
	switch {
	case err == nil:
		return nil
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s holds no tonebase store (no db/MANIFEST): give --data the folder tonebase serve uses; serve makes the store at its first start", data)
	}
	return permissionHint(err, data)
}
