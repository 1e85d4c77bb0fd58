package columndb

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
)

// Errors callers branch on. Badger's own errors never leave this package.
var (
	ErrNotFound = errors.New("columndb: not found")
	ErrExists   = errors.New("columndb: already exists")
	// ErrIncompatible refuses a schema change that stored rows would break.
	ErrIncompatible = errors.New("columndb: change incompatible with stored rows")
	ErrClosed       = errors.New("columndb: store is closed")
	// ErrWrongKey: the store is encrypted with another key, or with one
	// where none was given, or the other way round.
	ErrWrongKey = errors.New("columndb: the store's encryption key does not match")
	// ErrLocked: another process, or another open Store, holds the folder.
	ErrLocked = errors.New("columndb: the store is in use by another process")
)

// Logger receives Badger's own messages; zerolog adapts to it in cmd.
type Logger interface {
	Errorf(string, ...any)
	Warningf(string, ...any)
	Infof(string, ...any)
	Debugf(string, ...any)
}

// Options configures a Store.
type Options struct {
	Dir string
	// EncryptionKey turns on Badger's encryption at rest (16, 24 or 32 bytes).
	EncryptionKey []byte
	// InMemory keeps everything in RAM; for tests only.
	InMemory bool
	Logger   Logger
	// TxnRows bounds the rows written per transaction. Small transactions
	// keep lookups flowing during a large upload: one huge batch makes new
	// read transactions wait on its commit for hundreds of milliseconds.
	TxnRows int
	// RowCacheBytes bounds the memory of the row cache that serves point
	// reads by primary key (rowcache.go); 0 turns it off.
	RowCacheBytes int64
	// WarmRowCache reads the stored rows into the row cache in the
	// background after opening (warm.go), instead of leaving it to fill
	// from reads. Store.WarmStats waits for it and says what it did.
	WarmRowCache bool
	// Pacer, if set, paces bulk writes so lookups keep the CPU while a
	// large upload runs.
	Pacer Pacer
	// Space, if set, is asked before every batch reaches Badger, and a
	// batch it refuses is not written: Apply returns its error, wrapped.
	Space Space
	// Log, if set, makes the store replicated (replica.go): every write
	// goes through it, and is applied by ApplyEntry.
	Log Log
	// BadgerMemory, if above zero, is the memory Badger's memtables and
	// caches are sized to fit in (memory.go), beside RowCacheBytes; 0
	// keeps Badger's defaults.
	BadgerMemory int64
}

// Space keeps the disk from filling under the store. Badger writes its
// log and tables through memory maps, and a write into a map on a full
// disk ends the process (SIGBUS) rather than failing, so the store must
// stop short of the disk's end. Reads never ask.
//
// The reserve behind it (serve's --min-free-mb) has to cover what Badger
// writes without asking, between two batches: flushing a full memtable to
// a level-0 table (at most the memtable, 64 MiB, less after compression),
// the compaction that follows, which writes its new tables before it
// removes the old ones, and the log of the batches granted since the disk
// was last looked at.
type Space interface {
	// Reserve grants a write of about n bytes or refuses it.
	Reserve(n int64) error
}

// Pacer is what a bulk write asks between its transactions.
type Pacer interface {
	// Yield is called with how long the writer has worked since the last call.
	Yield(busy time.Duration)
	// Active reports whether reads arriving need much of the CPUs. A bulk
	// write then sends one transaction at a time instead of filling the
	// next while Badger writes the last, so it takes less of the CPU from
	// them.
	Active() bool
}

// Store is an open database. It is safe for concurrent use.
type Store struct {
	db      *badger.DB
	txnRows int
	rows    *rowCache
	pacer   Pacer
	space   Space

	mu     sync.RWMutex
	tables map[string]*Table // catalog key → immutable schema
	drops  uint64            // tables dropped; guarded by mu: a schema read from before a drop is not cached
	locks  map[uint32]*sync.Mutex
	modqs  map[uint32]*modQueue // a table's modifications waiting for its lock (modqueue.go)

	updateMu    sync.Mutex
	commitMu    sync.Mutex
	ts          uint64        // last commit timestamp issued; guarded by commitMu
	done        atomic.Uint64 // last commit timestamp applied: what readers read at
	landMu      sync.Mutex
	landing     []*landing     // commits issued and not yet readable, in timestamp order; guarded by landMu
	discardMark uint64         // guarded by commitMu
	discardAt   time.Time      // guarded by commitMu
	pins        map[uint64]int // read timestamps of running backups; guarded by commitMu

	syncs syncGroup
	rep   *replica // nil unless Options.Log is set
	// nodeStore: opened without a log, the store of a cluster's node,
	// which writes nothing.
	nodeStore bool

	warmStop  chan struct{}
	warmDone  chan struct{}
	warmStats WarmStats // written before warmDone closes
	closeOnce sync.Once
}

// view runs fn in a read transaction at the last finished commit.
func (s *Store) view(fn func(*badger.Txn) error) error {
	if s.db.IsClosed() {
		return ErrClosed
	}
	txn := s.db.NewTransactionAt(s.done.Load(), false)
	defer txn.Discard()
	return fn(txn)
}

// readTxn starts a read at the last finished commit. Writers of one table
// are serialised, so nothing a writer reads there can be stale except its
// own previous batch while it lands, whose rows the writer reads from what
// it sent (writer.get).
func (s *Store) readTxn() *badger.Txn { return s.db.NewTransactionAt(s.done.Load(), false) }

// landing is a batch handed to Badger whose commit has not been awaited
// yet.
type landing struct {
	ts uint64 // in a replicated store, the entry's log position
	b  *Batch
	// replicated: the applier applied the batch, caches included, and
	// closes done.
	replicated bool
	err        error         // guarded by Store.landMu until done is closed
	finished   bool          // guarded by Store.landMu
	done       chan struct{} // closed once readers read at ts or later
}

// commitAsync hands txn to Badger at the next timestamp and returns without
// waiting, so a bulk writer can fill its next transaction while Badger
// writes this one. Timestamps are issued in the order transactions enter
// Badger's write queue, which applies them in that order; readers move to a
// timestamp only once it and every earlier one have finished, so a read
// never sees a later commit without an earlier one.
func (s *Store) commitAsync(txn *badger.Txn, b *Batch) *landing {
	l := &landing{b: b, done: make(chan struct{})}
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	s.ts++
	l.ts = s.ts
	s.landMu.Lock()
	s.landing = append(s.landing, l)
	s.landMu.Unlock()
	// With a callback CommitAt reports every failure through it.
	_ = txn.CommitAt(l.ts, func(err error) { s.landed(l, err) })
	s.advanceDiscard()
	return l
}

// landed records a finished commit and moves readers past every commit
// that has finished in timestamp order. A failed commit is reported to its
// writer; readers move past its timestamp as they would once any later
// commit had finished.
func (s *Store) landed(l *landing, err error) {
	s.landMu.Lock()
	defer s.landMu.Unlock()
	l.err, l.finished = err, true
	for len(s.landing) > 0 && s.landing[0].finished {
		first := s.landing[0]
		s.landing[0] = nil
		s.landing = s.landing[1:]
		s.done.Store(first.ts)
		close(first.done)
	}
}

// await waits until l's commit is readable and then applies its effects on
// the caches. Writers of one table are serialised by its table lock and
// await their commits in order, so a table's rows reach the cache in
// commit order.
func (s *Store) await(l *landing) error {
	<-l.done
	if l.err != nil {
		return l.err
	}
	if !l.replicated {
		s.cacheEffects(l.b)
	} else if op := l.b.op; op != nil {
		for _, d := range l.b.domains {
			op.mine[d] = l.ts
		}
	}
	return nil
}

// advanceDiscard lets compaction drop versions that every reader has moved
// past. Reads last microseconds, so a mark a few seconds old is safe.
func (s *Store) advanceDiscard() {
	if now := time.Now(); now.Sub(s.discardAt) > 5*time.Second {
		if mark := s.discardBelow(s.discardMark); mark > 0 {
			s.db.SetDiscardTs(mark)
		}
		s.discardMark, s.discardAt = s.ts, now
	}
}

// badgerOptions are the Badger options of a store in opts.Dir.
func badgerOptions(opts Options) badger.Options {
	bo := badger.DefaultOptions(opts.Dir).
		WithInMemory(opts.InMemory).
		// Writers to one table are serialised by the store, so Badger's
		// conflict tracking would only cost memory and time.
		WithDetectConflicts(false).
		WithCompression(options.Snappy).
		WithNumCompactors(2).
		// Twice Badger's level-0 tables before a compaction (and before
		// writes stall): a million-row upload fills about a dozen 16 MiB
		// memtables, and each level-0 compaction rewrites the base level
		// the new keys overlap, on the CPUs the lookups need. Fewer, larger
		// ones did less work while the upload ran: on two CPUs, upload
		// medians 114,000–117,000 against 78,000–98,000 rows/s beside
		// lookups, a follower's lookup p99 during a cluster upload 8–18
		// against 24–25 ms (bench/README.md, stop 34). A lookup that
		// misses the row cache checks up to twice as many bloom filters.
		WithNumLevelZeroTables(10).
		WithNumLevelZeroTablesStall(20).
		WithLogger(opts.Logger)
	if opts.InMemory {
		bo.Dir, bo.ValueDir = "", ""
	}
	if len(opts.EncryptionKey) > 0 {
		// Badger requires an index cache when tables are encrypted.
		bo = bo.WithEncryptionKey(opts.EncryptionKey).WithIndexCacheSize(64 << 20)
	}
	bo = sizeBadger(bo, opts.BadgerMemory, len(opts.EncryptionKey) > 0)
	return bo
}

// Open opens or creates the store in opts.Dir.
func Open(opts Options) (*Store, error) {
	bo := badgerOptions(opts)
	// Managed mode: the store hands out read timestamps itself, always
	// that of the last finished commit, so a read never waits for a commit
	// still in Badger's write pipeline. In Badger's own mode a new read
	// waits for every earlier commit to be applied, and one commit held up
	// by a memtable flush during a large upload stalls every lookup with it.
	if !opts.InMemory && heldByOther(opts.Dir) {
		return nil, fmt.Errorf("columndb: open %s: %w", opts.Dir, ErrLocked)
	}
	db, err := badger.OpenManaged(bo)
	if errors.Is(err, badger.ErrEncryptionKeyMismatch) {
		return nil, fmt.Errorf("columndb: open %s: %w", opts.Dir, ErrWrongKey)
	}
	if err != nil {
		return nil, fmt.Errorf("columndb: open %s: %w", opts.Dir, err)
	}
	s := &Store{db: db, txnRows: opts.TxnRows, rows: newRowCache(opts.RowCacheBytes), pacer: opts.Pacer, space: opts.Space, tables: map[string]*Table{}, locks: map[uint32]*sync.Mutex{}}
	s.ts = db.MaxVersion()
	s.done.Store(s.ts)
	if opts.Log == nil {
		s.nodeStore = s.Applied() > 0
	} else {
		s.rep = newReplica(opts.Log)
		var applied uint64
		if err := s.view(func(txn *badger.Txn) (err error) { applied, err = readU64(txn, appliedKey); return err }); err != nil {
			db.Close()
			return nil, fmt.Errorf("columndb: open %s: %w", opts.Dir, err)
		}
		s.rep.applied.Store(applied)
	}
	if s.txnRows <= 0 {
		s.txnRows = 256
	}
	s.warmStop, s.warmDone = make(chan struct{}), make(chan struct{})
	if opts.WarmRowCache && s.rows.on() {
		go func() {
			s.warmStats = s.warm(s.warmStop)
			close(s.warmDone)
		}()
	} else {
		close(s.warmDone)
	}
	return s, nil
}

// WarmStats waits for the row cache's warm-up to end, at once if there is
// none, and reports what it did.
func (s *Store) WarmStats() WarmStats {
	<-s.warmDone
	return s.warmStats
}

// Close stops a warm-up still running, then flushes and closes the store.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { close(s.warmStop) })
	<-s.warmDone
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("columndb: close: %w", err)
	}
	return nil
}

// Sync makes every committed write durable: a power cut after it loses
// none. Writers syncing at once share one sync (syncgroup.go).
func (s *Store) Sync() error {
	if err := s.syncs.do(s.db.Sync); err != nil {
		return fmt.Errorf("columndb: sync: %w", err)
	}
	return nil
}

// tableLock serialises writers of one table so read-modify-write upserts and
// the row count need no conflict retries.
func (s *Store) tableLock(number uint32) *sync.Mutex {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.locks[number]
	if !ok {
		m = &sync.Mutex{}
		s.locks[number] = m
	}
	return m
}

// NextID returns the next number of a named sequence, starting after start.
// It is durable: an id handed out is never handed out again.
func (s *Store) NextID(name string, start int64) (int64, error) {
	var next int64
	key := append([]byte{spaceSeq}, name...)
	err := s.prepare(func(view *badger.Txn, b *Batch) error {
		next = start + 1
		last, found, err := readSeq(view, key)
		if err != nil {
			return err
		}
		if found && last >= next {
			next = last + 1
		}
		b.Put(key, binary.BigEndian.AppendUint64(nil, uint64(next)))
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("columndb: sequence %s: %w", name, err)
	}
	return next, nil
}

// ReserveID makes sure the named sequence never hands out id, for ids a
// caller chose themselves.
func (s *Store) ReserveID(name string, id int64) error {
	key := append([]byte{spaceSeq}, name...)
	err := s.prepare(func(view *badger.Txn, b *Batch) error {
		last, found, err := readSeq(view, key)
		if err != nil || (found && last >= id) {
			return err
		}
		b.Put(key, binary.BigEndian.AppendUint64(nil, uint64(id)))
		return nil
	})
	if err != nil {
		return fmt.Errorf("columndb: sequence %s: %w", name, err)
	}
	return nil
}

// readSeq reads a sequence's last number.
func readSeq(view *badger.Txn, key []byte) (int64, bool, error) {
	item, err := view.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	var last int64
	err = item.Value(func(v []byte) error {
		if len(v) != 8 {
			return errCorruptRow
		}
		last = int64(binary.BigEndian.Uint64(v))
		return nil
	})
	return last, err == nil, err
}

// PutDoc stores a small record (a client, a setting) under collection/key.
// If create is set and the key exists, it fails with ErrExists.
func (s *Store) PutDoc(collection, key string, v any, create bool) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("columndb: encode %s/%s: %w", collection, key, err)
	}
	k := docKey(collection, key)
	err = s.prepare(func(view *badger.Txn, batch *Batch) error {
		if create {
			if _, err := view.Get(k); err == nil {
				return ErrExists
			} else if !errors.Is(err, badger.ErrKeyNotFound) {
				return err
			}
		}
		batch.Put(k, b)
		return nil
	})
	if err != nil {
		return fmt.Errorf("columndb: put %s/%s: %w", collection, key, err)
	}
	return nil
}

// GetDoc reads a record stored with PutDoc into v.
func (s *Store) GetDoc(collection, key string, v any) error {
	err := s.view(func(txn *badger.Txn) error {
		item, err := txn.Get(docKey(collection, key))
		if err != nil {
			return err
		}
		return item.Value(func(b []byte) error { return json.Unmarshal(b, v) })
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return fmt.Errorf("columndb: %s/%s: %w", collection, key, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("columndb: get %s/%s: %w", collection, key, err)
	}
	return nil
}

// DeleteDoc removes a record; a missing one is ErrNotFound.
func (s *Store) DeleteDoc(collection, key string) error {
	k := docKey(collection, key)
	err := s.prepare(func(view *badger.Txn, b *Batch) error {
		if _, err := view.Get(k); err != nil {
			return err
		}
		b.Remove(k)
		return nil
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return fmt.Errorf("columndb: %s/%s: %w", collection, key, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("columndb: delete %s/%s: %w", collection, key, err)
	}
	return nil
}

// EachDoc calls fn with every record of a collection in key order, stopping
// at the first error fn returns. The bytes are copies fn may keep.
func (s *Store) EachDoc(collection string, fn func(key string, value []byte) error) error {
	prefix := docKey(collection, "")
	err := s.view(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 64})
		defer it.Close()
		for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			if err := fn(string(it.Item().Key()[len(prefix):]), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("columndb: scan %s: %w", collection, err)
	}
	return nil
}

// Ping reports whether the store can serve reads.
func (s *Store) Ping() error {
	if s.db.IsClosed() {
		return ErrClosed
	}
	return s.view(func(*badger.Txn) error { return nil })
}
