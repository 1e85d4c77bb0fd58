package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tonebase/tonebase/admin/web"
	"github.com/tonebase/tonebase/internal/diskfree"
)

// workDir holds uploads while they arrive and are imported.
func workDir(cfg serveConfig) string { return filepath.Join(cfg.Data, "imports") }

// checkDisk readies the data folder's disk before the store opens: it
// removes the uploads a stopped process left behind, which may be what
// filled it, and refuses to start below the reserve, since opening the
// store writes (it flushes what its log holds) and a write into a full
// disk kills the process. One guard watches the whole data folder: the
// store and the uploads share its file system and its reserve.
func checkDisk(cfg serveConfig) (*diskfree.Guard, error) {
	if err := os.MkdirAll(workDir(cfg), 0o700); err != nil {
		return nil, fmt.Errorf("work folder: %w", err)
	}
	if err := web.RemoveLeftovers(workDir(cfg)); err != nil {
		return nil, err
	}
	disk, err := diskfree.New(cfg.Data, int64(cfg.MinFreeMB)<<20, diskfree.Options{})
	if err != nil {
		return nil, err
	}
	if err := disk.Check(); err != nil {
		return nil, diskFull(cfg, err)
	}
	return disk, nil
}

// diskFull says what to do about a start refused for want of space.
func diskFull(cfg serveConfig, err error) error {
	var low *diskfree.LowError
	if !errors.As(err, &low) {
		return err
	}
	return fmt.Errorf("%w; tonebase keeps --min-free-mb (%d MiB) free so the store never writes into a full disk: free space on the file system of %s, or start with a smaller --min-free-mb",
		err, cfg.MinFreeMB, cfg.Data)
}
