package web

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/tonebase/tonebase/columndb"
)

const collUsers = "webuser"

// ErrUserExists reports a user name already taken.
var ErrUserExists = errors.New("web: admin user already exists")

// errBadUser is a user name or password the rules refuse.
var errBadUser = errors.New("web: invalid admin user")

// User is an admin who signs in to the pages. Only a bcrypt hash of the
// password is kept.
type User struct {
	Name    string    `json:"name"`
	Hash    string    `json:"hash"`
	Created time.Time `json:"created"`
}

// Password rules: bcrypt reads at most 72 bytes, and a longer password
// must not silently lose its tail.
const (
	minPassword = 12
	maxPassword = 72
)

// AddUser stores a new admin user with a bcrypt hash of password at cost
// (0 for the default). The tonebase admin add-user command and the setup
// page both come here.
func AddUser(docs Docs, name, password string, cost int) error {
	u := &users{docs: docs, cost: cost, now: time.Now}
	if cost == 0 {
		u.cost = bcrypt.DefaultCost + 2
	}
	return u.add(name, password)
}

type users struct {
	docs Docs
	cost int
	now  func() time.Time
	any  atomic.Bool // set once a user exists; users are never removed

	dummyOnce sync.Once
	dummyHash []byte
}

func checkUser(name, password string) error {
	if name == "" || len(name) > 64 || strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789._@-") != "" {
		return fmt.Errorf("%w: the user name must be 1 to 64 lower-case letters, digits or . _ @ -", errBadUser)
	}
	if len(password) < minPassword || len(password) > maxPassword {
		return fmt.Errorf("%w: the password must be %d to %d characters", errBadUser, minPassword, maxPassword)
	}
	return nil
}

func (u *users) add(name, password string) error {
	name = strings.ToLower(strings.TrimSpace(name))
	if err := checkUser(name, password); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), u.cost)
	if err != nil {
		return fmt.Errorf("web: hash password: %w", err)
	}
	err = u.docs.PutDoc(collUsers, name, User{Name: name, Hash: string(hash), Created: u.now().UTC()}, true)
	if errors.Is(err, columndb.ErrExists) {
		return fmt.Errorf("%w: %s", ErrUserExists, name)
	}
	if err != nil {
		return fmt.Errorf("web: store user: %w", err)
	}
	u.any.Store(true)
	return nil
}

// exist reports whether any admin user exists; until one does, the pages
// offer only the setup page.
func (u *users) exist() (bool, error) {
	if u.any.Load() {
		return true, nil
	}
	errFound := errors.New("found")
	err := u.docs.EachDoc(collUsers, func(string, []byte) error { return errFound })
	if errors.Is(err, errFound) {
		u.any.Store(true)
		return true, nil
	}
	return false, err
}

// dummy is a hash compared against when the user does not exist, so a
// sign-in takes as long for an unknown name as for a wrong password.
func (u *users) dummy() []byte {
	u.dummyOnce.Do(func() {
		u.dummyHash, _ = bcrypt.GenerateFromPassword([]byte("no such user, no such password"), u.cost)
	})
	return u.dummyHash
}

// verify reports whether name and password match a stored user.
func (u *users) verify(name, password string) (bool, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	var user User
	err := u.docs.GetDoc(collUsers, name, &user)
	if errors.Is(err, columndb.ErrNotFound) || (err == nil && user.Name == "") {
		_ = bcrypt.CompareHashAndPassword(u.dummy(), []byte(password))
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("web: read user: %w", err)
	}
	return bcrypt.CompareHashAndPassword([]byte(user.Hash), []byte(password)) == nil, nil
}
