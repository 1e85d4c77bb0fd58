package web

import (
	"encoding/json"
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

var (
	errNoUser    = errors.New("web: no such admin user")
	errLastAdmin = errors.New("web: the last enabled admin user cannot be disabled or removed")
)

// userProblem is what a user form must correct, and which field it is in.
type userProblem struct {
	field, reason string
	kind          error // also matched by errors.Is, beside errBadUser
}

func (p *userProblem) Error() string { return "web: invalid admin user: " + p.reason }
func (p *userProblem) Is(target error) bool {
	return target == errBadUser || (p.kind != nil && target == p.kind)
}

// User is an admin who signs in to the pages. Only a bcrypt hash of the
// password is kept. A disabled user cannot sign in.
type User struct {
	Name     string    `json:"name"`
	Hash     string    `json:"hash"`
	Created  time.Time `json:"created"`
	Disabled bool      `json:"disabled,omitempty"`
	Updated  time.Time `json:"updated,omitzero"`
	By       string    `json:"by,omitempty"` // who added it, when added in the pages
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
	any  atomic.Bool // set once a user exists; the last one is never removed

	// mu orders changes that check the other users (the last enabled
	// admin), so two admins disabling each other cannot both succeed.
	mu sync.Mutex

	dummyOnce sync.Once
	dummyHash []byte
}

func checkUser(name, password string) error {
	if name == "" || len(name) > 64 || strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789._@-") != "" {
		return &userProblem{field: "name", reason: "the user name must be 1 to 64 lower-case letters, digits or . _ @ -"}
	}
	return checkPassword(password)
}

func checkPassword(password string) error {
	if len(password) < minPassword || len(password) > maxPassword {
		return &userProblem{field: "password", reason: fmt.Sprintf("the password must be %d to %d characters", minPassword, maxPassword)}
	}
	return nil
}

func (u *users) add(name, password string) error { return u.addBy(name, password, "") }

// addBy stores a new user added by another admin (by, "" for the command
// line and the setup page).
func (u *users) addBy(name, password, by string) error {
	name = strings.ToLower(strings.TrimSpace(name))
	if err := checkUser(name, password); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), u.cost)
	if err != nil {
		return fmt.Errorf("web: hash password: %w", err)
	}
	err = u.docs.PutDoc(collUsers, name, User{Name: name, Hash: string(hash), Created: u.now().UTC(), By: by}, true)
	if errors.Is(err, columndb.ErrExists) {
		return &userProblem{field: "name", reason: "an admin user named " + name + " already exists", kind: ErrUserExists}
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
	// A disabled user's password is still compared, so the answer takes
	// as long and says nothing of which it was.
	match := bcrypt.CompareHashAndPassword([]byte(user.Hash), []byte(password)) == nil
	return match && !user.Disabled, nil
}

// list returns every admin user, by name.
func (u *users) list() ([]User, error) {
	var out []User
	err := u.docs.EachDoc(collUsers, func(_ string, v []byte) error {
		var user User
		if err := json.Unmarshal(v, &user); err != nil {
			return err
		}
		user.Hash = ""
		out = append(out, user)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: read users: %w", err)
	}
	return out, nil
}

func (u *users) get(name string) (User, error) {
	var user User
	err := u.docs.GetDoc(collUsers, name, &user)
	if errors.Is(err, columndb.ErrNotFound) || (err == nil && user.Name == "") {
		return User{}, errNoUser
	}
	if err != nil {
		return User{}, fmt.Errorf("web: read user: %w", err)
	}
	return user, nil
}

// othersEnabled reports whether an enabled user other than name exists.
func (u *users) othersEnabled(name string) (bool, error) {
	all, err := u.list()
	if err != nil {
		return false, err
	}
	for _, o := range all {
		if o.Name != name && !o.Disabled {
			return true, nil
		}
	}
	return false, nil
}

// setDisabled disables or enables name. The last enabled user cannot be
// disabled: someone must be able to sign in.
func (u *users) setDisabled(name string, disabled bool) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	user, err := u.get(name)
	if err != nil {
		return err
	}
	if disabled && !user.Disabled {
		if ok, err := u.othersEnabled(name); err != nil {
			return err
		} else if !ok {
			return errLastAdmin
		}
	}
	user.Disabled, user.Updated = disabled, u.now().UTC()
	if err := u.docs.PutDoc(collUsers, name, user, false); err != nil {
		return fmt.Errorf("web: store user: %w", err)
	}
	return nil
}

// remove deletes name, which must be disabled first: removing is the
// second step, so a slip of the mouse cannot lock anyone out at once.
func (u *users) remove(name string) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	user, err := u.get(name)
	if err != nil {
		return err
	}
	if !user.Disabled {
		if ok, err := u.othersEnabled(name); err != nil {
			return err
		} else if !ok {
			return errLastAdmin
		}
		return &userProblem{field: "user", reason: "disable " + name + " first, then remove it"}
	}
	if err := u.docs.DeleteDoc(collUsers, name); err != nil {
		return fmt.Errorf("web: remove user: %w", err)
	}
	return nil
}

// setPassword replaces name's password; the caller has checked the old one.
func (u *users) setPassword(name, password string) error {
	if err := checkPassword(password); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), u.cost)
	if err != nil {
		return fmt.Errorf("web: hash password: %w", err)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	user, err := u.get(name)
	if err != nil {
		return err
	}
	user.Hash, user.Updated = string(hash), u.now().UTC()
	if err := u.docs.PutDoc(collUsers, name, user, false); err != nil {
		return fmt.Errorf("web: store user: %w", err)
	}
	return nil
}
