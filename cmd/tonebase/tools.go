package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/tonebase/tonebase/hash"
	"github.com/tonebase/tonebase/ivr/uploader"
)

// hashCmd prints the Hash parameter for a body, as a merchant's code must
// compute it.
func hashCmd(args []string, stdin io.Reader, stdout io.Writer) error {
	var cid, dbid int
	var password, file, body, mode string
	f := newFlags("hash")
	f.integer(&cid, "cid", 0, "client id")
	f.integer(&dbid, "dbid", 0, "database id")
	f.str(&password, "password", "", "upload password")
	f.str(&file, "file", "", "file holding the exact body (- for standard input)")
	f.str(&body, "body", "", "the exact body")
	f.str(&mode, "mode", "", "sign for /cppdb/api/file in this mode (upsert or replace), which its Hash covers")
	if err := f.parse(args); err != nil {
		return err
	}
	if cid <= 0 || dbid <= 0 || password == "" {
		return errors.New("hash needs --cid, --dbid and --password")
	}
	data := []byte(body)
	switch {
	case file == "-":
		b, err := io.ReadAll(stdin)
		if err != nil {
			return err
		}
		data = b
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		data = b
	case body == "":
		return errors.New("hash needs --body or --file")
	}
	if mode != "" {
		if mode != "upsert" && mode != "replace" {
			return errors.New("hash --mode must be upsert or replace")
		}
		fmt.Fprintln(stdout, hash.SignMode(int64(cid), int64(dbid), password, mode, data))
		return nil
	}
	fmt.Fprintln(stdout, hash.Sign(int64(cid), int64(dbid), password, data))
	return nil
}

// uploadCmd signs and posts a JSON file of rows in batches, or a CSV file
// whole with --mode.
func uploadCmd(args []string, stdout, stderr io.Writer) error {
	var cid, dbid, batch int
	var password, file, base, scheme, mode string
	var del bool
	f := newFlags("upload")
	f.str(&base, "url", "http://127.0.0.1:8080", "service base URL")
	f.integer(&cid, "cid", 0, "client id")
	f.integer(&dbid, "dbid", 0, "database id")
	f.str(&password, "password", "", "upload password")
	f.str(&file, "file", "", "JSON file: an array of row objects; with --mode, a CSV debtor file (- for standard input)")
	f.integer(&batch, "batch", 5000, "rows per signed request (JSON only)")
	f.boolean(&del, "delete", false, "delete the rows whose keys the file holds (JSON only)")
	f.str(&mode, "mode", "", "post a CSV file to /cppdb/api/file in this mode: upsert, or replace (all or nothing)")
	f.str(&scheme, "scheme", uploader.SchemeHMAC, "signature: hmac (X-Tonebase-Signature), or activepay (the Hash alone, for servers before tonebase's own scheme)")
	if err := f.parse(args); err != nil {
		return err
	}
	if cid <= 0 || dbid <= 0 || password == "" || file == "" {
		return errors.New("upload needs --cid, --dbid, --password and --file")
	}
	if scheme != uploader.SchemeHMAC && scheme != uploader.SchemeActivePay {
		return fmt.Errorf("--scheme must be %s or %s, not %q", uploader.SchemeHMAC, uploader.SchemeActivePay, scheme)
	}
	if mode != "" && mode != "upsert" && mode != "replace" {
		return fmt.Errorf("--mode must be upsert or replace, not %q", mode)
	}
	if mode != "" && del {
		return errors.New("--delete works on JSON uploads; a CSV file's --mode replace deletes the rows the file does not hold")
	}
	in, size := io.Reader(os.Stdin), int64(0)
	if file != "-" {
		fh, err := os.Open(file)
		if err != nil {
			return err
		}
		defer fh.Close()
		if st, err := fh.Stat(); err == nil {
			size = st.Size()
		}
		in = fh
	}
	start := time.Now()
	cfg := uploader.Config{URL: strings.TrimRight(base, "/"), CID: int64(cid), DBID: int64(dbid),
		Password: password, Batch: batch, Delete: del, Scheme: scheme}
	signing := "signing with X-Tonebase-Timestamp and X-Tonebase-Signature (HMAC-SHA256); --scheme activepay for a server without them"
	if scheme == uploader.SchemeActivePay {
		signing = "signing with ActivePay's Hash (--scheme activepay); the default, hmac, also signs the method, endpoint and time"
	}
	fmt.Fprintln(stderr, "tonebase upload:", signing)
	if isTerminal(os.Stderr) {
		cfg.Progress = func(read int64, rows int) { progress(os.Stderr, read, size, rows, time.Since(start)) }
	}
	var sum uploader.Summary
	var err error
	if mode != "" {
		sum, err = uploader.RunFile(cfg, mode, in)
	} else {
		sum, err = uploader.Run(cfg, in)
	}
	if cfg.Progress != nil {
		fmt.Fprintln(os.Stderr)
	}
	if err != nil {
		// The error alone: a summary of zeros beside it reads as success.
		if sum.Received > 0 {
			return fmt.Errorf("%w (the %d rows before it were answered and stay: %d inserted, %d updated, %d unchanged, %d deleted, %d refused)",
				err, sum.Received, sum.Inserted, sum.Updated, sum.Unchanged, sum.Deleted, len(sum.Invalid)+sum.InvalidMore)
		}
		return err
	}
	out, _ := json.MarshalIndent(sum, "", "  ")
	fmt.Fprintln(stdout, string(out))
	fmt.Fprintf(stderr, "%d rows in %s\n", sum.Received, time.Since(start).Round(time.Millisecond))
	return nil
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func progress(w io.Writer, read, size int64, rows int, elapsed time.Duration) {
	const width = 30
	frac := 0.0
	if size > 0 {
		frac = min(float64(read)/float64(size), 1)
	}
	filled := int(frac * width)
	rate := float64(rows) / max(elapsed.Seconds(), 0.001)
	fmt.Fprintf(w, "\r[%s%s] %3.0f%%  %d rows  %.0f rows/s ", strings.Repeat("#", filled), strings.Repeat(" ", width-filled), frac*100, rows, rate)
}
