package main

import (
	"github.com/rs/zerolog"

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
}

func newPlatforms(svc *ivr.Service, clients *tenant.Registry, events *observe.Events, log zerolog.Logger, secret []byte, agiCfg agi.Config) (platforms, error) {
	flow := callflow.New(svc)
	tw, err := twilio.NewHandlers(flow, clients, events, log.With().Str("component", "twilio").Logger(), secret)
	if err != nil {
		return platforms{}, err
	}
	return platforms{twilio: tw,
		vxml:    vxml.NewHandlers(flow, svc, clients, events, log.With().Str("component", "vxml").Logger()),
		connect: connect.NewHandlers(flow, clients, events, log.With().Str("component", "connect").Logger()),
		agi:     agi.New(flow, clients, events, log.With().Str("component", "agi").Logger(), agiCfg),
	}, nil
}
