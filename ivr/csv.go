package ivr

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
)

// readCSV reads a debtor file: comma-separated, no header row, optionally
// quoted as spreadsheets write it, with a UTF-8 byte-order mark tolerated
// (Excel writes one). fn gets each record with its 1-based line number; a
// line the CSV rules refuse (a stray quote) is passed with err set and no
// fields, and reading carries on with the next line, so one bad line never
// hides the rest of the file. fields is reused between calls. Only an I/O
// error or an error fn returns stops the read.
func readCSV(r io.Reader, fn func(line int, fields []string, err error) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	if bom, err := br.Peek(3); err == nil && string(bom) == "\xef\xbb\xbf" {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1 // the importer explains a wrong count per line
	cr.ReuseRecord = true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		var pe *csv.ParseError
		switch {
		case errors.As(err, &pe):
			if ferr := fn(pe.StartLine, nil, pe.Err); ferr != nil {
				return ferr
			}
			continue
		case err != nil:
			return fmt.Errorf("ivr: read csv: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if err := fn(line, rec, nil); err != nil {
			return err
		}
	}
}

// countingReader counts the bytes read through it, for progress reports.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
