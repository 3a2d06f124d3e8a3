package memkv

import (
	"net"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetsim/jetsim/stream"
	"github.com/jetsim/jetsim/subject"
	"github.com/jetsim/jetsim/wire"
)

// This file is memkv's side of the wire door: the Manager is the Backend of
// a wire.Server, so that a stream created over the NATS protocol and a
// bucket created through memkv's API are one and the same, and
// InProcessConn lets nats.go connect to it with nats.InProcessServer.

var _ wire.Backend = wireBackend{}

// wireBackend is the manager as the wire server's Backend. Its methods are
// the engine's door for the JetStream API, not a user's, so they live on
// this unexported adapter rather than on Manager.
type wireBackend struct{ m *Manager }

// srvState is the manager's wire server, started on first use.
type srvState struct {
	mu  sync.Mutex
	srv *wire.Server
}

// InProcessConn returns a new in-process connection to a NATS server that
// serves the manager's streams, started on the first call, so that
//
//	nc, err := nats.Connect("", nats.InProcessServer(m))
//
// gives nats.go clients (jetstream.New(nc) and nc.JetStream()) the
// manager's buckets. Each call is a new connection, as nats.go asks for on
// every connect and reconnect.
func (m *Manager) InProcessConn() (net.Conn, error) {
	return m.server().InProcessConn()
}

// DropConnections closes every connection of the manager's server, as a
// server restart would: clients reconnect through InProcessConn, and their
// watchers carry on from where they were.
func (m *Manager) DropConnections() {
	m.srv.mu.Lock()
	srv := m.srv.srv
	m.srv.mu.Unlock()
	if srv != nil {
		srv.DropConnections()
	}
}

// RefuseConnections makes InProcessConn fail for d, as a server that is
// down would: nats.Connect, and a client's reconnect attempts, get the
// error nats-server's InProcessConn gives when it cannot serve ("failed to
// create connection"). d < 0 refuses until RefuseConnections(0); d == 0
// accepts again at once. Open connections are not affected: pair it with
// DropConnections for an outage. d is measured on the wall clock, as the
// client's reconnect wait that it plays against is.
func (m *Manager) RefuseConnections(d time.Duration) {
	m.server().RefuseConnections(d)
}

// SetJetStream turns JetStream off (false) or on again (true) for the
// manager's connections: off, they are served as by a nats-server without
// JetStream, whose every JetStream request and KV write gets the
// no-responders status, so that nats.go's calls fail as against that
// server (jetstream.ErrJetStreamNotEnabled from CreateKeyValue and
// AccountInfo, nats.ErrNoResponders from KeyValue, ErrNoStreamResponse
// from a publish; the legacy API's nats.ErrJetStreamNotEnabled), and new
// connections' INFO does not announce JetStream. The client's watchers
// lose their consumers. The buckets are kept, and memkv's own API is not
// affected; on again, the connections see them as before.
func (m *Manager) SetJetStream(on bool) {
	m.server().SetJetStream(on)
}

func (m *Manager) server() *wire.Server {
	m.srv.mu.Lock()
	defer m.srv.mu.Unlock()
	if m.srv.srv == nil {
		m.srv.srv = wire.New(wireBackend{m})
	}
	return m.srv.srv
}

// closeServer closes the wire server, if one was started, and waits for
// its goroutines.
func (m *Manager) closeServer() {
	m.srv.mu.Lock()
	srv := m.srv.srv
	m.srv.srv = nil
	m.srv.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// Clock returns the manager's clock (wire.Backend).
func (b wireBackend) Clock() stream.Clock { return b.m.clock }

func (st *bucketState) entry(cfg jetstream.StreamConfig) wire.StreamEntry {
	return wire.StreamEntry{Config: cfg, Created: st.created, Stream: st.stream}
}

// Stream returns the stream named name (wire.Backend).
func (b wireBackend) Stream(name string) (wire.StreamEntry, bool) {
	m := b.m
	m.mu.RLock()
	defer m.mu.RUnlock()
	st := m.streams[name]
	if st == nil {
		return wire.StreamEntry{}, false
	}
	return st.entry(st.cfg), true
}

// StreamFor returns the stream whose subjects match subj (wire.Backend).
func (b wireBackend) StreamFor(subj string) (wire.StreamEntry, bool) {
	m := b.m
	m.mu.RLock()
	defer m.mu.RUnlock()
	var found *bucketState
	m.subjects.MatchFilters(subj, func(_ string, st *bucketState) bool {
		found = st
		return false
	})
	if found == nil {
		return wire.StreamEntry{}, false
	}
	return found.entry(found.cfg), true
}

// CreateStream creates a stream from a config with the server's defaults
// applied (wire.Backend). A stream of that name with the same config is
// returned as it is.
func (b wireBackend) CreateStream(cfg jetstream.StreamConfig) (wire.StreamEntry, error) {
	m := b.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if st := m.streams[cfg.Name]; st != nil {
		if !st.sameConfig(cfg) {
			return wire.StreamEntry{}, wire.ErrStreamNameInUse
		}
		return st.entry(st.cfg), nil
	}
	st, err := m.addLocked(cfg)
	if err != nil {
		return wire.StreamEntry{}, err
	}
	return st.entry(st.cfg), nil
}

// UpdateStream replaces a stream's config (wire.Backend).
func (b wireBackend) UpdateStream(cfg jetstream.StreamConfig) (wire.StreamEntry, error) {
	m := b.m
	// The server checks the config before it looks the stream up
	// (server/jetstream_api.go: jsStreamUpdateRequest), as update does.
	if err := checkConfig(cfg); err != nil {
		return wire.StreamEntry{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.streams[cfg.Name]
	if st == nil {
		return wire.StreamEntry{}, wire.ErrStreamNotFound
	}
	if err := m.updateLocked(st, cfg); err != nil {
		return wire.StreamEntry{}, err
	}
	return st.entry(st.cfg), nil
}

// DeleteStream deletes a stream (wire.Backend).
func (b wireBackend) DeleteStream(name string) error {
	m := b.m
	if !m.deleteStream(name) {
		return wire.ErrStreamNotFound
	}
	return nil
}

// Streams returns every stream by name (wire.Backend).
func (b wireBackend) Streams() []wire.StreamEntry {
	m := b.m
	all := m.sortedStreams(false)
	out := make([]wire.StreamEntry, len(all))
	m.mu.RLock()
	for i, st := range all {
		out[i] = st.entry(st.cfg)
	}
	m.mu.RUnlock()
	return out
}

// Fault applies the injected faults to a wire request (wire.Backend): the
// request is mapped to the KV call that sends it, and memkv's own fault
// matching decides. The latency is returned for the wire server to wait
// out, on the manager's clock, off the connection's read loop.
func (b wireBackend) Fault(r wire.Request) (time.Duration, error) {
	m := b.m
	if m.faults.n.Load() == 0 {
		return 0, nil
	}
	op, key, pattern := kvCall(r)
	if op == "" {
		return 0, nil
	}
	return m.pickFault(op, strings.TrimPrefix(r.Stream, "KV_"), key, pattern)
}

// kvCall names the KV operation that sends a wire request (WIRE.md §3),
// with its key or watch pattern.
func kvCall(r wire.Request) (op Op, key string, pattern bool) {
	if !strings.HasPrefix(r.Stream, "KV_") {
		return "", "", false
	}
	pre := "$KV." + strings.TrimPrefix(r.Stream, "KV_") + "."
	switch r.API {
	case "PUB":
		key = strings.TrimPrefix(r.Subject, pre)
		switch v, _ := stream.HeaderValue(r.Header, stream.KVOperation); {
		case v == "DEL":
			return OpDelete, key, false
		case v == stream.KVOperationPurge:
			return OpPurge, key, false
		}
		switch v, ok := stream.HeaderValue(r.Header, stream.ExpectedLastSubjSeq); {
		case ok && v == "0":
			return OpCreate, key, false
		case ok:
			return OpUpdate, key, false
		}
		return OpPut, key, false
	case "DIRECT.GET", "STREAM.MSG.GET":
		return OpGet, strings.TrimPrefix(r.Subject, pre), false
	case "CONSUMER.CREATE":
		// The subject's tail is "<name>.<filter>"; no filter is all keys.
		_, filter, _ := strings.Cut(r.Subject, ".")
		if filter == "" || !strings.HasPrefix(filter, pre) {
			return OpWatch, jetstream.AllKeys, true
		}
		key = strings.TrimPrefix(filter, pre)
		return OpWatch, key, !subject.Literal(key)
	case "STREAM.INFO":
		return OpStatus, "", false
	case "STREAM.PURGE":
		return OpPurgeDeletes, "", false
	case "STREAM.CREATE", "STREAM.UPDATE", "STREAM.DELETE":
		return OpBucket, "", false
	}
	return "", "", false
}
