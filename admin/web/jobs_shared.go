package web

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tonebase/tonebase/ivr"
)

// In a cluster an import runs on the node that received its file, and its
// progress and result are written to the shared bucket, which every node
// keeps a copy of: any node's pages show it live. The bucket also holds,
// per database, the import running into it, made with a first-writer-wins
// create, so two nodes cannot run two imports into one database at once.
//
// Its keys: jobPrefix + id → sharedJob; runPrefix + cid/dbid → the id.
const (
	jobPrefix = "job/"
	runPrefix = "run/"
	// publishEvery is how often a running import's progress is written.
	publishEvery = time.Second
	// runTTL is how long a database stays busy if the node running its
	// import stops without saying so; the running node renews it.
	runTTL  = time.Minute
	runKeep = runTTL / 4
)

// sharedJob is an import as the bucket holds it.
type sharedJob struct {
	View    JobView         `json:"view"`
	Invalid []ivr.LineError `json:"invalid,omitempty"` // not in View's JSON
	Node    string          `json:"node"`              // the process that ran it
}

// jobCopy is this node's copy of the bucket.
type jobCopy struct {
	self    string // this process, as its sharedJobs name it
	mu      sync.Mutex
	views   map[string]JobView // by id
	nodes   map[string]string  // id → the process that ran it
	running map[string]string  // dbKey → id
}

// share keeps the jobs in b as well, and a copy of b's here.
func (js *jobs) share(b SharedBucket, onError func(error)) error {
	js.shared, js.onError = b, onError
	js.remote = &jobCopy{self: randomToken(), views: map[string]JobView{}, nodes: map[string]string{}, running: map[string]string{}}
	stop, err := b.Watch(js.remote.take)
	if err != nil {
		return fmt.Errorf("web: read shared imports: %w", err)
	}
	js.stopWatch = stop
	return nil
}

func (c *jobCopy) take(key string, v []byte, _ uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case strings.HasPrefix(key, jobPrefix):
		id := key[len(jobPrefix):]
		var sj sharedJob
		if v == nil || json.Unmarshal(v, &sj) != nil {
			delete(c.views, id)
			delete(c.nodes, id)
			return
		}
		sj.View.Invalid = sj.Invalid
		c.views[id], c.nodes[id] = sj.View, sj.Node
	case strings.HasPrefix(key, runPrefix):
		db := key[len(runPrefix):]
		if v == nil {
			delete(c.running, db)
			return
		}
		c.running[db] = string(v)
	}
}

// claimShared makes j the import running into its database in the bucket,
// or returns the id of the one that is.
func (js *jobs) claimShared(j *job) (string, bool, error) {
	key := runPrefix + dbKey(j.CID, j.DBID)
	if _, err := js.shared.Create(key, []byte(j.ID), runTTL); err != nil {
		if id, gerr := js.shared.Get(key); gerr == nil {
			return string(id), false, nil
		}
		return "", false, fmt.Errorf("%w: start an import: %w", errNoCluster, err)
	}
	return "", true, nil
}

// publish writes j's progress while it runs, keeps its database marked
// busy, and once j.stop is closed writes its end and frees the database.
func (js *jobs) publish(j *job) {
	defer close(j.published)
	run := runPrefix + dbKey(j.CID, j.DBID)
	tick := time.NewTicker(publishEvery)
	defer tick.Stop()
	var last JobView
	js.put(j, &last, true) // at once, so every node shows it started
	kept := time.Now()
	for {
		select {
		case <-j.stop:
			js.put(j, &last, true)
			if _, err := js.shared.Delete(run); err != nil {
				js.onError(fmt.Errorf("web: free a database of its import: %w", err))
			}
			return
		case now := <-tick.C:
			js.put(j, &last, false)
			if now.Sub(kept) >= runKeep {
				kept = now
				if _, err := js.shared.Put(run, []byte(j.ID), runTTL); err != nil {
					js.onError(fmt.Errorf("web: keep a database busy with its import: %w", err))
				}
			}
		}
	}
}

// put writes j's view if it changed since last, or if forced.
func (js *jobs) put(j *job, last *JobView, force bool) {
	v := j.view()
	if !force && v.Bytes == last.Bytes && v.Records == last.Records && v.InvalidN == last.InvalidN && v.Done == last.Done {
		return
	}
	*last = v
	b, _ := json.Marshal(sharedJob{View: v, Invalid: v.Invalid, Node: js.remote.self})
	if _, err := js.shared.Put(jobPrefix+j.ID, b, 0); err != nil {
		js.onError(fmt.Errorf("web: publish an import's progress: %w", err))
	}
}

// remoteView is an import another node runs or ran, as its last write said.
func (js *jobs) remoteView(id string) (JobView, bool) {
	if js.remote == nil {
		return JobView{}, false
	}
	js.remote.mu.Lock()
	defer js.remote.mu.Unlock()
	v, ok := js.remote.views[id]
	return v, ok
}

// ranElsewhere reports whether import id ran in another process of the
// cluster, as far as the copy knows.
func (js *jobs) ranElsewhere(id string) bool {
	if js.remote == nil {
		return false
	}
	js.remote.mu.Lock()
	defer js.remote.mu.Unlock()
	node, ok := js.remote.nodes[id]
	return ok && node != js.remote.self
}

func (js *jobs) remoteRunning(cid, dbid int64) string {
	if js.remote == nil {
		return ""
	}
	js.remote.mu.Lock()
	defer js.remote.mu.Unlock()
	return js.remote.running[dbKey(cid, dbid)]
}

// remoteList is every import of the copy but those in skip, newest first.
func (js *jobs) remoteList(skip map[string]bool) []JobView {
	if js.remote == nil {
		return nil
	}
	js.remote.mu.Lock()
	var out []JobView
	for id, v := range js.remote.views {
		if !skip[id] {
			out = append(out, v)
		}
	}
	js.remote.mu.Unlock()
	slices.SortFunc(out, func(a, b JobView) int { return b.Started.Compare(a.Started) })
	return out
}
