package observe

import (
	"net"
	"net/http"
	"net/http/pprof"
	"runtime"
	"time"
)

// DebugServer serves Go's profiles (CPU, heap, mutex, block, execution
// trace) on a listener of its own, never on the service's port: profiles
// show internals, so only an operator who can reach that address, usually
// loopback, gets them. Turning it on also samples mutex and blocking events,
// which is what shows where a request waited.
func DebugServer(ln net.Listener) *http.Server {
	runtime.SetMutexProfileFraction(100)
	runtime.SetBlockProfileRate(int(100 * time.Microsecond))
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return srv
}
