// Package uploader is the merchant's side of the signed upload: it splits a
// JSON file of rows into batches, or takes a CSV file whole, signs each
// request with the client's upload password and posts it, so integrating
// needs no C#.
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
	"strings"
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
	// Scheme is SchemeHMAC (the default) or SchemeActivePay, for servers
	// that predate the request-bound signature.
	Scheme string
	// Now gives the X-Tonebase-Timestamp; time.Now when nil.
	Now func() time.Time
	// Progress, if set, is called after each batch with the bytes of input
	// consumed so far and the rows sent.
	Progress func(bytesRead int64, rows int)
	Client   *http.Client
}

// The signature schemes, as --scheme names them.
const (
	SchemeHMAC      = "hmac"      // X-Tonebase-Timestamp and X-Tonebase-Signature over the whole request
	SchemeActivePay = "activepay" // ActivePay's Hash over the body
)

// The endpoints: JSON rows in batches, or a CSV file whole.
const (
	databasePath = "/cppdb/api/database"
	filePath     = "/cppdb/api/file"
)

// RowError is a refused row, indexed in the whole file; a CSV file's also
// carry their line.
type RowError struct {
	Index  int    `json:"index"`
	Line   int    `json:"line,omitempty"`
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
	// InvalidMore counts refused rows the server did not list.
	InvalidMore int `json:"invalid_more,omitempty"`
}

type batch struct {
	body  []byte
	first int
	read  int64
	rows  int
	err   error
}

func (cfg *Config) defaults() error {
	if cfg.Batch <= 0 {
		cfg.Batch = 5000
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Minute}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	switch cfg.Scheme {
	case "":
		cfg.Scheme = SchemeHMAC
	case SchemeHMAC, SchemeActivePay:
	default:
		return fmt.Errorf("uploader: the scheme must be %s or %s, not %q", SchemeHMAC, SchemeActivePay, cfg.Scheme)
	}
	return nil
}

// Run uploads every row read from r: a JSON array of row objects, or one row.
func Run(cfg Config, r io.Reader) (Summary, error) {
	if err := cfg.defaults(); err != nil {
		return Summary{}, err
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

// RunFile posts a CSV debtor file whole to the CSV endpoint in mode
// (upsert or replace): replace is all or nothing, so the file is one
// request, signed with its mode.
func RunFile(cfg Config, mode string, r io.Reader) (Summary, error) {
	if err := cfg.defaults(); err != nil {
		return Summary{}, err
	}
	if mode != "upsert" && mode != "replace" {
		return Summary{}, fmt.Errorf("uploader: the mode must be upsert or replace, not %q", mode)
	}
	body, err := io.ReadAll(r)
	if err != nil {
		return Summary{}, fmt.Errorf("uploader: read the file: %w", err)
	}
	var sum Summary
	if err := send(cfg, http.MethodPost, filePath, mode, body, "text/csv", "the file", &sum, 0); err != nil {
		return sum, err
	}
	if cfg.Progress != nil {
		cfg.Progress(int64(len(body)), sum.Received)
	}
	return sum, nil
}

// request builds a signed request: the query holds cid, dbid and, at the
// CSV endpoint, the mode; then either the Hash, or the timestamp and
// signature headers over method, path, that query and the body.
func request(cfg Config, method, path, mode string, body []byte) (*http.Request, error) {
	base, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("uploader: --url: %w", err)
	}
	params := []hash.Param{{Name: "cid", Value: strconv.FormatInt(cfg.CID, 10)}, {Name: "dbid", Value: strconv.FormatInt(cfg.DBID, 10)}}
	if mode != "" {
		params = append(params, hash.Param{Name: "mode", Value: mode})
	}
	query := hash.CanonicalQuery(params)
	path = strings.TrimRight(base.EscapedPath(), "/") + path
	var ts, sig string
	if cfg.Scheme == SchemeActivePay {
		h := hash.Sign(cfg.CID, cfg.DBID, cfg.Password, body)
		if mode != "" {
			h = hash.SignMode(cfg.CID, cfg.DBID, cfg.Password, mode, body)
		}
		query += "&Hash=" + h // a URL token needs no escaping
	} else {
		ts = strconv.FormatInt(cfg.Now().Unix(), 10)
		sig = hash.SignRequest(cfg.Password, hash.Request{Method: method, Path: path, Query: query, Timestamp: ts}, body)
	}
	req, err := http.NewRequest(method, base.Scheme+"://"+base.Host+path+"?"+query, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("uploader: %w", err)
	}
	if sig != "" {
		req.Header.Set(hash.TimestampHeader, ts)
		req.Header.Set(hash.SignatureHeader, sig)
	}
	return req, nil
}

func post(cfg Config, b batch, sum *Summary) error {
	method := http.MethodPost
	if cfg.Delete {
		method = http.MethodDelete
	}
	what := fmt.Sprintf("rows %d–%d", b.first, b.first+b.rows-1)
	return send(cfg, method, databasePath, "", b.body, "application/json", what, sum, b.first)
}

// send posts one signed body and adds its answer to sum, the refused rows
// indexed from first.
func send(cfg Config, method, path, mode string, body []byte, contentType, what string, sum *Summary, first int) error {
	req, err := request(cfg, method, path, mode, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := cfg.Client.Do(req)
	if err != nil {
		return fmt.Errorf("uploader: %s: %w", what, err)
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
		return fmt.Errorf("uploader: %s: %s: %s", what, resp.Status, e.Error)
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
	sum.InvalidMore += got.InvalidMore
	for _, e := range got.Invalid {
		e.Index += first
		sum.Invalid = append(sum.Invalid, e)
	}
	return nil
}
