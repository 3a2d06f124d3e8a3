package wire

import (
	"errors"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetsim/jetsim/stream"
)

// This file is the capture of published messages into streams: the stream
// whose subjects match stores the message, honouring the expected-header,
// rollup, TTL and de-duplication headers (stream.Store, in the server's
// order of checks), and the publisher gets the PubAck or the error JSON
// on its reply subject (server/stream.go: processJetStreamMsg; SEMANTICS
// §3.2–§3.7 for what KV writes send and get back).

// expectedStream is the header naming the stream a publisher expects.
const expectedStream = "Nats-Expected-Stream"

// pubAckError is the failed PubAck: the error and the stream, seq 0
// (server/stream.go: processJetStreamMsg's resp).
type pubAckError struct {
	Error  *jetstream.APIError `json:"error"`
	Stream string              `json:"stream"`
	Seq    uint64              `json:"seq"`
}

// capture stores m in the stream whose subjects match its subject and
// reports whether one took it. A message the fault hook delays is stored
// later, off the connection's read loop (see later); it counts as taken.
func (js *jetStream) capture(m *Msg) bool {
	if !js.on.Load() {
		return false
	}
	e, ok := js.b.StreamFor(m.Subject)
	if !ok {
		return false
	}
	delay, err := js.b.Fault(Request{API: "PUB", Stream: e.Config.Name, Subject: m.Subject, Header: m.Header})
	if delay > 0 {
		// Copies for the closure, so that only a delayed message puts
		// them on the heap.
		e, m := e, m.clone()
		js.later(delay, func() {
			// The stream may have gone meanwhile: then nothing took the
			// message, and a requester hears so as it would at once.
			if !js.store(e, m, err) && m.Reply != "" {
				js.status(m.Reply, "503")
			}
		})
		return true
	}
	return js.store(e, m, err)
}

// store stores m in the stream of e, or answers with the injected fault
// when fault is not nil, and reports whether the stream took it.
func (js *jetStream) store(e StreamEntry, m *Msg, fault error) bool {
	name := e.Config.Name
	if fault != nil {
		var ae *jetstream.APIError
		if errors.As(fault, &ae) && m.Reply != "" {
			js.reply(m.Reply, nil, &pubAckError{Error: apiErrorOf(fault), Stream: name})
			return true
		}
		js.faultReply(m.Reply, fault, "")
		return true
	}
	if want, ok := stream.HeaderValue(m.Header, expectedStream); ok && want != name {
		js.reply(m.Reply, nil, &pubAckError{Error: apiErr(400, 10060, "expected stream does not match"), Stream: name})
		return true
	}
	ack, err := e.Stream.Store(m.Subject, m.Header, m.Data)
	switch {
	case errors.Is(err, stream.ErrClosed):
		return false // deleted meanwhile: no stream took it
	case m.Reply == "", e.Config.NoAck:
		// A no-ack stream answers nothing, not even an error
		// (server/stream.go: processJetStreamMsg's canRespond).
	case err != nil:
		js.reply(m.Reply, nil, &pubAckError{Error: apiErrorOf(err), Stream: name})
	default:
		js.pubAck(m.Reply, &jetstream.PubAck{Stream: name, Sequence: ack.Seq, Duplicate: ack.Duplicate})
	}
	return true
}
