package cluster

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"
)

// decentralised is an operator and an account with JetStream, as an
// existing NATS deployment run with JWTs (nsc) has them.
type decentralised struct {
	operator *jwt.OperatorClaims
	sysPub   string
	sysJWT   string
	opKey    nkeys.KeyPair
	accPub   string
	accJWT   string
	accKey   nkeys.KeyPair
}

func newDecentralised(t *testing.T) decentralised {
	t.Helper()
	opKey, opPub := keyPair(t, nkeys.CreateOperator)
	// JetStream needs the server's system account.
	_, sysPub := keyPair(t, nkeys.CreateAccount)
	op := jwt.NewOperatorClaims(opPub)
	op.Name = "test-operator"
	op.SystemAccount = sysPub
	opJWT, err := op.Encode(opKey)
	must(t, err)
	op, err = jwt.DecodeOperatorClaims(opJWT)
	must(t, err)
	sys := jwt.NewAccountClaims(sysPub)
	sys.Name = "SYS"
	sysJWT, err := sys.Encode(opKey)
	must(t, err)
	accKey, accPub := keyPair(t, nkeys.CreateAccount)
	ac := jwt.NewAccountClaims(accPub)
	ac.Name = "tonebase"
	ac.Limits.JetStreamLimits = jwt.JetStreamLimits{MemoryStorage: jwt.NoLimit, DiskStorage: jwt.NoLimit, Streams: jwt.NoLimit, Consumer: jwt.NoLimit}
	accJWT, err := ac.Encode(opKey)
	must(t, err)
	return decentralised{operator: op, sysPub: sysPub, sysJWT: sysJWT, opKey: opKey, accPub: accPub, accJWT: accJWT, accKey: accKey}
}

// creds writes a .creds file for a new user signed by key.
func creds(t *testing.T, key nkeys.KeyPair, name string) string {
	t.Helper()
	uKey, uPub := keyPair(t, nkeys.CreateUser)
	uc := jwt.NewUserClaims(uPub)
	uc.Name = name
	uJWT, err := uc.Encode(key)
	must(t, err)
	seed, err := uKey.Seed()
	must(t, err)
	b, err := jwt.FormatUserConfig(uJWT, seed)
	must(t, err)
	path := filepath.Join(t.TempDir(), name+".creds")
	must(t, os.WriteFile(path, b, 0o600))
	return path
}

// keyPair makes a key with create and returns it with its public key.
func keyPair(t *testing.T, create func() (nkeys.KeyPair, error)) (nkeys.KeyPair, string) {
	t.Helper()
	kp, err := create()
	must(t, err)
	pub, err := kp.PublicKey()
	must(t, err)
	return kp, pub
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestDialCredentials runs a NATS server in operator mode, the set-up a
// credentials file (--nats-creds) is for: a user of the account with
// JetStream connects and appends; a user of an account the server does
// not know, or no credentials, is refused with ErrCredentials.
func TestDialCredentials(t *testing.T) {
	d := newDecentralised(t)
	resolver := &server.MemAccResolver{}
	must(t, resolver.Store(d.accPub, d.accJWT))
	must(t, resolver.Store(d.sysPub, d.sysJWT))
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(),
		MaxPayload: EmbeddedMaxPayload, NoSigs: true, TrustedOperators: []*jwt.OperatorClaims{d.operator}, AccountResolver: resolver,
		SystemAccount: d.sysPub})
	must(t, err)
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("the NATS server did not start")
	}
	t.Cleanup(s.Shutdown)
	url := fmt.Sprintf("nats://127.0.0.1:%d", s.Addr().(*net.TCPAddr).Port)
	stranger, _ := keyPair(t, nkeys.CreateAccount)

	dialCases(t, []dialCase{
		{"a user of the account", Conn{URLs: url, CredsFile: creds(t, d.accKey, "tonebase-n1")}, true},
		{"credentials take the place of a user and password", Conn{URLs: url, CredsFile: creds(t, d.accKey, "tonebase-n2"), User: "tonebase", Password: "derived"}, true},
		{"a user of an account the server does not know", Conn{URLs: url, CredsFile: creds(t, stranger, "intruder")}, false},
		{"no credentials", Conn{URLs: url}, false},
		{"a user and password alone", Conn{URLs: url, User: "tonebase", Password: "derived"}, false},
	}, ErrCredentials, nil)
}
