package admin

import (
	"bufio"
	"errors"
	"io"
	"net"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/internal/backup"
	"github.com/tonebase/tonebase/internal/httpx"
	"github.com/tonebase/tonebase/internal/lowprio"
)

// ErrBackupRunning refuses a second backup while one streams: each reads
// the whole store, and two at once would only take twice the CPU from the
// lookups.
var ErrBackupRunning = errors.New("admin: a backup is already running; try again once it has finished")

// Snapshotter is the store as a backup reads it.
type Snapshotter interface {
	Backup(w io.Writer) (columndb.BackupStats, error)
}

// Backups serves the online backup.
type Backups struct {
	api     *API
	cfg     BackupConfig
	running atomic.Bool
}

// BackupConfig is what the backup endpoint reads and how it streams.
type BackupConfig struct {
	Store Snapshotter
	// Files reads the data folder's small files a restore needs.
	Files func() ([]backup.File, error)
	// Key is what the backup is sealed under; nil when the server has no
	// master key.
	Key []byte
	// Stream, if set, is told the connection a backup streams on, so the
	// server's request timeout bounds the stream's stalls, not its length.
	Stream func(net.Conn)
}

// Backups returns the backup endpoint.
func (a *API) Backups(cfg BackupConfig) *Backups {
	return &Backups{api: a, cfg: cfg}
}

// Download serves GET /admin/api/backup: a consistent backup of the whole
// store as of the request, streamed as it is read while uploads and
// lookups go on. The status and headers are sent before the store is
// read, so a failure part way cannot change them: it ends the stream
// without the backup's last frame, and the file is refused on restore.
func (b *Backups) Download(ctx *fasthttp.RequestCtx) {
	if !b.running.CompareAndSwap(false, true) {
		b.api.fail(ctx, ErrBackupRunning)
		return
	}
	files, err := b.cfg.Files()
	if err != nil {
		b.running.Store(false)
		b.api.fail(ctx, err)
		return
	}
	id := httpx.RequestID(ctx)
	start := time.Now().UTC()
	ctx.SetContentType("application/octet-stream")
	ctx.Response.Header.Set("Content-Disposition", `attachment; filename="tonebase-`+start.Format("20060102T150405Z")+`.backup"`)
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.Response.Header.Set("X-Tonebase-Backup-Encrypted", strconv.FormatBool(b.cfg.Key != nil))
	log := b.api.log
	if b.cfg.Stream != nil {
		b.cfg.Stream(ctx.Conn())
	}
	// The writer runs after the handler has returned, on its own goroutine:
	// it holds nothing of ctx.
	ctx.SetBodyStreamWriter(func(w *bufio.Writer) {
		defer b.running.Store(false)
		var st columndb.BackupStats
		var err error
		// Reading, sealing and sending the whole store is bulk work: at a
		// lowered priority the kernel gives the cores to lookups first. The
		// store's lock it takes (to pin its version) holds up only commits.
		lowprio.Bulk(func() {
			_, err = backup.Write(w, b.cfg.Key, files, func(sw io.Writer) error {
				var err error
				st, err = b.cfg.Store.Backup(sw)
				return err
			})
			if err == nil {
				err = w.Flush()
			}
		})
		ev := log.Info()
		if err != nil {
			ev = log.Error().Err(err)
		}
		ev.Str("request_id", id).Int64("keys", st.Keys).Int64("bytes", st.Bytes).Uint64("version", st.Version).
			Bool("encrypted", b.cfg.Key != nil).Dur("took", time.Since(start)).Msg("backup")
	})
}
