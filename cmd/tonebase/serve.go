package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/admin"
	"github.com/tonebase/tonebase/admin/web"
	"github.com/tonebase/tonebase/columndb"
	"github.com/tonebase/tonebase/customer"
	"github.com/tonebase/tonebase/customer/hipfinity"
	"github.com/tonebase/tonebase/customer/onepay"
	"github.com/tonebase/tonebase/customer/payconnector"
	"github.com/tonebase/tonebase/customer/receivepay"
	"github.com/tonebase/tonebase/customer/vault"
	"github.com/tonebase/tonebase/internal/conns"
	"github.com/tonebase/tonebase/internal/diskfree"
	"github.com/tonebase/tonebase/internal/httpx"
	"github.com/tonebase/tonebase/internal/logsink"
	"github.com/tonebase/tonebase/internal/observe"
	"github.com/tonebase/tonebase/internal/procs"
	"github.com/tonebase/tonebase/internal/schedslice"
	"github.com/tonebase/tonebase/internal/tenant"
	"github.com/tonebase/tonebase/ivr"
	"github.com/tonebase/tonebase/ivr/agi"
)

// app is the wired service: what serve runs and the end-to-end tests drive.
type app struct {
	cfg       serveConfig
	log       zerolog.Logger
	accessLog observe.AccessLog
	store     *columndb.Store
	reg       *observe.Registry
	clients   *tenant.Registry
	svc       *ivr.Service
	payments  *ivr.Payments
	pay       *ivr.PaymentHandlers
	cust      *customer.Service
	token     string
	web       *web.Server
	server    *fasthttp.Server
	conns     *conns.Sweeper
	disk      *diskfree.Guard
	calls     platforms // the telephony platforms' handlers
	backups   *admin.Backups
	async     *logsink.Lines // the access log's writer, flushed at close; nil when there is none
	node      *clusterNode   // cluster mode's NATS side; nil when tonebase runs alone
	master    []byte         // the master key; nil without one
	slots     *procs.Widener // the scheduler slots, widened while bulk work runs
}

// bulkLinger is how long the scheduler stays wide after bulk work's last
// step: long enough for the flushes and compactions an upload sets off
// (on two CPUs the process was idle a second after a million-row upload
// ended) and for the pause between a merchant's batches, so one upload
// does not widen and narrow the scheduler batch by batch.
const bulkLinger = 10 * time.Second

func serve(args []string) error {
	cfg, err := parseServe(args)
	if err != nil {
		return err
	}
	log := newLogger(cfg)
	// More scheduler slots than CPUs: Badger's flushes and compactions do
	// not yield, and Go preempts only every 10 ms, so with one slot per CPU
	// a lookup waits behind them. With spare slots it runs at once and the
	// kernel shares the CPUs, favouring the threads that slept.
	runtime.GOMAXPROCS(cfg.Procs)
	// The listeners are bound before anything is created, so a port in use
	// leaves no data folder, key or token behind.
	if limit := goMemoryLimit(cfg); limit > 0 {
		debug.SetMemoryLimit(limit)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on --addr %s: %w", cfg.Addr, err)
	}
	extra, err := listenExtra(cfg)
	if err != nil {
		_ = ln.Close()
		return err
	}
	dln, aln := extra.debug, extra.agi
	a, err := newApp(cfg, log, withAccessLog(logOutput(cfg.LogFormat, os.Stderr), accessLines))
	if err != nil {
		_ = ln.Close()
		extra.close()
		return permissionHint(err, cfg.Data)
	}
	if cfg.SchedSlice > 0 {
		if schedslice.Supported() {
			// Only while bulk work runs: short slices cost lookups CPU
			// whenever nothing but lookups contends for it.
			a.slots.OnChange(schedslice.Switch(cfg.SchedSlice, func(err error) {
				log.Warn().Err(err).Msg("threads keep the time slices they had")
			}))
		} else {
			log.Info().Msg("this kernel keeps its own time slices (--sched-slice needs Linux 6.12 or later)")
		}
	}
	a.slots.Start()
	if cfg.Demo {
		if err := a.demo(ln.Addr().String()); err != nil {
			_ = ln.Close()
			extra.close()
			_ = a.close()
			return err
		}
	}
	if dln != nil {
		defer observe.DebugServer(dln).Close()
		log.Warn().Str("addr", dln.Addr().String()).Msg("serving Go profiles under /debug/pprof/; keep this address private")
	}
	log.Info().Str("addr", ln.Addr().String()).Str("data", cfg.Data).Msg("serving")
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	agiDone := make(chan error, 1)
	if aln != nil {
		log.Info().Str("addr", aln.Addr().String()).Msg("serving FastAGI")
		go func() { agiDone <- a.calls.agi.Serve(aln) }()
	}
	done := make(chan error, 1)
	go func() { done <- a.serve(ln) }()
	var deadline time.Time
	// shutdown stops taking requests and calls: those in flight get most
	// of --stop-timeout, the store the rest.
	shutdown := func() (time.Time, error) {
		deadline := time.Now().Add(cfg.StopTimeout)
		ctx, cancel := context.WithDeadline(context.Background(), deadline.Add(-cfg.StopTimeout/4))
		defer cancel()
		agiStopped := make(chan error, 1)
		go func() { agiStopped <- a.stopAGI(deadline.Add(-cfg.StopTimeout / 4)) }()
		err := errors.Join(a.server.ShutdownWithContext(ctx), <-agiStopped)
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("requests and calls were still being answered when --stop-timeout (%v) ran out: %w", cfg.StopTimeout, err)
		}
		return deadline, err
	}
	select {
	case err = <-done:
		deadline = time.Now().Add(cfg.StopTimeout)
		err = errors.Join(err, a.stopAGI(deadline.Add(-cfg.StopTimeout/4)))
	case err = <-agiDone:
		err = fmt.Errorf("FastAGI on --agi-addr: %w", err)
		deadline = time.Now().Add(cfg.StopTimeout)
		_ = a.server.Shutdown()
	case sig := <-stop:
		log.Info().Str("signal", sig.String()).Dur("stop_timeout", cfg.StopTimeout).Msg("shutting down")
		deadline, err = shutdown()
	case <-a.node.behind():
		log.Error().Err(errBehind).Msg("shutting down")
		deadline, err = shutdown()
		err = errors.Join(errBehind, err)
	}
	closeAll := a.close
	if errors.Is(err, context.DeadlineExceeded) {
		closeAll = a.closeInFlight
	}
	if cerr := closeWithin(closeAll, time.Until(deadline)); cerr != nil {
		log.Error().Err(cerr).Msg("stopped without closing the store")
		if err == nil {
			err = cerr
		}
	}
	if err == nil {
		log.Info().Msg("stopped cleanly")
	}
	return err
}

// stopAGI stops the FastAGI server, if it runs: calls in progress may end
// until by, and are dropped then.
func (a *app) stopAGI(by time.Time) error {
	ctx, cancel := context.WithDeadline(context.Background(), by)
	defer cancel()
	if err := a.calls.agi.Shutdown(ctx); err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("FastAGI: %w", err)
	}
	return nil
}

// extraListeners are the optional addresses serve binds before anything
// is created: the debug server's and FastAGI's.
type extraListeners struct{ debug, agi net.Listener }

func listenExtra(cfg serveConfig) (extraListeners, error) {
	var l extraListeners
	var err error
	if cfg.DebugAddr != "" {
		if l.debug, err = net.Listen("tcp", cfg.DebugAddr); err != nil {
			return l, fmt.Errorf("listen on --debug-addr %s: %w", cfg.DebugAddr, err)
		}
	}
	if cfg.AGIAddr != "" {
		if l.agi, err = net.Listen("tcp", cfg.AGIAddr); err != nil {
			l.close()
			return extraListeners{}, fmt.Errorf("listen on --agi-addr %s: %w", cfg.AGIAddr, err)
		}
	}
	return l, nil
}

func (l extraListeners) close() {
	for _, ln := range []net.Listener{l.debug, l.agi} {
		if ln != nil {
			_ = ln.Close()
		}
	}
}

// closeWithin runs close and waits for it at most d: a stop must end, and
// what a store that did not close leaves is what a killed process leaves.
func closeWithin(close func() error, d time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- close() }()
	select {
	case err := <-done:
		return err
	case <-time.After(max(d, 0)):
		return fmt.Errorf("the store did not close within --stop-timeout (%v); %s", d.Round(time.Millisecond), unflushed)
	}
}

// unflushed says what a stop that did not flush the store leaves: every
// acknowledged write was synced to Badger's log before its answer, and
// the next start replays it, as after a crash.
const unflushed = "nothing acknowledged is lost: every acknowledged write is in the store's synced log, which the next start replays"

// errLowStop is a stop on a disk below its reserve. Closing the store
// flushes its memtable into a new table, written through a memory map,
// and a write into a map on a full disk kills the process (SIGBUS) or
// leaves Badger retrying forever: so the store is synced and left as a
// crash would leave it.
var errLowStop = errors.New("the disk is below --min-free-mb, so the store was synced and not flushed; " + unflushed + " once space is free")

// errInFlightStop is a stop that --stop-timeout cut short while requests
// were still being answered: the store was synced, not closed under them.
var errInFlightStop = errors.New("requests were still running, so the store was synced and not closed; " + unflushed)

// logWarm reports the row cache's warm-up once it ends.
func logWarm(log zerolog.Logger, store *columndb.Store) {
	st := store.WarmStats()
	ev := log.Info()
	if st.Err != nil {
		ev = log.Warn().Err(st.Err)
	}
	ev.Int("rows", st.Rows).Int("complete_tables", st.Complete).Bool("cache_full", st.Full).
		Dur("took", st.Took).Msg("row cache warmed")
}

func newLogger(cfg serveConfig) zerolog.Logger {
	level, err := zerolog.ParseLevel(cfg.LogLevel)
	if err != nil {
		level = zerolog.InfoLevel
	}
	return zerolog.New(logOutput(cfg.LogFormat, os.Stderr)).Level(level).With().Timestamp().Logger()
}

// newApp opens the store and wires every package; in cluster mode it
// first joins the cluster, and last starts following its log.
func newApp(cfg serveConfig, log zerolog.Logger, opts ...appOption) (*app, error) {
	if !cfg.Cluster.On() {
		return wire(cfg, log, nil, opts...)
	}
	if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	node, err := startCluster(cfg, log)
	if err != nil {
		return nil, err
	}
	a, err := wire(cfg, log, node, opts...)
	if err != nil {
		node.stop()
		node.close()
		return nil, err
	}
	node.snapshot(a.store, snapshotWriter(a.store, backupKey(a.master), readSnapshotFiles(cfg.Data)))
	return a, nil
}

// wire opens the store and wires every package.
func wire(cfg serveConfig, log zerolog.Logger, node *clusterNode, opts ...appOption) (*app, error) {
	var wiring appWiring
	for _, o := range opts {
		o(&wiring)
	}
	if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	disk, err := checkDisk(cfg)
	if err != nil {
		return nil, err
	}
	master, err := masterKey(cfg, log)
	if err != nil {
		return nil, err
	}
	var atRest []byte
	if master != nil {
		atRest = vault.StoreKey(master)
	}
	var wlog columndb.Log // stays a nil interface when tonebase runs alone
	if node != nil {
		if err := node.shareSecretsKey(cfg.Data, master); err != nil {
			return nil, err
		}
		if err := node.catchUp(cfg.Data, master, atRest); err != nil {
			return nil, err
		}
		wlog = node.c.Log()
	}
	key, created, err := tenant.LoadOrCreateKey(filepath.Join(cfg.Data, "secrets.key"))
	if err != nil {
		return nil, err
	}
	if created {
		log.Warn().Str("path", filepath.Join(cfg.Data, "secrets.key")).
			Msg("generated the key that seals upload passwords; back it up with the data folder")
	}
	box, err := tenant.NewBox(key)
	if err != nil {
		return nil, err
	}
	token := cfg.AdminToken
	if token == "" {
		path := filepath.Join(cfg.Data, "admin.token")
		if token, created, err = admin.LoadOrCreateToken(path); err != nil {
			return nil, err
		}
		if created {
			log.Warn().Str("path", path).Msg("generated the admin token (mode 0600); send it as Authorization: Bearer <token>")
		} else {
			log.Info().Str("path", path).Msg("admin token")
		}
	}
	// Started by serve alone (the count is the process's); a Busy before
	// that waits in the widener's channel.
	slots := procs.New(cfg.Procs, cfg.BulkProcs, bulkLinger, nil)
	pacer := ivr.NewPacer(time.Second, slots.Busy)
	store, err := columndb.Open(columndb.Options{Pacer: pacer, Dir: filepath.Join(cfg.Data, "db"), EncryptionKey: atRest,
		Logger: badgerLogger{log.With().Str("component", "badger").Logger()}, TxnRows: cfg.TxnRows,
		RowCacheBytes: int64(cfg.RowCacheMB) << 20, WarmRowCache: true, Space: disk, BadgerMemory: badgerMemory(cfg), Log: wlog})
	if err != nil {
		// A disk that filled while the store opened fails it in ways that
		// look like a wrong key: say what it is.
		if low := disk.Check(); low != nil {
			return nil, diskFull(cfg, low)
		}
		return nil, openHint(err, master != nil, "start with the same key, or with --demo if --demo made it")
	}
	go logWarm(log, store)
	reg := observe.New()
	if node != nil {
		if err := node.apply(store, reg, log, slots.Busy); err != nil {
			node.stop()
			_ = store.Close()
			return nil, err
		}
	}
	clients, err := tenant.New(store, box)
	if err != nil {
		node.stop()
		_ = store.Close()
		return nil, err
	}
	// The clients other nodes change reach the cache as each entry is
	// applied; one read again covers those applied while it was made.
	store.OnDocChange(tenant.ClientsCollection, clients.Changed)
	if err := clients.Reload(); err != nil {
		node.stop()
		_ = store.Close()
		return nil, err
	}
	a := &app{cfg: cfg, log: log, store: store, reg: reg, clients: clients, token: token, disk: disk, node: node, master: master, slots: slots}
	a.accessLog, a.async = accessLogger(cfg, log, wiring.access, wiring.accessLines, a.reg)
	catalog := ivr.NewCatalog(store)
	// Bodies whose signature is checked only once they are whole may hold
	// this much of the disk between them, so outsiders posting large
	// bodies with a wrong Hash cannot fill it; two of the largest uploads
	// always fit.
	spools := httpx.NewSpooler(workDir(cfg), disk, max(256<<20, 2*int64(cfg.MaxUploadMB)<<20))
	shared, err := node.shared(cfg)
	if err != nil {
		node.stop()
		_ = store.Close()
		return nil, err
	}
	a.svc = ivr.NewService(store, catalog, clients, ivr.Config{
		LockoutLimit: cfg.LockoutLimit, LockoutWindow: cfg.LockoutWindow, MaxUpload: cfg.MaxUploadMB << 20,
		WorkDir: workDir(cfg), Spools: spools, Pacer: pacer, IngestSlots: max(cfg.CPUs-1, 1),
		SharedLocks: shared.callerLocks, SharedHashes: shared.hashes})
	if err := a.svc.KeepLocks(store, func(err error) { log.Error().Err(err).Msg("caller lockout") }); err != nil {
		_ = store.Close()
		return nil, err
	}
	ivrH := ivr.NewHandlers(a.svc, log, observe.NewEvents(a.reg))
	a.payments = ivr.NewPayments(a.svc, store)
	a.pay = ivr.NewPaymentHandlers(a.payments, log)
	api := admin.NewAPI(token, clients, catalog, log)
	// The lookup tester gets its own service with the lockout off, so an
	// admin testing wrong dates of birth never locks out a real caller.
	tester := ivr.NewService(store, catalog, clients, ivr.Config{})
	var ring *vault.Ring
	if master != nil {
		if ring, err = vault.Open(store, master); err != nil {
			_ = store.Close()
			return nil, err
		}
	}
	a.cust = customer.New(customer.Config{Store: store, Ring: ring, Log: log.With().Str("component", "customer").Logger(),
		NoVault: "the server has no master key; " + vault.HowToMakeKey})
	a.cust.Start()
	a.web, err = web.New(web.Config{AdminToken: token, Docs: store, Clients: clients, Databases: catalog,
		Rows: a.svc, Tester: tester, Counts: observe.NewEvents(a.reg), Customers: a.cust, Log: log, Ledger: a.payments,
		WorkDir: workDir(cfg), Spools: spools, MaxUpload: int64(cfg.MaxUploadMB) << 20,
		SharedSignins: shared.signins, SharedSessions: shared.sessions, SharedImports: shared.imports})
	if err != nil {
		a.cust.Close()
		_ = store.Close()
		return nil, err
	}
	custH := hipfinity.NewHandlers(a.cust, clients, log)
	onepayH := onepay.NewHandlers(a.cust, clients, log, nil)
	rpH := receivepay.NewHandlers(a.cust, clients, log, nil)
	if a.calls, err = newPlatforms(a.svc, a.payments, clients, observe.NewEvents(a.reg), log, key, agi.Config{Idle: cfg.AGIIdle}); err != nil {
		a.cust.Close()
		_ = store.Close()
		return nil, err
	}
	a.calls.payConnector = payconnector.New(clients, a.cust, store, log.With().Str("component", "payconnector").Logger())
	// Stalled connections are closed by a sweep, not by fasthttp's
	// ReadTimeout, WriteTimeout and IdleTimeout: those cost three timer
	// updates a request (package conns).
	a.conns = conns.New(conns.Limits{Busy: cfg.RequestTimeout, Idle: cfg.IdleTimeout},
		a.reg.Counter("tonebase_http_connections_expired_total", "Connections closed for stalling, by the state they stalled in.", "state"))
	go a.conns.Run()
	a.reg.Gauge("tonebase_scheduler_slots", "Go scheduler slots (GOMAXPROCS) in use: --procs, or --bulk-procs while bulk work runs.", func() float64 { return float64(slots.Slots()) })
	a.backups = api.Backups(admin.BackupConfig{Store: store, Files: readBackupFiles(cfg.Data), Key: backupKey(master), Stream: a.conns.Stream})
	a.server = &fasthttp.Server{
		Handler:            handler(a, routes(a, ivrH, api, custH, onepayH, rpH)),
		Name:               "tonebase",
		MaxRequestBodySize: cfg.MaxUploadMB << 20,
		ConnState:          a.conns.ConnState,
		ErrorHandler:       a.serverError,
		Logger:             observe.ServerLogger{Log: log},
	}
	httpx.StreamBodies(a.server) // uploads stream to disk; the body limit and keep-alive stay safe
	return a, nil
}

// serve answers HTTP on ln until the server shuts down.
func (a *app) serve(ln net.Listener) error { return a.server.Serve(a.conns.Listener(ln)) }

// close closes everything, the store last; on a disk below its reserve
// the store is only synced (errLowStop).
func (a *app) close() error { return a.shut(true) }

// closeInFlight closes everything but the store, which it syncs: requests
// still running past --stop-timeout read and write it, and a Badger store
// closed under a reader crashes the process. What it leaves is what a
// crash leaves, which the next start replays (errInFlightStop).
func (a *app) closeInFlight() error { return a.shut(false) }

func (a *app) shut(closeStore bool) error {
	defer a.node.close() // after the store: its last writes may be in flight
	a.node.stop()
	a.conns.Close()
	defer a.slots.Close()
	a.cust.Close()
	_ = a.web.Close() // waits for running imports, which write to the store
	a.svc.Close()
	if !closeStore {
		err := a.store.Sync()
		a.closeAccessLog()
		if err != nil {
			return fmt.Errorf("%w (and the sync failed: %v)", errInFlightStop, err)
		}
		return errInFlightStop
	}
	if a.disk.Check() != nil {
		err := a.store.Sync()
		a.closeAccessLog()
		if err != nil {
			return fmt.Errorf("%w (and the sync failed: %v)", errLowStop, err)
		}
		return errLowStop
	}
	err := a.store.Close()
	a.closeAccessLog()
	return err
}

// serverError answers what fasthttp refuses before routing, above all a
// body past the size limit, in the same JSON as every other error.
func (a *app) serverError(ctx *fasthttp.RequestCtx, err error) {
	ctx.SetContentType("application/json")
	if errors.Is(err, fasthttp.ErrBodyTooLarge) {
		ctx.SetStatusCode(413)
		var route *httpx.TooLargeError // a route whose limit is below the server's
		if errors.As(err, &route) && route.Limit < a.cfg.MaxUploadMB<<20 {
			ctx.SetBodyString(fmt.Sprintf(`{"error":"request body larger than %d KiB"}`, route.Limit>>10))
			return
		}
		ctx.SetBodyString(fmt.Sprintf(`{"error":"request body larger than %d MiB; send it in batches"}`, a.cfg.MaxUploadMB))
		return
	}
	ctx.SetStatusCode(400)
	ctx.SetBodyString(`{"error":"malformed HTTP request"}`)
}

// healthz answers 200 while lookups can be answered. A disk below its
// reserve refuses writes only, so it answers 200 "degraded": a load
// balancer that took the instance out would stop its lookups too.
func (a *app) healthz(ctx *fasthttp.RequestCtx) {
	ctx.SetContentType("application/json")
	if err := a.store.Ping(); err != nil {
		a.log.Error().Err(err).Msg("health check")
		ctx.SetStatusCode(503)
		ctx.SetBodyString(`{"status":"unavailable"}`)
		return
	}
	if a.node != nil {
		status, h := a.node.health(a.disk.Check() != nil)
		httpx.WriteJSON(ctx, status, h)
		return
	}
	if a.disk.Check() != nil {
		ctx.SetBodyString(`{"status":"degraded","writes":"refused: disk below --min-free-mb"}`)
		return
	}
	ctx.SetBodyString(`{"status":"ok"}`)
}

func (a *app) metrics(ctx *fasthttp.RequestCtx) {
	ctx.SetContentType("text/plain; version=0.0.4")
	a.reg.WriteText(ctx)
}

// badgerLogger routes Badger's messages into zerolog.
type badgerLogger struct{ l zerolog.Logger }

func (b badgerLogger) Errorf(f string, v ...any)   { b.l.Error().Msgf(f, v...) }
func (b badgerLogger) Warningf(f string, v ...any) { b.l.Warn().Msgf(f, v...) }
func (b badgerLogger) Infof(f string, v ...any)    { b.l.Debug().Msgf(f, v...) }
func (b badgerLogger) Debugf(f string, v ...any)   { b.l.Trace().Msgf(f, v...) }

// demo seeds the demo data and prints how to use it.
func (a *app) demo(addr string) error {
	d, err := admin.SeedDemo(a.clients, a.svc.Catalog(), a.svc)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	fmt.Print(d.Instructions("http://"+addr, a.token))
	return nil
}

// closeAccessLog writes out the last requests' access lines, waiting at
// most 5 s for a stalled sink.
func (a *app) closeAccessLog() {
	if a.async != nil {
		a.async.Close(5 * time.Second)
	}
}
