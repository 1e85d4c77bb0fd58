package main

import (
	"github.com/rs/zerolog"

	"github.com/tonebase/tonebase/customer/payconnector"
	"github.com/tonebase/tonebase/internal/observe"
	"github.com/tonebase/tonebase/internal/tenant"
	"github.com/tonebase/tonebase/ivr"
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
	// payConnector is tonebase as the Twilio Generic Pay Connector that
	// keeps a caller's card on file.
	payConnector *payconnector.Handler
}

func newPlatforms(svc *ivr.Service, clients *tenant.Registry, events *observe.Events, log zerolog.Logger, secret []byte) (platforms, error) {
	flow := callflow.New(svc)
	// No payments are posted until the payments ledger is wired here: a
	// database naming a pay connector then still ends its calls after the
	// lookup, as one without does.
	tw, err := twilio.NewHandlers(flow, clients, nil, events, log.With().Str("component", "twilio").Logger(), secret)
	if err != nil {
		return platforms{}, err
	}
	return platforms{twilio: tw,
		vxml:    vxml.NewHandlers(flow, svc, clients, events, log.With().Str("component", "vxml").Logger()),
		connect: connect.NewHandlers(flow, clients, events, log.With().Str("component", "connect").Logger()),
	}, nil
}
