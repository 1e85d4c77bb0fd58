package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/rs/zerolog"

	"github.com/tonebase/tonebase/admin/web"
	"github.com/tonebase/tonebase/columndb"
)

// adminCmd runs "tonebase admin <subcommand>".
func adminCmd(args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "add-user" {
		return errors.New("usage: tonebase admin add-user --name NAME [--data DIR] (password on standard input, or TONEBASE_PASSWORD)")
	}
	return addUserCmd(args[1:], stdin, stdout)
}

// addUserCmd creates an admin user who signs in to the /admin/ pages. The
// password comes from TONEBASE_PASSWORD or the first line of standard
// input, never a flag: flags show in ps and shell history.
func addUserCmd(args []string, stdin io.Reader, stdout io.Writer) error {
	var name, data string
	f := newFlags("admin add-user")
	f.str(&name, "name", "", "user name: lower-case letters, digits, . _ @ -")
	f.str(&data, "data", "./tonebase-data", "data folder")
	if err := f.parse(args); err != nil {
		return err
	}
	if name == "" {
		return errors.New("admin add-user needs --name")
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
	store, err := columndb.Open(columndb.Options{Dir: filepath.Join(data, "db"), Logger: badgerLogger{zerolog.Nop()}})
	if err != nil {
		return fmt.Errorf("%w (stop tonebase serve first: the store allows one process)", err)
	}
	defer store.Close()
	if err := web.AddUser(store, name, password, 0); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "admin user %s created; sign in at /admin/\n", strings.ToLower(name))
	return nil
}
