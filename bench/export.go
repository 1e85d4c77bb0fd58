package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

var matchCount = regexp.MustCompile(`<p id="match-count"[^>]*>([^<]*)</p>`)

// ExportReport is what ExportReimport measured.
type ExportReport struct {
	Rows       int
	FileBytes  int64
	Export     time.Duration // the second export, the block cache warm
	Before     Memory        // the server's memory just before it
	Peak       Memory        // the largest RSS seen while it ran (sampled every 20 ms)
	ColdExport time.Duration // the first export
	ColdRise   int64         // how far RSS rose during the first, in bytes
	Reimport   time.Duration
	Unchanged  int
	Received   int
	Refused    int
	ImportMode string
}

// Rate is the export's rows per second.
func (r ExportReport) Rate() float64 { return float64(r.Rows) / r.Export.Seconds() }

// RSSRise is how far the server's resident memory rose during the export.
func (r ExportReport) RSSRise() int64 { return r.Peak.RSS - r.Before.RSS }

// pages is an admin signed in to the pages of a server.
type pages struct {
	base string
	c    *http.Client
	csrf string
}

// signUp creates the first admin on a fresh server through its setup page.
func signUp(addr, token string) (*pages, error) {
	jar, _ := cookiejar.New(nil)
	p := &pages{base: "http://" + addr, c: &http.Client{Jar: jar, Timeout: 10 * time.Minute}}
	page, err := p.get("/admin/setup")
	if err != nil {
		return nil, err
	}
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		return nil, fmt.Errorf("bench: the setup page has no form token")
	}
	form := url.Values{"csrf": {m[1]}, "token": {token}, "name": {"bench"}, "password": {"bench password 123"}, "confirm": {"bench password 123"}}
	res, err := p.c.PostForm(p.base+"/admin/setup", form)
	if err != nil {
		return nil, err
	}
	res.Body.Close()
	return p, nil
}

func (p *pages) get(path string) (string, error) {
	res, err := p.c.Get(p.base + path)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if m := csrfField.FindSubmatch(b); m != nil {
		p.csrf = string(m[1])
	}
	if res.StatusCode != 200 {
		return string(b), fmt.Errorf("bench: GET %s: %d", path, res.StatusCode)
	}
	return string(b), err
}

// ExportReimport loads rows into a fresh server, exports the database
// through the admin pages' export.csv into a file, timing it and sampling
// the server's memory meanwhile, then imports that file back through the
// import page in replace mode, which must find every row unchanged.
func ExportReimport(w io.Writer, work, bin string, rows, batch, inflight int) (ExportReport, error) {
	const token = "bench-admin-token-0123456789"
	r := ExportReport{Rows: rows, ImportMode: "replace"}
	p, err := StartTonebase(bin, filepath.Join(work, "data"), token, "--max-upload-mb", "1024")
	if err != nil {
		return r, err
	}
	defer p.Stop()
	t, err := Setup(p.Addr, token)
	if err != nil {
		return r, err
	}
	if _, _, err := Upload(p.Addr, t.CID, t.DBID, Batches(t.CID, t.DBID, t.UploadPassword, 0, rows, batch), inflight); err != nil {
		return r, err
	}
	admin, err := signUp(p.Addr, token)
	if err != nil {
		return r, err
	}
	db := fmt.Sprintf("/admin/clients/%d/databases/%d", t.CID, t.DBID)
	file := filepath.Join(work, "export.csv")

	// Twice: the first walk also fills Badger's block cache (bounded by
	// --memory-limit's sizing) with the table it reads, which any full read
	// would; the second shows what the export itself holds.
	for round, name := range []string{"first (cold cache)", "second (warm cache)"} {
		time.Sleep(time.Second) // let the load's flushes settle, so the baseline is the server at rest
		before, _ := p.Memory()
		stop, sampled := make(chan struct{}), make(chan Memory)
		go func() {
			peak := before
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					sampled <- peak
					return
				case <-tick.C:
					if m, ok := p.Memory(); ok && m.RSS > peak.RSS {
						peak = m
					}
				}
			}
		}()
		start := time.Now()
		n, size, err := admin.download(db+"/export.csv", file)
		took := time.Since(start)
		close(stop)
		peak := <-sampled
		if err != nil {
			return r, err
		}
		if n != rows {
			return r, fmt.Errorf("bench: the export has %d lines, want %d", n, rows)
		}
		fmt.Fprintf(w, "export   %s: %d rows, %.1f MiB of CSV: %v, %.0f rows/s; server RSS %d MiB before, peak %d MiB (%+d MiB; anonymous %+d MiB, files %+d MiB)\n",
			name, rows, mib(size), took.Round(time.Millisecond), float64(rows)/took.Seconds(), before.RSS>>20, peak.RSS>>20, (peak.RSS-before.RSS)>>20,
			(peak.Anon-before.Anon)>>20, (peak.File-before.File)>>20)
		r.FileBytes, r.Export, r.Before, r.Peak = size, took, before, peak
		if round == 0 {
			r.ColdExport, r.ColdRise = took, peak.RSS-before.RSS
		}
	}

	// The rows page over the same rows: every row counted and a page
	// shown, a search by part of a name, and every row sorted by balance.
	for _, q := range []string{"", "?col=colF&match=contains&q=Customer+99999", "?sort=colC&desc=1"} {
		start := time.Now()
		page, err := admin.get(db + "/rows" + q)
		took := time.Since(start)
		if err != nil {
			return r, err
		}
		count := ""
		if m := matchCount.FindStringSubmatch(page); m != nil {
			count = m[1]
		}
		fmt.Fprintf(w, "rows page %-45q %v (%s)\n", "/rows"+q, took.Round(time.Millisecond), count)
	}

	start := time.Now()
	v, err := admin.importFile(db, file)
	r.Reimport = time.Since(start)
	if err != nil {
		return r, err
	}
	r.Unchanged, r.Received, r.Refused = v.Result.Unchanged, v.Result.Received, v.Invalid
	fmt.Fprintf(w, "reimport the export in replace mode: %v; %d lines, %d unchanged, %d added, %d updated, %d deleted, %d refused\n",
		r.Reimport.Round(time.Millisecond), v.Result.Received, v.Result.Unchanged, v.Result.Inserted, v.Result.Updated, v.Result.Deleted, v.Invalid)
	if v.Error != "" {
		return r, fmt.Errorf("bench: the re-import failed: %s", v.Error)
	}
	return r, nil
}

// download streams path into file and counts its lines.
func (p *pages) download(path, file string) (int, int64, error) {
	res, err := p.c.Get(p.base + path)
	if err != nil {
		return 0, 0, err
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 2048))
		return 0, 0, fmt.Errorf("bench: GET %s: %d %s", path, res.StatusCode, b)
	}
	f, err := os.Create(file)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	lines := 0
	buf := bufio.NewReaderSize(res.Body, 1<<20)
	var size int64
	chunk := make([]byte, 1<<20)
	for {
		k, rerr := buf.Read(chunk)
		lines += bytes.Count(chunk[:k], []byte{'\n'})
		size += int64(k)
		if _, err := f.Write(chunk[:k]); err != nil {
			return lines, size, err
		}
		if rerr == io.EOF {
			return lines, size, f.Close()
		}
		if rerr != nil {
			return lines, size, rerr
		}
	}
}

// importJob is the part of the import's progress the harness reads.
type importJob struct {
	Done   bool `json:"done"`
	Result struct {
		Received, Inserted, Updated, Unchanged, Deleted int
	} `json:"result"`
	Invalid int    `json:"invalid"`
	Error   string `json:"error"`
}

// importFile posts file to the database's import page in replace mode,
// streaming it, and waits for the import to finish.
func (p *pages) importFile(db, file string) (importJob, error) {
	var job importJob
	if _, err := p.get(db + "/import"); err != nil {
		return job, err
	}
	f, err := os.Open(file)
	if err != nil {
		return job, err
	}
	defer f.Close()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	var wg sync.WaitGroup
	wg.Go(func() {
		err := mw.WriteField("csrf", p.csrf)
		if err == nil {
			err = mw.WriteField("mode", "replace")
		}
		if err == nil {
			err = mw.WriteField("format", "csv")
		}
		var fw io.Writer
		if err == nil {
			fw, err = mw.CreateFormFile("file", "export.csv")
		}
		if err == nil {
			_, err = io.Copy(fw, f)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	})
	client := *p.c
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	req, _ := http.NewRequest("POST", p.base+db+"/import", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := client.Do(req)
	wg.Wait()
	if err != nil {
		return job, err
	}
	res.Body.Close()
	loc := res.Header.Get("Location")
	if res.StatusCode != 303 || !strings.HasPrefix(loc, "/admin/imports/") {
		return job, fmt.Errorf("bench: the import was not taken: %d %s", res.StatusCode, loc)
	}
	for {
		body, err := p.get(loc + "/progress")
		if err != nil {
			return job, err
		}
		job = importJob{}
		if err := json.Unmarshal([]byte(body), &job); err != nil {
			return job, err
		}
		if job.Done {
			return job, nil
		}
		time.Sleep(200 * time.Millisecond)
	}
}
