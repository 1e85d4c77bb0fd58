package ivr

import (
	"bytes"
	"io"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/lowprio"
)

// rowSource is an upload body that rows are parsed from: given whole
// (heldBody), or received from the connection (httpx.Received), in memory
// or on disk.
type rowSource interface {
	// Bytes is the body, if it is in memory.
	Bytes() ([]byte, bool)
	// Open reads the body from its start, independently of other readers.
	Open() io.Reader
}

// heldBody is a body given whole.
type heldBody []byte

func (b heldBody) Bytes() ([]byte, bool) { return b, true }
func (b heldBody) Open() io.Reader       { return bytes.NewReader(b) }

// uploadBatch is the most rows an upload parses before writing them: what
// one upload holds as rows, whatever the size of its body. The load
// harness's uploads, and most merchants', are one batch.
const uploadBatch = 5000

// eachBatch runs at a lowered OS priority (lowprio.Bulk, nice 10): an
// upload is a merchant's batch job and a lookup is a caller waiting on the
// line, so while both want the cores the kernel gives them to lookups
// first. Each batch is written at normal priority (lowprio.Normal): the
// store's commit takes the locks lookups read under. The pacer's rests
// still apply: they also keep what is handed to Badger to flush and
// compact in proportion.
func (s *Service) eachBatch(t *columndb.Table, body rowSource, keysOnly bool, apply func(*decoded) error) (n int, err error) {
	lowprio.Bulk(func() { n, err = s.eachBatchNow(t, body, keysOnly, apply) })
	return n, err
}

// eachBatchNow parses body into rows of t and hands them to apply a batch at
// a time, returning the elements the body held. While lookups need much
// of the CPUs (Pacer.Active) the ingest slot is taken first, so that one
// upload at a time works and lookups keep the other cores. Otherwise the first batch is
// parsed under a parse token of its own before the slot is taken: the next
// upload in flight then parses while the last one's rows are written, and
// parsing is about a quarter of what an upload costs. The slot is then
// held to the end. Rows are
// only written once the whole body is known to parse, so a body that does
// not changes nothing, as when every body was parsed whole before writing.
func (s *Service) eachBatchNow(t *columndb.Table, body rowSource, keysOnly bool, apply func(*decoded) error) (int, error) {
	var release func()
	if s.cfg.Pacer.Active() {
		release = s.ingesting()
	} else {
		s.parse <- struct{}{}
	}
	defer func() {
		if release == nil {
			<-s.parse
		} else {
			release()
		}
	}()
	step := s.cfg.Pacer.Steps()
	d := &decoded{}
	total, checked := 0, false
	flush := func() error {
		if release == nil {
			<-s.parse
			release = s.ingesting()
		}
		var err error
		lowprio.Normal(func() { err = apply(d) })
		if err != nil {
			return err
		}
		total += d.received
		*d = decoded{} // a new slab: the rows written are the store's now
		return nil
	}
	err := eachRow(body, func(i int, fields []rawField, ok bool) error {
		// A full batch is written when the next row arrives, so a body of
		// exactly one batch (the harness's) is parsed once, as a whole.
		if d.received == uploadBatch {
			if !checked {
				if err := eachRow(body, skipRow); err != nil {
					return err
				}
				checked = true
			}
			if err := flush(); err != nil {
				return err
			}
		}
		d.add(t, keysOnly, i, fields, ok)
		if (total+d.received)%256 == 0 {
			// A large body takes tens of milliseconds to parse: lookups
			// waiting for this core go first now and then.
			step()
		}
		return nil
	})
	if err == nil {
		err = flush() // the last batch, or the empty body's none
	}
	return total, err
}

func skipRow(int, []rawField, bool) error { return nil }

// eachRow parses body, from memory if it is there.
func eachRow(body rowSource, fn func(i int, fields []rawField, ok bool) error) error {
	if b, ok := body.Bytes(); ok {
		return (&parser{b: b}).rows(fn)
	}
	return parseRowsFrom(body.Open(), fn)
}
