package twilio

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/tonebase/tonebase/ivr/callflow"
)

// StateTTL is how long a call's state stays good: a caller has 15 minutes
// from one turn to the next.
const StateTTL = 15 * time.Minute

// PayStateTTL is how long the state handed to <Pay> stays good: its
// action request says a card was charged (or kept), which must be posted
// however long the caller took over their card details.
const PayStateTTL = time.Hour

// errState is a state parameter that does not open: expired, from another
// call, client or database, or not tonebase's.
var errState = errors.New("twilio: state does not open")

// sealer seals call states. What a state says is readable only by this
// server, and it opens only for the client, database and call it was
// sealed for.
type sealer struct{ aead cipher.AEAD }

// newSealer derives the state key from the server's secret, so that the
// key sealing upload passwords never seals anything else.
func newSealer(secret []byte) (*sealer, error) {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("tonebase twilio call state v2"))
	block, err := aes.NewCipher(m.Sum(nil))
	if err != nil {
		return nil, fmt.Errorf("twilio: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("twilio: %w", err)
	}
	return &sealer{aead: aead}, nil
}

// binding is the additional data a state is sealed to.
func binding(cid, dbid int64, callSid string) []byte {
	b := strconv.AppendInt(nil, cid, 10)
	b = append(b, '/')
	b = strconv.AppendInt(b, dbid, 10)
	b = append(b, '/')
	return append(b, callSid...)
}

// seal encodes st, issued at now, as URL-safe text.
func (s *sealer) seal(cid, dbid int64, callSid string, st callflow.State, now time.Time) (string, error) {
	// issued (8 bytes), ref, tries, stage, the four amounts (8 bytes
	// each), then each keyed ref as a length and its digits: refs are at
	// most 32 digits and there are at most three.
	plain := binary.BigEndian.AppendUint64(nil, uint64(now.Unix()))
	plain = append(plain, byte(st.Ref), byte(st.Tries), byte(st.Stage))
	for _, a := range []int64{st.Balance, st.Least, st.Most, st.Amount} {
		plain = binary.BigEndian.AppendUint64(plain, uint64(a))
	}
	for _, k := range st.Keyed {
		if len(k) > 255 {
			return "", fmt.Errorf("twilio: a keyed ref of %d characters", len(k))
		}
		plain = append(plain, byte(len(k)))
		plain = append(plain, k...)
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("twilio: nonce: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, plain, binding(cid, dbid, callSid))), nil
}

// fixedState is the length of a state before its keyed refs.
const fixedState = 8 + 3 + 4*8

// open reads back what seal wrote for the same client, database and call,
// refusing one older than StateTTL.
func (s *sealer) open(cid, dbid int64, callSid, text string, now time.Time) (callflow.State, error) {
	// One spelling per state: the decoder would skip CR and LF, and
	// accept stray bits in the last character, so neither is let through.
	for i := 0; i < len(text); i++ {
		if c := text[i]; !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return callflow.State{}, errState
		}
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(text)
	n := s.aead.NonceSize()
	if err != nil || len(raw) < n {
		return callflow.State{}, errState
	}
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], binding(cid, dbid, callSid))
	if err != nil || len(plain) < fixedState {
		return callflow.State{}, errState
	}
	st := callflow.State{Ref: int(plain[8]), Tries: int(plain[9]), Stage: callflow.Stage(plain[10])}
	amounts := [4]int64{}
	for i := range amounts {
		amounts[i] = int64(binary.BigEndian.Uint64(plain[11+8*i:]))
	}
	st.Balance, st.Least, st.Most, st.Amount = amounts[0], amounts[1], amounts[2], amounts[3]
	ttl := StateTTL
	if st.Stage == callflow.StagePaying || st.Stage == callflow.StageSaving {
		ttl = PayStateTTL
	}
	issued := time.Unix(int64(binary.BigEndian.Uint64(plain)), 0)
	if now.Sub(issued) > ttl || issued.Sub(now) > time.Minute {
		return callflow.State{}, errState
	}
	for rest := plain[fixedState:]; len(rest) > 0; {
		l := int(rest[0])
		if len(rest) < 1+l {
			return callflow.State{}, errState
		}
		st.Keyed = append(st.Keyed, string(rest[1:1+l]))
		rest = rest[1+l:]
	}
	return st, nil
}
