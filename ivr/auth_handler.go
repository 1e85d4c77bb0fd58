package ivr

import (
	"errors"
	"strconv"

	"github.com/valyala/fasthttp"

	"github.com/tonebase/tonebase/internal/httpx"
)

// usedDocsOf finds where the record of used signatures is kept: the store,
// when it keeps documents (columndb's does), else memory.
func usedDocsOf(store Store) usedDocs {
	if d, ok := store.(usedDocs); ok {
		return d
	}
	return nil
}

// alreadyAppliedBody is a 409's answer: the message, and how the signature
// was first used, for a program to read.
type alreadyAppliedBody struct {
	Error      string `json:"error"`
	First      Use    `json:"first_applied"`
	InProgress bool   `json:"in_progress,omitempty"`
}

// replaceRefusedBody is a 422's answer: nothing changed, and why.
type replaceRefusedBody struct {
	Error    string      `json:"error"`
	Received int         `json:"received"`
	Invalid  []LineError `json:"invalid"`
}

// signatureError answers the refusals of the signature check and of the
// rules around it, and reports whether err was one of them.
func signatureError(ctx *fasthttp.RequestCtx, err error) bool {
	var used *AlreadyApplied
	var wrong *WrongEndpoint
	var refused *ReplaceRefused
	switch {
	case errors.As(err, &used):
		if used.Lapses > 0 {
			ctx.Response.Header.Set("Retry-After", strconv.Itoa(int(used.Lapses.Seconds())))
		}
		httpx.WriteJSON(ctx, 409, alreadyAppliedBody{Error: used.Error(), First: used.First, InProgress: used.InProgress})
	case errors.As(err, &wrong):
		httpx.WriteJSON(ctx, 415, map[string]string{"error": wrong.Error()})
	case errors.As(err, &refused):
		invalid := refused.Invalid
		if invalid == nil {
			invalid = []LineError{}
		}
		httpx.WriteJSON(ctx, 422, replaceRefusedBody{Error: refused.Error(), Received: refused.Received, Invalid: invalid})
	case errors.Is(err, ErrInvalidSignature), errors.Is(err, ErrStaleTimestamp), errors.Is(err, ErrHMACRequired), errors.Is(err, ErrMissingHash):
		httpx.WriteJSON(ctx, 403, map[string]string{"error": err.Error()})
	default:
		return false
	}
	return true
}
