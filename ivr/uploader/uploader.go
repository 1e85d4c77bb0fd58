// Package uploader is the merchant's side of the signed upload: it splits a
// JSON file of rows into batches, signs each with the client's upload
// password and posts it, so integrating needs no C#.
package uploader

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/tonebase/tonebase/hash"
)

// Config says where and as whom to upload.
type Config struct {
	URL      string // base URL of the service, e.g. http://127.0.0.1:8080
	CID      int64
	DBID     int64
	Password string
	Batch    int  // rows per request
	Delete   bool // delete the rows' keys instead of upserting
	// Progress, if set, is called after each batch with the bytes of input
	// consumed so far and the rows sent.
	Progress func(bytesRead int64, rows int)
	Client   *http.Client
}

// RowError is a refused row, indexed in the whole file.
type RowError struct {
	Index  int    `json:"index"`
	Column string `json:"column,omitempty"`
	Error  string `json:"error"`
}

// Summary adds up the server's answers over every batch.
type Summary struct {
	Received  int        `json:"received"`
	Inserted  int        `json:"inserted"`
	Updated   int        `json:"updated"`
	Unchanged int        `json:"unchanged"`
	Deleted   int        `json:"deleted"`
	NotFound  int        `json:"not_found"`
	Invalid   []RowError `json:"invalid"`
}

type batch struct {
	body  []byte
	first int
	read  int64
	rows  int
	err   error
}

// Run uploads every row read from r: a JSON array of row objects, or one row.
func Run(cfg Config, r io.Reader) (Summary, error) {
	if cfg.Batch <= 0 {
		cfg.Batch = 5000
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Minute}
	}
	batches := make(chan batch, 2) // read the next batch while one is in flight
	stop := make(chan struct{})
	defer close(stop)
	go readBatches(r, cfg.Batch, batches, stop)
	var sum Summary
	for b := range batches {
		if b.err != nil {
			return sum, b.err
		}
		if err := post(cfg, b, &sum); err != nil {
			return sum, err
		}
		if cfg.Progress != nil {
			cfg.Progress(b.read, b.first+b.rows)
		}
	}
	return sum, nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func readBatches(r io.Reader, size int, out chan<- batch, stop <-chan struct{}) {
	defer close(out)
	cr := &countingReader{r: r}
	br := bufio.NewReaderSize(cr, 1<<20)
	send := func(b batch) bool {
		select {
		case out <- b:
			return true
		case <-stop:
			return false
		}
	}
	first, err := firstByte(br)
	if err != nil {
		send(batch{err: err})
		return
	}
	dec := json.NewDecoder(br)
	if first == '{' {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			send(batch{err: fmt.Errorf("uploader: row 0: %w", err)})
			return
		}
		send(batch{body: compact(raw), rows: 1, read: cr.n})
		return
	}
	if _, err := dec.Token(); err != nil {
		send(batch{err: fmt.Errorf("uploader: %w", err)})
		return
	}
	var buf bytes.Buffer
	n, start := 0, 0
	flush := func() bool {
		if n == start {
			return true
		}
		buf.WriteByte(']')
		b := batch{body: append([]byte(nil), buf.Bytes()...), first: start, rows: n - start, read: cr.n - int64(br.Buffered())}
		buf.Reset()
		start = n
		return send(b)
	}
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			send(batch{err: fmt.Errorf("uploader: row %d: %w", n, err)})
			return
		}
		if buf.Len() == 0 {
			buf.WriteByte('[')
		} else {
			buf.WriteByte(',')
		}
		buf.Write(compact(raw))
		n++
		if n-start == size && !flush() {
			return
		}
	}
	if _, err := dec.Token(); err != nil {
		send(batch{err: fmt.Errorf("uploader: %w", err)})
		return
	}
	flush()
}

func firstByte(br *bufio.Reader) (byte, error) {
	for {
		c, err := br.ReadByte()
		if err != nil {
			return 0, fmt.Errorf("uploader: empty input: %w", err)
		}
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '[', '{':
			return c, br.UnreadByte()
		}
		return 0, errors.New("uploader: input must be a JSON array of rows or one row object")
	}
}

func compact(raw []byte) []byte {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}

func post(cfg Config, b batch, sum *Summary) error {
	q := url.Values{}
	q.Set("cid", strconv.FormatInt(cfg.CID, 10))
	q.Set("dbid", strconv.FormatInt(cfg.DBID, 10))
	q.Set("Hash", hash.Sign(cfg.CID, cfg.DBID, cfg.Password, b.body))
	method := http.MethodPost
	if cfg.Delete {
		method = http.MethodDelete
	}
	req, err := http.NewRequest(method, cfg.URL+"/cppdb/api/database?"+q.Encode(), bytes.NewReader(b.body))
	if err != nil {
		return fmt.Errorf("uploader: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := cfg.Client.Do(req)
	if err != nil {
		return fmt.Errorf("uploader: rows %d–%d: %w", b.first, b.first+b.rows-1, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("uploader: read answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(data, &e)
		if e.Error == "" {
			e.Error = string(data)
		}
		return fmt.Errorf("uploader: rows %d–%d: %s: %s", b.first, b.first+b.rows-1, resp.Status, e.Error)
	}
	var got Summary
	if err := json.Unmarshal(data, &got); err != nil {
		return fmt.Errorf("uploader: unreadable answer: %w", err)
	}
	sum.Received += got.Received
	sum.Inserted += got.Inserted
	sum.Updated += got.Updated
	sum.Unchanged += got.Unchanged
	sum.Deleted += got.Deleted
	sum.NotFound += got.NotFound
	for _, e := range got.Invalid {
		e.Index += b.first
		sum.Invalid = append(sum.Invalid, e)
	}
	return nil
}
