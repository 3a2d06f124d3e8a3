package wire

import (
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetsim/jetsim/stream"
)

// Backend is the engine behind the JetStream API: the streams of one
// account, by name, the clock they keep time with, and a fault hook. memkv's
// Manager implements it, so that a stream created over the wire and a
// bucket created through memkv's own API are the same thing.
type Backend interface {
	// Clock returns the clock of the streams: store times, TTLs, the times
	// in API replies.
	Clock() stream.Clock
	// Stream returns the stream named name, or false.
	Stream(name string) (StreamEntry, bool)
	// StreamFor returns the stream that captures messages published on
	// the literal subject subj: the one with a subject matching it.
	StreamFor(subj string) (StreamEntry, bool)
	// CreateStream creates a stream with cfg, which has the server's
	// defaults applied (see StreamDefaults). A stream of that name with
	// an equal config is returned as it is; a different one fails with
	// ErrStreamNameInUse. Other failures are
	// *jetstream.APIError or *stream.Error values.
	CreateStream(cfg jetstream.StreamConfig) (StreamEntry, error)
	// UpdateStream replaces the config of the stream cfg.Name, or fails
	// as CreateStream does (ErrStreamNotFound for a missing stream).
	UpdateStream(cfg jetstream.StreamConfig) (StreamEntry, error)
	// DeleteStream deletes a stream and closes it, or fails with
	// ErrStreamNotFound.
	DeleteStream(name string) error
	// Streams returns every stream, by name in byte order.
	Streams() []StreamEntry
	// Fault is called before a request is served. It returns how long
	// to hold the request back first, on the Clock, and the error that
	// fails it: nil serves it; otherwise the error picks what the client
	// sees: no reply for a timeout (nats.ErrTimeout,
	// context.DeadlineExceeded), a 503 status for nats.ErrNoResponders or
	// jetstream.ErrNoStreamResponse, and an API error reply for a
	// *jetstream.APIError or *nats.APIError. Any other error is answered
	// as no reply. A request held back waits off its connection's read
	// loop, so the connection's other requests are served meanwhile, as a
	// slow request to nats-server leaves the others alone.
	Fault(r Request) (delay time.Duration, err error)
}

// StreamEntry is a stream as the backend holds it.
type StreamEntry struct {
	Config  jetstream.StreamConfig // with the server's defaults applied
	Created time.Time
	Stream  *stream.Stream
}

// Request is what the fault hook sees of a request.
type Request struct {
	// API is the request's kind: the $JS.API subject's tokens after
	// "$JS.API." and before the stream name ("STREAM.INFO", "DIRECT.GET",
	// "CONSUMER.CREATE", ...), or "PUB" for a message a stream captures.
	API     string
	Stream  string // the stream named or captured into, "" for none
	Subject string // the subject published to, asked for, or filtered on
	Header  []byte // the published message's header
}
