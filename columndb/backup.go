package columndb

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/pb"
	"github.com/dgraph-io/ristretto/v2/z"
)

// The stream Backup writes and Restore reads: the store's keys and values
// as of one commit, in key order, each exactly once (no older versions and
// no deleted keys: what a restore does not need, and what a backup should
// not carry, such as a deleted row's old values).
//
//	"TBSTORE1" u64 version (the commit the backup reads at)
//	(uvarint key length > 0, key, uvarint value length, value)*
//	uvarint 0, uvarint count of records
const (
	streamMagic = "TBSTORE1"
	// maxKey is Badger's own bound on a key; maxValue is far past any row
	// or document the store writes, and bounds what a damaged stream can
	// make a restore allocate.
	maxKey   = 65000
	maxValue = 256 << 20
	// restoreBuffer is how much of the stream a restore hands Badger at a time.
	restoreBuffer = 4 << 20
)

// ErrBadStream reports a store stream that is not one Backup wrote.
var ErrBadStream = errors.New("columndb: not a store backup stream")

// BackupStats says what a backup or a restore moved.
type BackupStats struct {
	Version uint64 // the commit the backup read at
	// Applied is the log position the backup holds everything up to, in a
	// replicated store (0 otherwise).
	Applied uint64
	Keys    int64
	Bytes   int64 // keys and values
	Took    time.Duration
}

// Backup writes everything the store holds as of the last finished commit
// to w, while writes go on: a commit that finished before Backup was
// called is in it, one that finishes after is not. Like an upload it
// gives way to lookups (Options.Pacer), and while it runs compaction keeps
// the versions it reads.
func (s *Store) Backup(w io.Writer) (BackupStats, error) {
	start := time.Now()
	if s.db.IsClosed() {
		return BackupStats{}, ErrClosed
	}
	readTs := s.pin()
	defer s.unpin(readTs)
	st := BackupStats{Version: readTs}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(streamMagic)
	bw.Write(binary.BigEndian.AppendUint64(nil, readTs))
	txn := s.db.NewTransactionAt(readTs, false)
	defer txn.Discard()
	var err error
	if st.Applied, err = readU64(txn, appliedKey); err != nil {
		return st, fmt.Errorf("columndb: backup: %w", err)
	}
	it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 256})
	defer it.Close()
	var num [binary.MaxVarintLen64]byte
	worked := time.Now()
	for it.Rewind(); it.Valid(); it.Next() {
		item := it.Item()
		key := item.Key()
		err := item.Value(func(v []byte) error {
			bw.Write(binary.AppendUvarint(num[:0], uint64(len(key))))
			bw.Write(key)
			bw.Write(binary.AppendUvarint(num[:0], uint64(len(v))))
			_, err := bw.Write(v)
			st.Bytes += int64(len(key) + len(v))
			return err
		})
		if err != nil {
			return st, fmt.Errorf("columndb: backup: %w", err)
		}
		st.Keys++
		if st.Keys%1024 == 0 && s.pacer != nil {
			s.pacer.Yield(time.Since(worked))
			worked = time.Now()
		}
	}
	bw.Write(binary.AppendUvarint(num[:0], 0))
	bw.Write(binary.AppendUvarint(num[:0], uint64(st.Keys)))
	if err := bw.Flush(); err != nil {
		return st, fmt.Errorf("columndb: backup: %w", err)
	}
	st.Took = time.Since(start)
	return st, nil
}

// pin returns the timestamp a backup reads at and keeps compaction from
// dropping the versions it sees until unpin.
//
// It bounds only the discard marks set from now on. The mark set last
// (advanceDiscard) is a commit issued at least 5 s ago, which has landed,
// and so is below the read timestamp, unless a commit took longer than
// that to land: a case this does not handle.
func (s *Store) pin() uint64 {
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	ts := s.done.Load()
	if s.pins == nil {
		s.pins = map[uint64]int{}
	}
	s.pins[ts]++
	return ts
}

func (s *Store) unpin(ts uint64) {
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	if s.pins[ts]--; s.pins[ts] == 0 {
		delete(s.pins, ts)
	}
}

// discardBelow bounds a discard mark by the pinned timestamps. Called with
// commitMu held.
func (s *Store) discardBelow(mark uint64) uint64 {
	for ts := range s.pins {
		mark = min(mark, ts)
	}
	return mark
}

// Restore builds a new store in opts.Dir (encrypted at rest when
// opts.EncryptionKey is set) from a stream Backup wrote, and closes it. A
// folder that already holds a store is refused with ErrExists. A stream
// that fails part way leaves a partial store: build it aside and keep it
// only once Restore and whatever carried the stream say it is whole.
func Restore(opts Options, r io.Reader) (BackupStats, error) {
	start := time.Now()
	db, err := badger.OpenManaged(badgerOptions(opts))
	if err != nil {
		return BackupStats{}, fmt.Errorf("columndb: restore: open %s: %w", opts.Dir, err)
	}
	if db.MaxVersion() != 0 {
		_ = db.Close()
		return BackupStats{}, fmt.Errorf("columndb: restore into %s: %w", opts.Dir, ErrExists)
	}
	// The stream is in key order, so Badger's stream writer can build its
	// tables straight from it, at the last level, with no compaction after.
	sw := db.NewStreamWriter()
	err = sw.Prepare()
	buf := z.NewBuffer(restoreBuffer+(1<<20), "columndb.Restore")
	defer func() { _ = buf.Release() }()
	var version uint64
	var st BackupStats
	if err == nil {
		st, err = readStream(r, func(v uint64) {
			// Every key at the backup's commit: the store issues timestamps
			// from the highest one it finds, so it goes on from there.
			version = max(v, 1)
		}, func(k, v []byte) error {
			badger.KVToBuffer(&pb.KV{Key: k, Value: v, Version: version}, buf) // copies
			if buf.LenNoPadding() < restoreBuffer {
				return nil
			}
			err := sw.Write(buf)
			buf.Reset()
			return err
		})
	}
	if err == nil {
		err = sw.Write(buf)
	}
	if err == nil {
		err = sw.Flush()
	} else {
		sw.Cancel()
	}
	if cerr := db.Close(); err == nil && cerr != nil {
		err = cerr
	}
	st.Took = time.Since(start)
	if err != nil {
		return st, fmt.Errorf("columndb: restore: %w", err)
	}
	return st, nil
}

// readStream decodes a store stream, calling begin with its version and
// then put with each key and value, which are valid only until put
// returns.
func readStream(r io.Reader, begin func(version uint64), put func(k, v []byte) error) (BackupStats, error) {
	var st BackupStats
	br := bufio.NewReaderSize(r, 64<<10)
	var head [len(streamMagic) + 8]byte
	if _, err := io.ReadFull(br, head[:]); err != nil {
		return st, fmt.Errorf("%w: %w", ErrBadStream, err)
	}
	if string(head[:len(streamMagic)]) != streamMagic {
		return st, ErrBadStream
	}
	st.Version = binary.BigEndian.Uint64(head[len(streamMagic):])
	begin(st.Version)
	var buf, last []byte
	for {
		kl, err := binary.ReadUvarint(br)
		if err != nil {
			return st, fmt.Errorf("%w: %w", ErrBadStream, err)
		}
		if kl == 0 {
			break
		}
		if kl > maxKey {
			return st, fmt.Errorf("%w: a key of %d bytes", ErrBadStream, kl)
		}
		if buf, err = readN(br, buf[:0], int(kl)); err != nil {
			return st, err
		}
		n, err := binary.ReadUvarint(br)
		if err != nil {
			return st, fmt.Errorf("%w: %w", ErrBadStream, err)
		}
		if n > maxValue {
			return st, fmt.Errorf("%w: a value of %d bytes", ErrBadStream, n)
		}
		if buf, err = readN(br, buf, int(n)); err != nil {
			return st, err
		}
		// Keys in strictly rising order, as Backup writes them: a restore
		// builds its tables from them as they come.
		if st.Keys > 0 && bytes.Compare(buf[:kl], last) <= 0 {
			return st, fmt.Errorf("%w: keys out of order", ErrBadStream)
		}
		last = append(last[:0], buf[:kl]...)
		if err := put(buf[:kl], buf[kl:]); err != nil {
			return st, err
		}
		st.Keys++
		st.Bytes += int64(len(buf))
	}
	count, err := binary.ReadUvarint(br)
	if err != nil {
		return st, fmt.Errorf("%w: %w", ErrBadStream, err)
	}
	if count != uint64(st.Keys) {
		return st, fmt.Errorf("%w: it ends saying %d keys after %d", ErrBadStream, count, st.Keys)
	}
	if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
		if err == nil {
			return st, fmt.Errorf("%w: data after its end", ErrBadStream)
		}
		return st, err
	}
	return st, nil
}

// readN appends n bytes of r to buf.
func readN(r io.Reader, buf []byte, n int) ([]byte, error) {
	start := len(buf)
	buf = append(buf, make([]byte, n)...)
	if _, err := io.ReadFull(r, buf[start:]); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return buf, fmt.Errorf("%w: %w", ErrBadStream, err)
	}
	return buf, nil
}
