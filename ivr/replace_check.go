package ivr

import (
	"bytes"
	"fmt"
	"io"

	"github.com/tonebase/tonebase/columndb"
)

// ReplaceRefused is a replace-mode file that changed nothing: replace
// deletes every row the file does not carry, so a file with a refused line
// would delete that row, and a file with no valid line every row.
type ReplaceRefused struct {
	Received int
	Refused  int         // lines refused
	Invalid  []LineError // the refused lines, unless ImportOptions.Invalid took them
}

func (e *ReplaceRefused) Error() string {
	if e.Refused == 0 {
		return "replace refused: the file has no valid line, and replacing with it would delete every row; nothing was changed"
	}
	return fmt.Sprintf("replace refused: %d of %d lines refused; a replacing file must be valid throughout, so nothing was changed", e.Refused, e.Received)
}

// checkReplace reads a replace-mode file once without writing and refuses
// it unless every line is valid and there is at least one. It returns the
// file to read again for the import: a seekable one rewound, a JSON one
// (read whole anyway) from memory.
func (s *Service) checkReplace(t *columndb.Table, format ImportFormat, r io.Reader, opt ImportOptions) (io.Reader, error) {
	im := &importer{s: s, t: t, opt: opt, pk: t.PrimaryKey(), dry: true}
	var again io.Reader
	var err error
	switch format {
	case FormatCSV:
		seeker, ok := r.(io.ReadSeeker)
		if !ok {
			return nil, fmt.Errorf("ivr: replace needs a file it can read twice")
		}
		start, serr := seeker.Seek(0, io.SeekCurrent)
		if serr != nil {
			return nil, fmt.Errorf("ivr: replace: %w", serr)
		}
		if err = im.csv(seeker); err == nil {
			if _, serr := seeker.Seek(start, io.SeekStart); serr != nil {
				return nil, fmt.Errorf("ivr: replace: %w", serr)
			}
		}
		again = seeker
	case FormatJSON:
		body, rerr := io.ReadAll(r)
		if rerr != nil {
			return nil, fmt.Errorf("ivr: read import: %w", rerr)
		}
		err = im.json(bytes.NewReader(body))
		again = bytes.NewReader(body)
	default:
		return r, nil // importInto refuses the format
	}
	if err != nil {
		return nil, err
	}
	if im.refused > 0 || im.valid == 0 {
		return nil, &ReplaceRefused{Received: im.res.Received, Refused: im.refused, Invalid: im.res.Invalid}
	}
	return again, nil
}

// checkRow refuses, in a dry run, what the store would refuse of a
// replacing row: a missing key, or a missing required value (replace
// clears what a line leaves empty, so a stored value cannot fill it).
func (im *importer) checkRow(le LineError, r columndb.Row) {
	for i, c := range im.t.Columns {
		if _, ok := r.Get(i); !ok && (c.PrimaryKey || c.Required) {
			le.Column, le.Error = c.ID, "required column missing"
			if c.PrimaryKey {
				le.Error = "primary key column missing"
			}
			im.reject(le)
			return
		}
	}
	im.valid++
}
