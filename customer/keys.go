package customer

import (
	"context"
	"errors"
	"fmt"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer/vault"
)

// reencryptBatch is how many payment methods one re-encryption commit
// covers: small, so the tenant's writers wait only briefly.
const reencryptBatch = 100

// KeyStatus is what the key admin endpoints answer.
type KeyStatus struct {
	Active string          `json:"active"`
	Keys   []vault.KeyInfo `json:"keys"`
	// Pending counts stored numbers still sealed under an older key.
	Pending int `json:"pending"`
}

// RotateKeys adds a data key, makes it active and starts re-encrypting every
// stored number under it in the background.
func (s *Service) RotateKeys() (KeyStatus, error) {
	if s.ring == nil {
		return KeyStatus{}, s.noVaultErr()
	}
	if _, err := s.ring.Rotate(); err != nil {
		return KeyStatus{}, err
	}
	s.log.Info().Str("key", s.ring.Active()).Msg("vault key rotated; re-encrypting stored numbers in the background")
	select {
	case s.rotate <- struct{}{}:
	default: // a re-encryption is already queued; it will use the newest key
	}
	return s.Keys()
}

// Keys reports the key ring and how many numbers still await re-encryption.
func (s *Service) Keys() (KeyStatus, error) {
	if s.ring == nil {
		return KeyStatus{}, s.noVaultErr()
	}
	st := KeyStatus{Active: s.ring.Active(), Keys: s.ring.Keys()}
	err := s.eachTenant(func(ts *tenantState) error {
		ids, err := s.staleSecrets(ts)
		st.Pending += len(ids)
		return err
	})
	return st, err
}

// staleSecrets lists the payment methods sealed under a key other than the active one.
func (s *Service) staleSecrets(ts *tenantState) ([]string, error) {
	active := s.ring.Active()
	var ids []string
	err := s.store.Each(ts.payments, func(r columndb.Row) (bool, error) {
		if m := ts.pay.decode(r); vault.KeyID(m.secret) != active {
			ids = append(ids, m.ID)
		}
		return true, nil
	})
	return ids, err
}

// Reencrypt re-seals every stored number not under the active key, in small
// commits taken under each tenant's write lock, and returns how many it
// re-sealed. It stops early when ctx ends; what is done stays done.
func (s *Service) Reencrypt(ctx context.Context) (int, error) {
	if s.ring == nil {
		return 0, nil
	}
	done := 0
	err := s.eachTenant(func(ts *tenantState) error {
		ids, err := s.staleSecrets(ts)
		if err != nil {
			return err
		}
		for len(ids) > 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			n := min(reencryptBatch, len(ids))
			k, err := s.reseal(ts, ids[:n])
			done += k
			if err != nil {
				return err
			}
			ids = ids[n:]
		}
		return nil
	})
	return done, err
}

func (s *Service) reseal(ts *tenantState, ids []string) (int, error) {
	ts.write.Lock()
	defer ts.write.Unlock()
	for try := 1; ; try++ {
		n, err := s.resealOnce(ts, ids)
		if !errors.Is(err, columndb.ErrConflict) || try == maxDecisions {
			return n, err
		}
		columndb.Backoff(try)
	}
}

// resealOnce re-encrypts ids unless another node changed them meanwhile.
func (s *Service) resealOnce(ts *tenantState, ids []string) (int, error) {
	mark := s.store.Mark()
	var puts []columndb.Row
	for _, id := range ids {
		m, err := s.getPayment(ts, id)
		if err != nil {
			continue // deleted since it was listed
		}
		sealed, changed, err := s.ring.Reseal(m.secret, paymentAAD(ts.cid, id))
		if err != nil {
			return 0, fmt.Errorf("customer: re-encrypt payment method %s: %w", id, err)
		}
		if changed {
			m.secret = sealed
			puts = append(puts, ts.pay.encode(m))
		}
	}
	if len(puts) == 0 {
		return 0, nil
	}
	if err := s.store.CommitSince(mark, columndb.Change{Table: ts.payments, Put: puts}); err != nil {
		return 0, err
	}
	return len(puts), s.store.Sync()
}
