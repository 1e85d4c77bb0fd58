package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/ivr"
)

// Every import is written down when it starts and again when it ends, so
// its page, its rejected lines and the history outlive the process: the
// summaries in the store and the rejected-lines files in the work folder
// are the record. One that a restart cut short keeps its start summary and
// reads as interrupted.
const (
	collImports       = "webimport"        // sequence key → ImportSummary, oldest first
	collImportIDs     = "webimportid"      // import id → sequence key
	collImportRefused = "webimportrefused" // import id → the first refused lines
)

var (
	errNoRejects = errors.New("web: the rejected-lines file is gone")
	// errRejectsElsewhere is the refused lines of an import another node
	// of the cluster ran: its file is in that node's work folder.
	errRejectsElsewhere = errors.New("web: the rejected-lines file is on another node")
)

// ImportSummary is an import as the store keeps it.
type ImportSummary struct {
	ID        string          `json:"id"`
	CID       int64           `json:"cid"`
	DBID      int64           `json:"dbid"`
	Database  string          `json:"database"`
	File      string          `json:"file"`
	Mode      string          `json:"mode"`
	Format    string          `json:"format,omitempty"`
	Size      int64           `json:"size,omitempty"`
	User      string          `json:"user"`
	Started   time.Time       `json:"started"`
	Finished  time.Time       `json:"finished"`
	Received  int             `json:"received"`
	Inserted  int             `json:"inserted"`
	Updated   int             `json:"updated"`
	Unchanged int             `json:"unchanged"`
	Deleted   int             `json:"deleted"`
	Invalid   int             `json:"invalid"`
	Refused   []ivr.LineError `json:"refused,omitempty"` // the first shownInvalid, without their fields
	Error     string          `json:"error,omitempty"`
}

// Done reports whether the import ran to its end (or its error).
func (sum ImportSummary) Done() bool { return !sum.Finished.IsZero() }

// Duration is how long the import ran; 0 if it never finished.
func (sum ImportSummary) Duration() time.Duration {
	if !sum.Done() {
		return 0
	}
	return sum.Finished.Sub(sum.Started)
}

type importKey struct {
	Key string `json:"key"`
}

// rejectsPath is where an import's refused lines are written. Ids are
// made by randomToken; anything else names no file.
func (s *Server) rejectsPath(id string) string {
	if id == "" || strings.Trim(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != "" {
		id = "invalid"
	}
	return filepath.Join(s.cfg.WorkDir, id+"-rejected.csv")
}

// saveSummary writes j's summary: the first call, as the import starts,
// takes its key; later ones overwrite it.
func (s *Server) saveSummary(j *job) {
	v := j.view()
	sum := ImportSummary{ID: v.ID, CID: v.CID, DBID: v.DBID, Database: v.Database, File: v.File, Mode: string(v.Mode),
		Format: string(v.Format), Size: v.Size, User: v.User, Started: v.Started.UTC(), Received: v.Result.Received,
		Inserted: v.Result.Inserted, Updated: v.Result.Updated, Unchanged: v.Result.Unchanged,
		Deleted: v.Result.Deleted, Invalid: v.InvalidN, Refused: v.Invalid, Error: v.Error}
	if v.Done {
		sum.Finished = v.Finished.UTC()
	}
	err := func() error {
		if j.key == "" {
			seq, err := s.cfg.Docs.NextID(collImports, 0)
			if err != nil {
				return err
			}
			j.key = fmt.Sprintf("%016d", seq)
			if err := s.cfg.Docs.PutDoc(collImportIDs, v.ID, importKey{j.key}, true); err != nil {
				return err
			}
			return s.cfg.Docs.PutDoc(collImports, j.key, sum, true)
		}
		if len(sum.Refused) > 0 {
			if err := s.cfg.Docs.PutDoc(collImportRefused, v.ID, sum.Refused, false); err != nil {
				return err
			}
		}
		return s.cfg.Docs.PutDoc(collImports, j.key, sum, false)
	}()
	if err != nil {
		s.cfg.Log.Error().Err(err).Str("import", v.ID).Msg("save import summary")
	}
}

// summary reads the stored summary of import id.
func (s *Server) summary(id string) (ImportSummary, error) {
	var k importKey
	var sum ImportSummary
	err := s.cfg.Docs.GetDoc(collImportIDs, id, &k)
	if err == nil {
		err = s.cfg.Docs.GetDoc(collImports, k.Key, &sum)
	} else if errors.Is(err, columndb.ErrNotFound) && id != "" {
		// Summaries written before the id index (finished imports only)
		// are found by reading them all.
		err = s.eachImport(func(_ int64, found ImportSummary) bool {
			if found.ID == id {
				sum = found
				return false
			}
			return true
		})
		if err == nil && sum.ID != id {
			err = columndb.ErrNotFound
		}
	}
	switch {
	case errors.Is(err, columndb.ErrNotFound) || (err == nil && sum.ID != id):
		return ImportSummary{}, errNoJob
	case err != nil:
		return ImportSummary{}, fmt.Errorf("web: read import: %w", err)
	}
	if sum.Invalid > 0 {
		err := s.cfg.Docs.GetDoc(collImportRefused, id, &sum.Refused)
		if err != nil && !errors.Is(err, columndb.ErrNotFound) {
			return ImportSummary{}, fmt.Errorf("web: read import: %w", err)
		}
	}
	return sum, nil
}

// view is a stored import as its page shows it. One not running in this
// process and not finished was cut short by a restart.
func (sum ImportSummary) view() JobView {
	v := JobView{ID: sum.ID, CID: sum.CID, DBID: sum.DBID, Database: sum.Database, File: sum.File,
		Mode: ivr.ImportMode(sum.Mode), Format: ivr.ImportFormat(sum.Format), User: sum.User, Size: sum.Size,
		Started: sum.Started, Finished: sum.Finished, Records: sum.Received, Done: true, Percent: 100,
		Result: ivr.ImportResult{Received: sum.Received, Inserted: sum.Inserted, Updated: sum.Updated,
			Unchanged: sum.Unchanged, Deleted: sum.Deleted},
		Invalid: sum.Refused, InvalidN: sum.Invalid, Error: sum.Error}
	if !sum.Done() {
		v.Interrupted = true
		v.Error = "the server stopped while it ran"
	}
	return v
}

// eachImport calls fn with every stored import and its sequence number,
// oldest first, until fn returns false.
func (s *Server) eachImport(fn func(seq int64, sum ImportSummary) bool) error {
	errStop := errors.New("stop")
	err := s.cfg.Docs.EachDoc(collImports, func(key string, v []byte) error {
		var sum ImportSummary
		if err := json.Unmarshal(v, &sum); err != nil {
			return err
		}
		seq, _ := strconv.ParseInt(key, 10, 64)
		if !fn(seq, sum) {
			return errStop
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return fmt.Errorf("web: read imports: %w", err)
	}
	return nil
}

// recentImports returns the last n finished imports, newest first.
func (s *Server) recentImports(n int) ([]ImportSummary, error) {
	var ring []ImportSummary
	err := s.eachImport(func(_ int64, sum ImportSummary) bool {
		if s.jobs.runningFor(sum.CID, sum.DBID) == sum.ID {
			return true
		}
		ring = append(ring, sum)
		if len(ring) > n {
			ring = ring[1:]
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	out := make([]ImportSummary, len(ring))
	for i, sum := range ring {
		out[len(ring)-1-i] = sum
	}
	return out, nil
}
