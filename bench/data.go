package bench

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/tonebase/tonebase/hash"
)

// Columns is the benchmark database: the ActivePay guide's columns and a
// name and address, so a row is about 220 bytes of JSON as in design.md.
const Columns = `[
 {"id":"colA","name":"Invoice Number","type":"numeric","visible":true,"required":true,"primary_key":true,"ivr_field":"ref1","min_dtmf":8,"max_dtmf":8},
 {"id":"colB","name":"Date of Birth","type":"date","required":true,"ivr_field":"ref2","min_dtmf":8,"max_dtmf":8},
 {"id":"colC","name":"Balance","type":"currency","visible":true,"required":true,"ivr_field":"balance"},
 {"id":"colD","name":"Minimum Payment","type":"currency","visible":true,"ivr_field":"min_payment"},
 {"id":"colE","name":"Maximum Payment","type":"currency","visible":true,"ivr_field":"max_payment"},
 {"id":"colF","name":"Name","type":"text","visible":true},
 {"id":"colG","name":"Address","type":"text"}]`

// Invoice is row i's invoice number: spread over the key space so inserts
// are not in key order, as a real debtor file is not.
func Invoice(i int) string { return fmt.Sprintf("%08d", (i*7919+13)%100_000_000) }

// DOB is row i's date of birth (DDMMYYYY).
func DOB(i int) string { return fmt.Sprintf("%02d%02d%04d", 1+i%28, 1+i%12, 1940+i%60) }

// AppendRow appends row i as JSON.
func AppendRow(b []byte, i int) []byte {
	bal := 1000 + (i*31)%500000
	b = append(b, `{"colA":"`...)
	b = append(b, Invoice(i)...)
	b = append(b, `","colB":"`...)
	b = append(b, DOB(i)...)
	b = append(b, `","colC":"£`...)
	b = appendPounds(b, bal)
	b = append(b, `","colD":"£`...)
	b = appendPounds(b, min(bal, 1000))
	b = append(b, `","colE":"£`...)
	b = appendPounds(b, bal)
	b = append(b, `","colF":"Customer `...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `","colG":"`...)
	b = strconv.AppendInt(b, int64(i%9000+1), 10)
	b = append(b, ` High Street, Cardiff, CF10 1AA, United Kingdom"}`...)
	return b
}

func appendPounds(b []byte, minor int) []byte {
	b = strconv.AppendInt(b, int64(minor/100), 10)
	return append(b, fmt.Sprintf(".%02d", minor%100)...)
}

// Batch is one signed upload.
type Batch struct {
	Body []byte
	Hash string
	Rows int
}

// Batches builds rows [from, to) into signed batches of size rows.
func Batches(cid, dbid int64, password string, from, to, size int) []Batch {
	var out []Batch
	for start := from; start < to; start += size {
		end := min(start+size, to)
		var buf bytes.Buffer
		buf.Grow((end - start) * 240)
		b := buf.Bytes()
		b = append(b, '[')
		for i := start; i < end; i++ {
			if i > start {
				b = append(b, ',')
			}
			b = AppendRow(b, i)
		}
		b = append(b, ']')
		out = append(out, Batch{Body: b, Hash: hash.Sign(cid, dbid, password, b), Rows: end - start})
	}
	return out
}
