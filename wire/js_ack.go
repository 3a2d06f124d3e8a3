package wire

import (
	"encoding/json"
	"strconv"
	"sync"

	"github.com/nats-io/nats.go/jetstream"
)

// This file writes the PubAck JSON by hand: it is the reply to every KV
// write, and encoding/json's reflection was a fifth of wire's own cost per
// Put. The bytes are those encoding/json gives for jetstream.PubAck
// (TestAppendPubAckMatchesJSON), which are the server's
// (server/stream.go: processJetStreamMsg writes "{\"stream\":...,\"seq\":...}").

// appendPubAck appends a's JSON to b as encoding/json writes it.
func appendPubAck(b []byte, a *jetstream.PubAck) []byte {
	if !plainJSON(a.Stream) || !plainJSON(a.Domain) || !plainJSON(a.Value) {
		// A string that needs escaping: let encoding/json escape it (a
		// copy, so that only this case puts an ack on the heap).
		cp := *a
		j, _ := json.Marshal(&cp)
		return append(b, j...)
	}
	b = append(b, `{"stream":"`...)
	b = append(b, a.Stream...)
	b = append(b, `","seq":`...)
	b = strconv.AppendUint(b, a.Sequence, 10)
	if a.Duplicate {
		b = append(b, `,"duplicate":true`...)
	}
	if a.Domain != "" {
		b = append(b, `,"domain":"`...)
		b = append(b, a.Domain...)
		b = append(b, '"')
	}
	if a.Value != "" {
		b = append(b, `,"val":"`...)
		b = append(b, a.Value...)
		b = append(b, '"')
	}
	return append(b, '}')
}

// plainJSON reports whether encoding/json writes s as it is between the
// quotes: printable ASCII without the characters it escapes (the quote,
// the backslash, and the HTML-sensitive <, > and &).
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// replyBufs holds the buffers hot replies (PubAcks, direct-get headers)
// are written into: a reply is copied into the receiver's outbound buffer
// during publish, so the buffer is free again once publish returns.
var replyBufs = sync.Pool{New: func() any { b := make([]byte, 0, 128); return &b }}

// pubAck publishes a's JSON to subj.
func (js *jetStream) pubAck(subj string, a *jetstream.PubAck) {
	bp := replyBufs.Get().(*[]byte)
	*bp = appendPubAck((*bp)[:0], a)
	js.s.publish(&Msg{Subject: subj, Data: *bp})
	replyBufs.Put(bp)
}
