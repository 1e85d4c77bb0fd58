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

// uploadCmd signs and posts a JSON file of rows in batches.
func uploadCmd(args []string) error {
	var cid, dbid, batch int
	var password, file, base string
	var del bool
	f := newFlags("upload")
	f.str(&base, "url", "http://127.0.0.1:8080", "service base URL")
	f.integer(&cid, "cid", 0, "client id")
	f.integer(&dbid, "dbid", 0, "database id")
	f.str(&password, "password", "", "upload password")
	f.str(&file, "file", "", "JSON file: an array of row objects (- for standard input)")
	f.integer(&batch, "batch", 5000, "rows per signed request")
	f.boolean(&del, "delete", false, "delete the rows whose keys the file holds")
	if err := f.parse(args); err != nil {
		return err
	}
	if cid <= 0 || dbid <= 0 || password == "" || file == "" {
		return errors.New("upload needs --cid, --dbid, --password and --file")
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
		Password: password, Batch: batch, Delete: del}
	if isTerminal(os.Stderr) {
		cfg.Progress = func(read int64, rows int) { progress(os.Stderr, read, size, rows, time.Since(start)) }
	}
	sum, err := uploader.Run(cfg, in)
	if cfg.Progress != nil {
		fmt.Fprintln(os.Stderr)
	}
	out, _ := json.MarshalIndent(sum, "", "  ")
	fmt.Println(string(out))
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%d rows in %s\n", sum.Received, time.Since(start).Round(time.Millisecond))
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
