package columndb

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// Digest sums up a table's rows as stored, so that two stores can be
// compared without moving the rows: stores that applied the same log
// entries have the same digest.
type Digest struct {
	Rows int64
	// Sum is SHA-256 over every row's key and stored value, each length
	// first, in key order.
	Sum []byte
	// Applied is the log position the digest was read at (0 in a store
	// that is not replicated).
	Applied uint64
}

// Digest reads t's digest from one view of the store.
func (s *Store) Digest(t *Table) (Digest, error) {
	var d Digest
	err := s.view(func(txn *badger.Txn) error {
		var err error
		if d.Applied, err = readU64(txn, appliedKey); err != nil {
			return err
		}
		prefix := tablePrefix(spaceRow, t.Number)
		h := sha256.New()
		var num [binary.MaxVarintLen64]byte
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 256})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			k := item.Key()
			h.Write(binary.AppendUvarint(num[:0], uint64(len(k))))
			h.Write(k)
			err := item.Value(func(v []byte) error {
				h.Write(binary.AppendUvarint(num[:0], uint64(len(v))))
				h.Write(v)
				return nil
			})
			if err != nil {
				return err
			}
			d.Rows++
		}
		d.Sum = h.Sum(nil)
		return nil
	})
	if err != nil {
		return Digest{}, fmt.Errorf("columndb: digest %s: %w", t.Name, err)
	}
	return d, nil
}
