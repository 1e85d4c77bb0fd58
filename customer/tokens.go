package customer

import (
	"crypto/rand"
	"fmt"
	"math/big"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer/field"
	"github.com/tonebase/tonebase/customer/internal/schema"
)

// TokenLen is how many digits a payment method's token has.
const TokenLen = 16

// tokenRandom is how many of a token's digits are random: the rest are the
// number's last four, so a person reading a token knows which card it is.
const tokenRandom = TokenLen - 4

// tokenTries bounds the draws for a token no method of the client has; with
// 10^12 possible tokens per last four a second draw is already rare.
const tokenTries = 8

// ValidToken reports whether s has a token's shape; anything else names no
// method and is answered as not found without a lookup.
func ValidToken(s string) bool { return len(s) == TokenLen && field.AllDigits(s) }

// newToken draws a token for a number whose last four digits are last4:
// twelve random digits, then last4. A token that passed the Luhn check
// would look like a card number to every card-data scanner (and to people),
// so one that does has a random digit changed: a change of one digit always
// breaks the check.
func newToken(last4 string) (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000_000_000))
	if err != nil {
		return "", fmt.Errorf("customer: token: %w", err)
	}
	b := fmt.Appendf(nil, "%012d%s", n, last4)
	if field.Luhn(string(b)) {
		b[tokenRandom-1] = '0' + (b[tokenRandom-1]-'0'+1)%10
	}
	return string(b), nil
}

// lastFour is the last four digits of a masked number ("0000" if it has none).
func lastFour(masked string) string {
	if len(masked) < 4 || !field.AllDigits(masked[len(masked)-4:]) {
		return "0000"
	}
	return masked[len(masked)-4:]
}

// issueToken draws a token no stored method of the tenant has. It runs
// under the tenant's write lock, so no other writer can take it meanwhile.
func (s *Service) issueToken(ts *tenantState, masked string) (string, error) {
	for range tokenTries {
		t, err := newToken(lastFour(masked))
		if err != nil {
			return "", err
		}
		rows, err := s.store.Lookup(ts.payments, schema.IdxToken, []string{t}, 1)
		if err != nil {
			return "", err
		}
		if len(rows) == 0 {
			return t, nil
		}
	}
	return "", fmt.Errorf("customer: no free token after %d draws", tokenTries)
}

// tokenMethods gives every stored method without a token one (methods
// stored before tokens existed), so every method has a token from the
// tenant's first use on. It runs once, when the tenant is opened, before
// any write can start on this node (see numberCustomers for a cluster's).
func (s *Service) tokenMethods(ts *tenantState) error {
	mark := s.store.Mark()
	var missing []storedMethod
	err := s.store.Each(ts.payments, func(r columndb.Row) (bool, error) {
		if m := ts.pay.decode(r); m.Token == "" {
			missing = append(missing, m)
		}
		return true, nil
	})
	if err != nil || len(missing) == 0 {
		return err
	}
	drawn := map[string]bool{}
	for len(missing) > 0 {
		n := min(len(missing), reencryptBatch)
		puts := make([]columndb.Row, 0, n)
		for _, m := range missing[:n] {
			for m.Token == "" || drawn[m.Token] {
				if m.Token, err = s.issueToken(ts, m.Masked); err != nil {
					return err
				}
			}
			drawn[m.Token] = true
			puts = append(puts, ts.pay.encode(m))
		}
		if err := s.store.CommitSince(mark, columndb.Change{Table: ts.payments, Put: puts}); err != nil {
			return fmt.Errorf("customer: token stored methods: %w", err)
		}
		missing = missing[n:]
	}
	return s.store.Sync()
}
