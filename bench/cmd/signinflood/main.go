// Command signinflood measures lookups while outsiders flood the admin
// sign-in form with wrong passwords: bcrypt takes a core for a quarter of
// a second a comparison, and the lookups must keep their p99 (issue 20).
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/tonebase/tonebase/bench"
)

func main() {
	bin := flag.String("tonebase", "", "tonebase binary (go build -o /tmp/tonebase ./cmd/tonebase)")
	rows := flag.Int("rows", 100_000, "rows loaded before the lookups")
	rate := flag.Int("rate", 1000, "lookups per second, on a fixed schedule")
	conns := flag.Int("c", 64, "lookup connections")
	workers := flag.Int("flood", 64, "sign-in flood connections, each from its own loopback address")
	floodRate := flag.Int("flood-rate", 0, "sign-in attempts per second in all, on a fixed schedule; 0 sends each as soon as the last is answered")
	d := flag.Duration("d", 10*time.Second, "length of each lookup phase")
	work := flag.String("work", os.TempDir(), "folder for the server's data")
	flag.Parse()
	if *bin == "" {
		fmt.Fprintln(os.Stderr, "signinflood: give -tonebase, the binary to measure")
		os.Exit(2)
	}
	if _, err := bench.RunSignInFlood(os.Stdout, *bin, *work, *rows, *rate, *conns, *workers, *floodRate, *d); err != nil {
		fmt.Fprintln(os.Stderr, "signinflood:", err)
		os.Exit(1)
	}
}
