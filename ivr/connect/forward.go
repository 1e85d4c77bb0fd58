package connect

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Connect gives a Lambda function 8 seconds; the forwarder keeps a margin
// to answer status=error in before Connect gives up on it.
const (
	ConnectLimit = 8 * time.Second
	margin       = 500 * time.Millisecond
)

// Reasons the forwarder answers status=error with.
const (
	ReasonUnreachable = "unreachable" // no connection, or tonebase failed
	ReasonTimeout     = "timeout"     // no answer in time
	ReasonRefused     = "refused"     // tonebase refused the request: credentials, database
)

// Forwarder passes Connect's events to tonebase's Connect endpoint.
type Forwarder struct {
	URL    string // …/connect/v1/{cid}/{dbid}/lookup
	Key    string // the client's API key
	Secret string // and secret
	Client *http.Client
}

// Forward passes one event on and returns the map Connect reads. It never
// fails: whatever happens, the flow gets status=error and a reason to
// branch on, within Connect's limit and the invocation's own deadline.
func (f *Forwarder) Forward(ctx context.Context, event json.RawMessage) map[string]string {
	deadline := time.Now().Add(ConnectLimit - margin)
	if d, ok := ctx.Deadline(); ok && d.Add(-margin).Before(deadline) {
		deadline = d.Add(-margin)
	}
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	out, err := f.post(ctx, event)
	switch {
	case err == nil:
		return out
	case errors.Is(err, errRefused):
		return failure(ReasonRefused)
	case errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil:
		return failure(ReasonTimeout)
	}
	return failure(ReasonUnreachable)
}

var errRefused = errors.New("connect: tonebase refused the request")

func failure(reason string) map[string]string {
	return map[string]string{"status": "error", "reason": reason}
}

func (f *Forwarder) post(ctx context.Context, event json.RawMessage) (map[string]string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.URL, bytes.NewReader(event))
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	req.SetBasicAuth(f.Key, f.Secret)
	req.Header.Set("Content-Type", "application/json")
	client := f.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	switch {
	case resp.StatusCode >= 400 && resp.StatusCode < 500:
		return nil, fmt.Errorf("%w: %d", errRefused, resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("connect: tonebase answered %d", resp.StatusCode)
	}
	var out map[string]string
	if err := json.Unmarshal(body, &out); err != nil || out["status"] == "" {
		return nil, fmt.Errorf("connect: tonebase's answer is not a map: %v", err)
	}
	return out, nil
}
