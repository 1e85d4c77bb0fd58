package columndb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// An entry is a batch as the log carries it:
//
//	version(1) id(16)
//	n, then per expectation: domain, read, mine
//	flags(1): 1 = sync
//	n, then per op: kind(1: 0 put, 1 delete), key, value (puts only)
//	n, then per drop: prefix
//	n, then per schema changed: its catalog key
//	n, then per table created empty: number
//
// with every count, length and number an unsigned varint and every byte
// string its length then its bytes. It holds what the store holds, no more:
// the rows as encoded, secrets as sealed.
const entryVersion = 1

// expectation is one domain an entry's operation read: applied only if no
// entry after position read touched it, except its own entry mine.
type expectation struct {
	domain     string
	read, mine uint64
}

type entry struct {
	id     [16]byte
	expect []expectation
	batch  *Batch
}

func (e *entry) domains() []string {
	ds := make([]string, len(e.expect))
	for i, x := range e.expect {
		ds[i] = x.domain
	}
	return ds
}

var errBadEntry = errors.New("columndb: malformed log entry")

func encodeEntry(id [16]byte, b *Batch) []byte {
	n := 64 + int(b.size())
	for _, p := range b.Drops {
		n += len(p) + 2
	}
	out := make([]byte, 0, n)
	out = append(out, entryVersion)
	out = append(out, id[:]...)
	var domains []string
	for _, d := range b.domains {
		if !slices.Contains(domains, d) {
			domains = append(domains, d)
		}
	}
	out = binary.AppendUvarint(out, uint64(len(domains)))
	for _, d := range domains {
		out = appendBytes(out, []byte(d))
		var read, mine uint64
		if b.op != nil {
			read, mine = b.op.read, b.op.mine[d]
		}
		out = binary.AppendUvarint(out, read)
		out = binary.AppendUvarint(out, mine)
	}
	var flags byte
	if b.Sync {
		flags |= 1
	}
	out = append(out, flags)
	out = binary.AppendUvarint(out, uint64(len(b.Ops)))
	for _, op := range b.Ops {
		if op.Delete {
			out = append(out, 1)
			out = appendBytes(out, op.Key)
			continue
		}
		out = append(out, 0)
		out = appendBytes(out, op.Key)
		out = appendBytes(out, op.Value)
	}
	out = binary.AppendUvarint(out, uint64(len(b.Drops)))
	for _, p := range b.Drops {
		out = appendBytes(out, p)
	}
	keys := make([]string, 0, len(b.tables))
	for k := range b.tables {
		keys = append(keys, k)
	}
	slices.Sort(keys) // the same batch encodes the same
	out = binary.AppendUvarint(out, uint64(len(keys)))
	for _, k := range keys {
		out = appendBytes(out, []byte(k))
	}
	out = binary.AppendUvarint(out, uint64(len(b.created)))
	for _, n := range b.created {
		out = binary.AppendUvarint(out, uint64(n))
	}
	return out
}

func appendBytes(out, b []byte) []byte {
	return append(binary.AppendUvarint(out, uint64(len(b))), b...)
}

// entryReader reads an entry's fields, remembering the first error.
type entryReader struct {
	b   []byte
	err error
}

func (r *entryReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errBadEntry
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count reads a count of items each at least min bytes long, refusing
// one the rest of the entry cannot hold.
func (r *entryReader) count(min int) int {
	n := r.uvarint()
	if r.err == nil && n > uint64(len(r.b)/min) {
		r.err = errBadEntry
		return 0
	}
	return int(n)
}

func (r *entryReader) bytes() []byte {
	n := r.uvarint()
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.err = errBadEntry
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *entryReader) byte() byte {
	if r.err != nil {
		return 0
	}
	if len(r.b) == 0 {
		r.err = errBadEntry
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

// decodeEntry reads an entry. The batch's keys and values are slices of
// data, which the caller must not change after.
func decodeEntry(data []byte) (entry, error) {
	var e entry
	if len(data) < 1+len(e.id) || data[0] != entryVersion {
		return e, fmt.Errorf("%w: unknown version or too short", errBadEntry)
	}
	copy(e.id[:], data[1:1+len(e.id)])
	r := &entryReader{b: data[1+len(e.id):]}
	e.expect = make([]expectation, r.count(3))
	for i := range e.expect {
		e.expect[i] = expectation{domain: string(r.bytes()), read: r.uvarint(), mine: r.uvarint()}
	}
	b := &Batch{}
	b.Sync = r.byte()&1 != 0
	b.Ops = make([]Op, r.count(2))
	for i := range b.Ops {
		switch r.byte() {
		case 0:
			b.Ops[i] = Op{Key: r.bytes(), Value: r.bytes()}
		case 1:
			b.Ops[i] = Op{Key: r.bytes(), Delete: true}
		default:
			r.err = errBadEntry
		}
		if r.err != nil {
			break
		}
	}
	if n := r.count(1); n > 0 {
		b.Drops = make([][]byte, n)
		for i := range b.Drops {
			b.Drops[i] = r.bytes()
		}
	}
	if n := r.count(1); n > 0 {
		// Another node's schemas: the cache forgets them and reads the
		// new ones from the store when next asked.
		b.tables = make(map[string]*Table, n)
		for range n {
			b.tables[string(r.bytes())] = nil
		}
	}
	if n := r.count(1); n > 0 {
		b.created = make([]uint32, n)
		for i := range b.created {
			v := r.uvarint()
			if v > 1<<32-1 {
				r.err = errBadEntry
			}
			b.created[i] = uint32(v)
		}
	}
	if r.err == nil && len(r.b) > 0 {
		r.err = errBadEntry
	}
	if r.err != nil {
		return entry{}, r.err
	}
	e.batch = b
	return e, nil
}
