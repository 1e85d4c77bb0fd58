package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"strconv"

	"github.com/tonebase/tonebase/columndb"
)

// permissionHint names the folder and the user when err is a permission
// refused: "permission denied" alone does not say who was refused what.
func permissionHint(err error, dir string) error {
	if !errors.Is(err, fs.ErrPermission) {
		return err
	}
	who := "uid " + strconv.Itoa(os.Geteuid())
	if u, uerr := user.Current(); uerr == nil {
		who = u.Username + " (" + who + ")"
	}
	return fmt.Errorf("%w: tonebase runs as user %s, who may not read and write the data folder %s; give that user the folder (chown -R), or run as the user who owns it",
		err, who, dir)
}

// openHint says what to do about a store that did not open. keyGiven
// says whether a master key was given; how is how to give one.
func openHint(err error, keyGiven bool, how string) error {
	switch {
	case errors.Is(err, columndb.ErrLocked):
		return fmt.Errorf("%w (another process holds this data folder, most likely a running tonebase serve, and the store allows one process: stop tonebase serve first)", err)
	case errors.Is(err, columndb.ErrWrongKey) && keyGiven:
		return fmt.Errorf("%w (with a master key the store is encrypted at rest: a folder made without one, or with another key, does not open)", err)
	case errors.Is(err, columndb.ErrWrongKey):
		return fmt.Errorf("%w (this folder was made with a master key: %s)", err, how)
	}
	return err
}
