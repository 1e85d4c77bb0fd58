package bench

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"time"

	"github.com/tonebase/tonebase/hash"
)

// PaymentsConfig sizes a payments run.
type PaymentsConfig struct {
	Tonebase    string        // path of the tonebase binary
	Work        string        // scratch folder
	Rows        int           // rows the payments spread over (100,000 in the README)
	Concurrency int           // payment connections in the closed-loop phases
	LookupConns int           // lookup connections
	Duration    time.Duration // per phase
	Rate        int           // payments/s beside the lookups (1,000 in the README)
	Profiles    string        // if set, the server's profiles of the phases beside payments, and of the lookups alone, are written here
	Probe       Prober        // sends the 1,000/s phases' lookups; nil: InProcess
}

// PaymentsReport is what a payments run measured.
type PaymentsReport struct {
	ServerArgs string
	HotRow     Stats // payments of one row, closed loop
	Spread     Stats // payments spread over Rows rows, closed loop
	// Lookups at LookupConns, closed loop, alone and with Rate payments/s beside.
	LookupsAlone, LookupsBeside Stats
	// Lookups at half the rate alone reached, on a fixed schedule, alone and beside.
	HalfAlone, HalfBeside Stats
	// Lookups at the during-upload schedule (1,000/s), alone and beside.
	SlowAlone, SlowBeside Stats
	PaymentsBeside        Stats // the payments of the "beside" phases, from when each was due
}

// hotBalance is the hot row's balance: a penny at a time it never runs out.
const hotBalance = "£10000000.00"

// Payments measures POST /ivr/v1/{cid}/{dbid}/payments on a real server:
// a penny at a time on one hot row, then spread over cfg.Rows rows, then
// lookups alone and with cfg.Rate payments a second beside them.
func Payments(cfg PaymentsConfig, w io.Writer) (PaymentsReport, error) {
	var r PaymentsReport
	var err error
	host, _ := os.Hostname()
	fmt.Fprintf(w, "tonebase payments harness: %d rows, %d payment connections, %d lookup connections, %v phases, %d CPUs (%s, %s)\n",
		cfg.Rows, cfg.Concurrency, cfg.LookupConns, cfg.Duration, runtime.NumCPU(), host, time.Now().UTC().Format(time.DateOnly))
	token := "bench-admin-token-0123456789"
	svc, prof, err := startProfiled(cfg.Tonebase, cfg.Work, token, cfg.Profiles)
	if err != nil {
		return r, err
	}
	defer svc.Stop()
	r.ServerArgs = svc.Args()
	fmt.Fprintf(w, "server: %s %s\n", cfg.Tonebase, svc.Args())
	t, err := Setup(svc.Addr, token)
	if err != nil {
		return r, err
	}
	if _, _, err := Upload(svc.Addr, t.CID, t.DBID, paymentRows(t, cfg.Rows, 5000), 2); err != nil {
		return r, err
	}
	hot := Invoice(cfg.Rows) // the row after the spread ones
	phase := 0               // each phase's payments have references of their own
	hotRow := PaymentTarget(svc.Addr, t, cfg.Rows, phase)
	hotRow.JSON = func(i int) []byte { return paymentBody(hot, DOB(cfg.Rows), 0, i) }
	phase++

	r.HotRow = ClosedLoop(hotRow, cfg.Concurrency, cfg.Duration)
	fmt.Fprintf(w, "one row    %v (payments, %d connections)\n", r.HotRow, cfg.Concurrency)
	r.Spread = ClosedLoop(PaymentTarget(svc.Addr, t, cfg.Rows, phase), cfg.Concurrency, cfg.Duration)
	phase++
	fmt.Fprintf(w, "%d rows %v (payments, %d connections)\n", cfg.Rows, r.Spread, cfg.Concurrency)

	lookup := LookupTarget(svc.Addr, t, cfg.Rows)
	// The payments beside the lookups come from where the 1,000/s
	// lookups do: a merchant's systems post them from other machines, and
	// a generator in the harness's own process would take the server's
	// CPU (fasthttp's client at 1,000/s takes a quarter of a core or more
	// here) and so count against the lookups.
	probe := cfg.Probe
	if probe == nil {
		probe = InProcess{}
	}
	beside := func(name string, run func() Stats) (Stats, Stats, error) {
		prof.capture(name, min(cfg.Duration-time.Second, 5*time.Second))
		// As many connections as the lookups have: a slow payment then
		// shows as latency, not as a client queue holding the rest back.
		spec := ProbeSpec{Addr: svc.Addr, Tenant: t, Rows: cfg.Rows, Rate: cfg.Rate, Conns: cfg.LookupConns, Payments: true, Phase: phase}
		phase++
		stop, err := probe.Start(spec)
		if err != nil {
			return Stats{}, Stats{}, err
		}
		l := run()
		p, err := stop()
		return l, p, err
	}
	// The alone phase is profiled too: what payments cost the lookups is
	// the difference between the two profiles.
	prof.capture("lookups-alone", min(cfg.Duration-time.Second, 5*time.Second))
	r.LookupsAlone = ClosedLoop(lookup, cfg.LookupConns, cfg.Duration)
	fmt.Fprintf(w, "lookups    %v (alone, %d connections)\n", r.LookupsAlone, cfg.LookupConns)
	var p1, p2, p3 Stats
	r.LookupsBeside, p1, err = beside("lookups-beside-payments", func() Stats { return ClosedLoop(lookup, cfg.LookupConns, cfg.Duration) })
	if err != nil {
		return r, err
	}
	fmt.Fprintf(w, "lookups    %v (beside %d payments/s on %d connections)\n", r.LookupsBeside, cfg.Rate, cfg.LookupConns)
	fmt.Fprintf(w, "  payments %v (beside them, from when each was due)\n", p1)
	half := max(int(r.LookupsAlone.Rate()/2), 100)
	r.HalfAlone = OpenLoop(lookup, half, cfg.LookupConns, cfg.Duration)
	fmt.Fprintf(w, "half rate  %v (lookups alone at %d/s)\n", r.HalfAlone, half)
	r.HalfBeside, p2, err = beside("half-rate-beside-payments", func() Stats { return OpenLoop(lookup, half, cfg.LookupConns, cfg.Duration) })
	if err != nil {
		return r, err
	}
	fmt.Fprintf(w, "half rate  %v (lookups at %d/s beside %d payments/s)\n", r.HalfBeside, half, cfg.Rate)
	fmt.Fprintf(w, "  payments %v (beside them)\n", p2)
	// The schedule the during-upload figures are taken on (bench.Run):
	// a payment line's lookups, where the machine is far from full, sent
	// from where Run sends them.
	spec := ProbeSpec{Addr: svc.Addr, Tenant: t, Rows: cfg.Rows, Rate: 1000, Conns: cfg.LookupConns}
	fmt.Fprintf(w, "the 1,000/s lookups, and the payments beside lookups, are sent from %v\n", probe)
	if r.SlowAlone, err = ProbeFor(probe, spec, cfg.Duration); err != nil {
		return r, err
	}
	fmt.Fprintf(w, "1,000/s    %v (lookups alone)\n", r.SlowAlone)
	var slowErr error
	r.SlowBeside, p3, err = beside("slow-beside-payments", func() Stats {
		var st Stats
		st, slowErr = ProbeFor(probe, spec, cfg.Duration)
		return st
	})
	if err := errors.Join(err, slowErr); err != nil {
		return r, err
	}
	fmt.Fprintf(w, "1,000/s    %v (lookups beside %d payments/s)\n", r.SlowBeside, cfg.Rate)
	fmt.Fprintf(w, "  payments %v (beside them)\n", p3)
	r.PaymentsBeside = merge([]Stats{p1, p2, p3})
	return r, prof.wait()
}

// PaymentTarget posts a penny's payment on t's rows [0, rows) in a fixed
// order that jumps across them, each with a reference of its own within
// phase, so that no two payments of a run are taken for a retry.
func PaymentTarget(addr string, t Tenant, rows, phase int) Target {
	return Target{Addr: addr, Auth: t.APIKey + ":" + t.APISecret, OK: func(s int) bool { return s == 201 },
		Path: func(int) string { return fmt.Sprintf("/ivr/v1/%d/%d/payments", t.CID, t.DBID) },
		JSON: func(i int) []byte {
			j := (i * 7919) % rows
			return paymentBody(Invoice(j), DOB(j), phase, i)
		}}
}

func paymentBody(invoice, dob string, phase, i int) []byte {
	return fmt.Appendf(nil, `{"ref1":"%s","ref2":"%s","amount":"0.01","reference":"bench-%d-%d","method":"card","card_last4":"1111"}`,
		invoice, dob, phase, i)
}

// paymentRows are rows [0, n) of the benchmark database owing £1,000.00
// with no minimum or maximum, and row n, the hot one, owing hotBalance.
func paymentRows(t Tenant, n, size int) []Batch {
	var out []Batch
	for start := 0; start <= n; start += size {
		end := min(start+size, n+1)
		var b bytes.Buffer
		b.WriteByte('[')
		for i := start; i < end; i++ {
			if i > start {
				b.WriteByte(',')
			}
			bal := "£1000.00"
			if i == n {
				bal = hotBalance
			}
			b.WriteString(`{"colA":"` + Invoice(i) + `","colB":"` + DOB(i) + `","colC":"` + bal + `","colF":"Customer ` + strconv.Itoa(i) + `"}`)
		}
		b.WriteByte(']')
		out = append(out, Batch{Body: b.Bytes(), Hash: hash.Sign(t.CID, t.DBID, t.UploadPassword, b.Bytes()), Rows: end - start})
	}
	return out
}
