package ivr

import (
	"strconv"
	"testing"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/money"
)

// FuzzExportAmount: every amount an export writes reads back, through the
// column's own upload rules, as the minor units it was stored as, in every
// language and currency.
func FuzzExportAmount(f *testing.F) {
	for _, n := range []int64{0, 1, 9, 10, 99, 100, 1250, -1250, -5, 123456789, 99999999999} {
		f.Add(n)
	}
	f.Fuzz(func(t *testing.T, minor int64) {
		if minor > 1e15 || minor < -1e15 {
			return // beyond any amount ParseCurrency takes
		}
		stored := strconv.FormatInt(minor, 10)
		for _, lang := range money.Languages() {
			for _, cur := range money.Currencies() {
				col := Column{ID: "colC", Type: columndb.TypeCurrency}
				if lang != money.EnGB || cur != money.GBP {
					col.amountsIn = &Telephony{Language: lang, Currency: cur}
				}
				written := string(exportAmount(nil, &col, []byte(stored)))
				back, err := col.Normalize(written)
				if err != nil {
					// An amount the upload rules refuse either way (too large,
					// or negative where they take none) is not the export's
					// to write differently.
					if _, err2 := col.Normalize(stored); err2 != nil {
						continue
					}
					t.Fatalf("%s %s: %d written as %q does not read back: %v", lang, cur, minor, written, err)
				}
				if back != stored {
					t.Fatalf("%s %s: %d written as %q reads back as %s", lang, cur, minor, written, back)
				}
			}
		}
	})
}
