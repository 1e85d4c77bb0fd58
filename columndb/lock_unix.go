//go:build unix

package columndb

import (
	"errors"
	"os"
	"syscall"
)

// heldByOther reports whether another process (or another open store in
// this one) holds the lock Badger takes on dir itself. Badger's own
// refusal carries no error to test for, so Open looks first, and a store
// held elsewhere is reported as ErrLocked.
func heldByOther(dir string) bool {
	f, err := os.Open(dir)
	if err != nil {
		return false
	}
	defer f.Close()
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if err == nil {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	}
	return errors.Is(err, syscall.EWOULDBLOCK)
}
