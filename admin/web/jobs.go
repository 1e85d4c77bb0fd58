package web

import (
	"encoding/csv"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/tonebase/tonebase/ivr"
)

// shownInvalid is how many refused lines an import page lists; the
// rejected-lines file has all of them.
const shownInvalid = 100

// keptJobs is how many finished imports stay in memory with their files.
const keptJobs = 50

// job is one import running or finished in this process.
type job struct {
	ID       string
	CID      int64
	DBID     int64
	Database string
	File     string
	Mode     ivr.ImportMode
	Format   ivr.ImportFormat
	User     string
	Size     int64
	Started  time.Time
	rejects  string // path of the rejected-lines CSV
	key      string // of its stored summary; set before the import starts
	now      func() time.Time
	// In a cluster: closed to have its progress publisher write its end,
	// and closed by the publisher when it has.
	stop, published chan struct{}

	mu       sync.Mutex
	bytes    int64
	records  int
	done     bool
	finished time.Time
	result   ivr.ImportResult
	invalid  []ivr.LineError
	invalidN int
	err      string
}

// JobView is a consistent copy of a job for a page or the progress JSON.
type JobView struct {
	ID       string           `json:"id"`
	CID      int64            `json:"cid"`
	DBID     int64            `json:"dbid"`
	Database string           `json:"database"`
	File     string           `json:"file"`
	Mode     ivr.ImportMode   `json:"mode"`
	Format   ivr.ImportFormat `json:"format"`
	User     string           `json:"user"`
	Size     int64            `json:"size"`
	Started  time.Time        `json:"started"`
	Bytes    int64            `json:"bytes"`
	Records  int              `json:"records"`
	Percent  int64            `json:"percent"`
	Done     bool             `json:"done"`
	Finished time.Time        `json:"finished"`
	Result   ivr.ImportResult `json:"result"`
	Invalid  []ivr.LineError  `json:"-"`
	InvalidN int              `json:"invalid"`
	Error    string           `json:"error,omitempty"`
	// Expected is when a running import should finish, from its pace so
	// far; ExpectedIn is the same in seconds from now, for the script.
	Expected   time.Time `json:"expected,omitzero"`
	ExpectedIn int64     `json:"expected_in,omitempty"`
	// Interrupted is an import the server stopped during: its page is
	// from the summary stored when it started.
	Interrupted bool `json:"interrupted,omitempty"`
}

func (j *job) view() JobView {
	j.mu.Lock()
	defer j.mu.Unlock()
	v := JobView{ID: j.ID, CID: j.CID, DBID: j.DBID, Database: j.Database, File: j.File, Mode: j.Mode, Format: j.Format,
		User: j.User, Size: j.Size, Started: j.Started, Bytes: j.bytes, Records: j.records, Done: j.done,
		Finished: j.finished, Result: j.result, Invalid: append([]ivr.LineError(nil), j.invalid...),
		InvalidN: j.invalidN, Error: j.err}
	v.Percent = percent(j.bytes, j.Size)
	if j.done {
		v.Percent = 100
	} else if j.now != nil && j.bytes > 0 && j.Size > j.bytes {
		now := j.now()
		if elapsed := now.Sub(j.Started); elapsed > 0 {
			rest := time.Duration(float64(elapsed) * float64(j.Size-j.bytes) / float64(j.bytes))
			v.Expected, v.ExpectedIn = now.Add(rest).Truncate(time.Second), int64((rest+time.Second-1)/time.Second)
		}
	}
	return v
}

type jobs struct {
	mu      sync.Mutex
	byID    map[string]*job
	order   []string
	running map[string]string // cid/dbid → job id
	wg      sync.WaitGroup

	// In a cluster (jobs_shared.go): the bucket, and the copy of it that
	// shows other nodes' imports.
	shared    SharedBucket
	onError   func(error)
	remote    *jobCopy
	stopWatch func()
}

func newJobs() *jobs {
	return &jobs{byID: map[string]*job{}, running: map[string]string{}}
}

func dbKey(cid, dbid int64) string {
	return strconv.FormatInt(cid, 10) + "/" + strconv.FormatInt(dbid, 10)
}

// add registers a job, refusing a second import into the same database:
// two replaces at once would each delete the other's rows. In a cluster
// the database is claimed in the shared bucket first, so that holds over
// every node.
func (js *jobs) add(j *job) (string, bool, error) {
	if js.shared != nil {
		if id, ok, err := js.claimShared(j); !ok {
			return id, false, err
		}
	}
	js.mu.Lock()
	defer js.mu.Unlock()
	if id, busy := js.running[dbKey(j.CID, j.DBID)]; busy {
		if js.shared != nil {
			// The bucket had lost this node's mark (its renewals failed):
			// the mark just made is j's, which is not running.
			_, _ = js.shared.Delete(runPrefix + dbKey(j.CID, j.DBID))
		}
		return id, false, nil
	}
	js.running[dbKey(j.CID, j.DBID)] = j.ID
	js.byID[j.ID] = j
	js.order = append(js.order, j.ID)
	for len(js.order) > keptJobs {
		// Its stored summary and rejected-lines file stay: they are the
		// import's record, and its page is drawn from them.
		if old := js.byID[js.order[0]]; old.view().Done {
			delete(js.byID, old.ID)
		}
		js.order = js.order[1:]
	}
	js.wg.Add(1)
	if js.shared != nil {
		j.stop, j.published = make(chan struct{}), make(chan struct{})
		go js.publish(j)
	}
	return j.ID, true, nil
}

func (js *jobs) finish(j *job) {
	if j.stop != nil {
		close(j.stop)
		<-j.published
	}
	js.mu.Lock()
	delete(js.running, dbKey(j.CID, j.DBID))
	js.mu.Unlock()
	js.wg.Done()
}

// view is the import with this id, running or recent, on this node or,
// in a cluster, on another.
func (js *jobs) view(id string) (JobView, bool) {
	if j, ok := js.get(id); ok {
		return j.view(), true
	}
	return js.remoteView(id)
}

func (js *jobs) get(id string) (*job, bool) {
	js.mu.Lock()
	defer js.mu.Unlock()
	j, ok := js.byID[id]
	return j, ok
}

// runningFor returns the id of the import running into a database, on
// this node or, in a cluster, on another.
func (js *jobs) runningFor(cid, dbid int64) string {
	js.mu.Lock()
	id := js.running[dbKey(cid, dbid)]
	js.mu.Unlock()
	if id == "" {
		id = js.remoteRunning(cid, dbid)
	}
	return id
}

// list returns every job in memory, newest first: this node's, then, in
// a cluster, the others'.
func (js *jobs) list() []JobView {
	js.mu.Lock()
	ids := append([]string(nil), js.order...)
	js.mu.Unlock()
	var out []JobView
	seen := map[string]bool{}
	for i := len(ids) - 1; i >= 0; i-- {
		if j, ok := js.get(ids[i]); ok {
			out = append(out, j.view())
			seen[j.ID] = true
		}
	}
	return append(out, js.remoteList(seen)...)
}

// wait waits for this node's imports to end, then stops following the
// other nodes'.
func (js *jobs) wait() {
	js.wg.Wait()
	if js.stopWatch != nil {
		js.stopWatch()
	}
}

// run imports the uploaded file at path into the job's database, keeping
// the job's progress current and writing refused lines, with their reason
// appended, to the rejected-lines file. The spooled upload is removed before
// the job reads as done, so whoever sees it finished finds the file gone.
func (s *Server) run(j *job, path string) {
	defer s.jobs.finish(j)
	res, err := s.importFile(j, path)
	_ = os.Remove(path)
	if err != nil {
		s.cfg.Log.Error().Err(err).Str("import", j.ID).Msg("import")
	}
	j.mu.Lock()
	j.done, j.finished = true, s.cfg.Now()
	if err != nil {
		j.err = trimPrefix(err)
	} else {
		j.result, j.records = res, res.Received
	}
	j.mu.Unlock()
	s.saveSummary(j)
}

// importFile does run's work; its files are closed when it returns.
func (s *Server) importFile(j *job, path string) (ivr.ImportResult, error) {
	in, err := os.Open(path)
	if err != nil {
		return ivr.ImportResult{}, err
	}
	defer in.Close()
	out, err := os.OpenFile(j.rejects, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return ivr.ImportResult{}, err
	}
	defer out.Close()
	w := csv.NewWriter(out)
	res, err := s.cfg.Rows.Import(j.CID, j.DBID, j.Format, in, ivr.ImportOptions{
		Mode: j.Mode,
		Progress: func(bytes int64, records int) {
			j.mu.Lock()
			j.bytes, j.records = bytes, records
			j.mu.Unlock()
		},
		Counts: func(c ivr.ImportResult) {
			j.mu.Lock()
			j.result = c
			j.mu.Unlock()
		},
		Invalid: func(le ivr.LineError) {
			reason := "line " + strconv.Itoa(le.Line) + ": "
			if le.Column != "" {
				reason += le.Column + ": "
			}
			_ = w.Write(append(spreadsheetSafeRecord(le.Fields), spreadsheetSafe(reason+le.Error)))
			j.mu.Lock()
			j.invalidN++
			if len(j.invalid) < shownInvalid {
				le.Fields = nil
				j.invalid = append(j.invalid, le)
			}
			j.mu.Unlock()
		},
	})
	w.Flush()
	if err == nil {
		err = w.Error()
	}
	return res, err
}
