package ivr

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/tonebase/tonebase/internal/money"
)

// LedgerEntry is one payment of a database's ledger, as the merchant
// reconciles by it. Amounts are minor units.
type LedgerEntry struct {
	ID            string
	Time          time.Time
	Refs          map[string]string // by ivr field: ref1, …
	Amount        int64
	BalanceBefore int64
	BalanceAfter  int64
	Reference     string
	Method        string
	CardLast4     string
	AccountLast4  string
	Caller        string
	Platform      string
	// ReplacedByUpload: the row was set after the payment by an upload (or
	// an admin's edit or delete), which as the merchant's own record wins
	// over the balance the payment left.
	ReplacedByUpload bool
	Language         money.Language
	Currency         money.Currency
}

// Say is the phrase for minor units in the entry's language and currency.
func (e LedgerEntry) Say(minor int64) string { return money.SayIn(e.Language, e.Currency, minor) }

// LedgerPage is a page of a ledger, oldest first. Next is the cursor of the
// page after it, empty on the last.
type LedgerPage struct {
	Entries []LedgerEntry
	Next    string
}

// Ledger page sizes.
const (
	DefaultLedgerLimit = 100
	MaxLedgerLimit     = 1000
)

// Ledger returns up to limit payments of a database posted after the
// cursor after (empty for the first), oldest first. A cursor that is not
// one Ledger gave is ErrInvalid.
func (p *Payments) Ledger(cid, dbid int64, after string, limit int) (LedgerPage, error) {
	var from uint64
	if after != "" {
		n, err := strconv.ParseUint(after, 10, 64)
		if err != nil {
			return LedgerPage{}, fmt.Errorf("%w: after must be the next cursor a page gave", ErrInvalid)
		}
		from = n
	}
	if limit <= 0 {
		limit = DefaultLedgerLimit
	}
	limit = min(limit, MaxLedgerLimit)
	t, err := p.svc.catalog.Table(cid, dbid)
	if err != nil {
		return LedgerPage{}, err
	}
	es, more, err := p.store.LogAfter(t, from, limit)
	if err != nil {
		return LedgerPage{}, err
	}
	page := LedgerPage{Entries: make([]LedgerEntry, 0, len(es))}
	for _, e := range es {
		var rec ledgerRecord
		if err := json.Unmarshal(e.Value, &rec); err != nil {
			return LedgerPage{}, fmt.Errorf("ivr: ledger entry %d: %w", e.Seq, err)
		}
		page.Entries = append(page.Entries, LedgerEntry{ID: paymentID(e.Seq), Time: rec.Time, Refs: rec.Refs,
			Amount: rec.Amount, BalanceBefore: rec.Before, BalanceAfter: rec.After, Reference: e.Key,
			Method: rec.Method, CardLast4: rec.CardLast4, AccountLast4: rec.AccountLast4, Caller: rec.Caller,
			Platform: rec.Platform, ReplacedByUpload: e.Overwritten, Language: rec.Language, Currency: rec.Currency})
	}
	if more && len(es) > 0 {
		page.Next = paymentID(es[len(es)-1].Seq)
	}
	return page, nil
}
