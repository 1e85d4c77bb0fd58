package columndb

import "encoding/binary"

// Key layout. Every key starts with a one-byte space; table data is then
// prefixed by the table's number, so a table's rows, index entries and row
// count are each one contiguous range that a scan or a drop can cover.
//
//	'c' tenant(8) name        → Table (JSON)            catalog
//	'r' number(4) pk          → encoded row              rows
//	'x' number(4) idx(1) vals pk → nothing               non-unique index
//	'u' number(4) idx(1) vals → pk                        unique index
//	'n' number(4)             → row count (8)
//	'd' collection 0x00 key   → document bytes           small records (clients, …)
//	'q' name                  → last issued id (8)       sequences
//	'l' number(4) part …      → a table's log (log.go)
const (
	spaceCatalog = 'c'
	spaceRow     = 'r'
	spaceIndex   = 'x'
	spaceUnique  = 'u'
	spaceCount   = 'n'
	spaceDoc     = 'd'
	spaceSeq     = 'q'
)

func catalogKey(tenant int64, name string) []byte { return appendCatalogKey(nil, tenant, name) }

func appendCatalogKey(k []byte, tenant int64, name string) []byte {
	k = append(k, spaceCatalog)
	k = binary.BigEndian.AppendUint64(k, uint64(tenant))
	return append(k, name...)
}

func tablePrefix(space byte, number uint32) []byte {
	return binary.BigEndian.AppendUint32([]byte{space}, number)
}

func rowKey(number uint32, pk []byte) []byte {
	return append(appendRowPrefix(make([]byte, 0, 5+len(pk)), number), pk...)
}

func appendRowPrefix(k []byte, number uint32) []byte {
	return binary.BigEndian.AppendUint32(append(k, spaceRow), number)
}

func indexPrefix(space byte, number uint32, idx int) []byte {
	k := make([]byte, 0, 32)
	k = append(k, space)
	k = binary.BigEndian.AppendUint32(k, number)
	return append(k, byte(idx))
}

func docKey(collection, key string) []byte {
	k := make([]byte, 0, 2+len(collection)+len(key))
	k = append(k, spaceDoc)
	k = append(k, collection...)
	k = append(k, 0)
	return append(k, key...)
}

// appendTuple appends values so that byte order of the result is the order
// of the tuples and no value can run into the next: 0x00 inside a value is
// escaped as 0x00 0xFF and each value ends with 0x00 0x01.
func appendTuple(dst []byte, vals ...string) []byte {
	for _, v := range vals {
		dst = appendEscaped(dst, v)
		dst = append(dst, 0x00, 0x01)
	}
	return dst
}

func appendEscaped(dst []byte, v string) []byte {
	for i := 0; i < len(v); i++ {
		if v[i] == 0 {
			dst = append(dst, 0x00, 0xFF)
			continue
		}
		dst = append(dst, v[i])
	}
	return dst
}

// decodeTuple splits a tuple encoding back into its values.
func decodeTuple(b []byte) ([]string, bool) {
	var out []string
	var cur []byte
	for i := 0; i < len(b); i++ {
		if b[i] != 0 {
			cur = append(cur, b[i])
			continue
		}
		if i+1 >= len(b) {
			return nil, false
		}
		i++
		switch b[i] {
		case 0xFF:
			cur = append(cur, 0)
		case 0x01:
			out = append(out, string(cur))
			cur = cur[:0]
		default:
			return nil, false
		}
	}
	return out, len(cur) == 0
}
