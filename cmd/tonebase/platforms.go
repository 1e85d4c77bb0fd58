package main

import (
	"errors"
	"fmt"

	"github.com/rs/zerolog"

	"github.com/tonebase/tonebase/customer/payconnector"
	"github.com/tonebase/tonebase/internal/observe"
	"github.com/tonebase/tonebase/internal/tenant"
	"github.com/tonebase/tonebase/ivr"
	"github.com/tonebase/tonebase/ivr/agi"
	"github.com/tonebase/tonebase/ivr/callflow"
	"github.com/tonebase/tonebase/ivr/connect"
	"github.com/tonebase/tonebase/ivr/twilio"
	"github.com/tonebase/tonebase/ivr/vxml"
)

// platforms are the handlers of the telephony platforms tonebase runs
// calls on, all over one call flow and the one lookup service.
type platforms struct {
	twilio  *twilio.Handlers
	vxml    *vxml.Handlers
	connect *connect.Handlers
	agi     *agi.Server // served only with --agi-addr
	// payConnector is tonebase as the Twilio Generic Pay Connector that
	// keeps a caller's card on file.
	payConnector *payconnector.Handler
}

func newPlatforms(svc *ivr.Service, payments *ivr.Payments, clients *tenant.Registry, events *observe.Events, log zerolog.Logger, secret []byte, agiCfg agi.Config) (platforms, error) {
	flow := callflow.New(svc)
	tw, err := twilio.NewHandlers(flow, clients, twilioPayments{payments}, events, log.With().Str("component", "twilio").Logger(), secret)
	if err != nil {
		return platforms{}, err
	}
	return platforms{twilio: tw,
		vxml:    vxml.NewHandlers(flow, svc, clients, events, log.With().Str("component", "vxml").Logger()),
		connect: connect.NewHandlers(flow, clients, events, log.With().Str("component", "connect").Logger()),
		agi:     agi.New(flow, clients, events, log.With().Str("component", "agi").Logger(), agiCfg),
	}, nil
}

// twilioPayments posts the payments a Twilio call takes with <Pay> to the
// payments ledger, a refusal the caller's row makes as twilio's own.
type twilioPayments struct{ p *ivr.Payments }

func (t twilioPayments) PostPayment(cid, dbid int64, in twilio.Payment) (twilio.Posted, error) {
	r, err := t.p.Post(cid, dbid, ivr.PaymentInput{Refs: in.Refs, AmountMinor: in.AmountMinor, Reference: in.Reference,
		Method: in.Method, CardLast4: in.CardLast4, Caller: in.Caller, Platform: in.Platform})
	var refused *ivr.PaymentError
	if errors.As(err, &refused) {
		return twilio.Posted{}, fmt.Errorf("%w: %w", twilio.ErrPaymentRefused, err)
	}
	if err != nil {
		return twilio.Posted{}, err
	}
	return twilio.Posted{Status: r.Status, Balance: r.Balance, MinPayment: r.MinPay, MaxPayment: r.MaxPay}, nil
}
