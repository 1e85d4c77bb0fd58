package sharedstate

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Reads are direct gets, which any of a bucket's replicas answers, and a
// replica behind the leader has not yet stored a key written a moment ago
// on another node: a session made at sign-in, a claim. A miss is therefore
// asked again of the stream's leader through the JetStream API, so a key
// written before the read began is found. A hit is not asked again: it
// may be a value the leader has since replaced, which the writes'
// revision checks catch, and the replica catches up within moments.

// msgNotFound is JetStream's error code for no message on the subject.
const msgNotFound = 10037

// leaderLast is the bucket stream's last message on subj, as its leader
// holds it; jetstream.ErrMsgNotFound when there is none.
func (b *Bucket) leaderLast(ctx context.Context, subj string) (*jetstream.RawStreamMsg, error) {
	prefix := b.js.Options().APIPrefix
	if prefix == "" {
		prefix = jetstream.DefaultAPIPrefix
	}
	if !strings.HasSuffix(prefix, ".") {
		prefix += "."
	}
	req, err := json.Marshal(struct {
		LastFor string `json:"last_by_subj"`
	}{subj})
	if err != nil {
		return nil, err
	}
	reply, err := b.js.Conn().RequestWithContext(ctx, prefix+"STREAM.MSG.GET."+b.stream.CachedInfo().Config.Name, req)
	if err != nil {
		return nil, err
	}
	return decodeLeaderReply(reply.Data)
}

// decodeLeaderReply reads the JetStream API's answer to a message get.
func decodeLeaderReply(data []byte) (*jetstream.RawStreamMsg, error) {
	var resp struct {
		Error *struct {
			Code        int    `json:"code"`
			ErrCode     int    `json:"err_code"`
			Description string `json:"description"`
		} `json:"error"`
		Message *struct {
			Subject  string    `json:"subject"`
			Sequence uint64    `json:"seq"`
			Header   []byte    `json:"hdrs"`
			Data     []byte    `json:"data"`
			Time     time.Time `json:"time"`
		} `json:"message"`
	}
	if err := json.Unmarshal(data, &resp); err != nil {
		return nil, fmt.Errorf("the leader's answer: %w", err)
	}
	switch {
	case resp.Error != nil && resp.Error.ErrCode == msgNotFound:
		return nil, jetstream.ErrMsgNotFound
	case resp.Error != nil:
		return nil, fmt.Errorf("the leader's answer: %s (%d)", resp.Error.Description, resp.Error.ErrCode)
	case resp.Message == nil:
		return nil, fmt.Errorf("the leader's answer holds no message")
	}
	m := &jetstream.RawStreamMsg{Subject: resp.Message.Subject, Sequence: resp.Message.Sequence, Data: resp.Message.Data, Time: resp.Message.Time}
	if len(resp.Message.Header) > 0 {
		h, err := nats.DecodeHeadersMsg(resp.Message.Header)
		if err != nil {
			return nil, fmt.Errorf("the leader's answer: headers: %w", err)
		}
		m.Header = h
	}
	return m, nil
}
