package wire

import (
	"crypto/rand"
	"encoding/base32"
	"net"
	"sync"
	"time"
)

// Defaults of nats-server v2.15.3 (server/const.go) that a client can see.
const (
	version        = "2.15.3"
	maxPayload     = 1 << 20          // MAX_PAYLOAD_SIZE
	maxControlLine = 4096             // MAX_CONTROL_LINE_SIZE
	maxPending     = 64 << 20         // MAX_PENDING_SIZE: beyond it a client is a slow consumer
	writeDeadline  = 10 * time.Second // DEFAULT_FLUSH_DEADLINE: a longer write makes a slow consumer
	jsAPILevel     = 5                // server/jetstream_versioning.go: JSApiLevel, sent as api_lvl
)

// Server is an in-memory NATS server: it speaks the client protocol of
// nats-server v2.15.3 over connections handed out by InProcessConn and
// routes messages between them and the server's internal subscribers (the
// JetStream layer, when a Backend is given). Its methods are safe for
// concurrent use.
type Server struct {
	b  Backend
	id string // server_id and server_name in INFO

	// capture, set by the JetStream layer before any connection exists,
	// stores a published message in the stream whose subjects match and
	// reports whether one took it (see publish).
	capture func(m *Msg) bool
	// stopJS, set by the JetStream layer, ends its consumers' goroutines;
	// Close calls it once the connections are gone.
	stopJS func()
	// js is the JetStream layer, nil without a Backend.
	js *jetStream

	subs sublist

	// maxPending is the outbound bytes beyond which a client is a slow
	// consumer: maxPending unless a test lowers it.
	maxPending int
	// writeDeadline bounds one write to a client, beyond which it is a
	// slow consumer: writeDeadline unless a test lowers it.
	writeDeadline time.Duration

	mu       sync.Mutex
	conns    map[*conn]struct{}
	lastCID  uint64
	refusing time.Time // InProcessConn fails until then
	refuseOn bool      // InProcessConn fails until RefuseConnections(0)
	closed   bool
	lns      []net.Listener // Listen's, closed by Close

	wg sync.WaitGroup // every goroutine the server started
}

// New returns a server over the engine b. b may be nil: then the server
// speaks core NATS only and INFO does not announce JetStream.
func New(b Backend) *Server {
	s := &Server{b: b, id: newServerID(), conns: make(map[*conn]struct{}), maxPending: maxPending, writeDeadline: writeDeadline}
	if b != nil {
		s.startJetStream()
	}
	return s
}

// InProcessConn returns the client end of a new net.Pipe whose server end
// is served until either end closes it, so that
// nats.Connect("", nats.InProcessServer(s)) talks to s. Every call is a new
// connection (nats.go calls it again on each reconnect). While the server
// refuses connections (RefuseConnections) or after Close, it returns the
// error nats-server's InProcessConn returns when it cannot serve.
func (s *Server) InProcessConn() (net.Conn, error) {
	srv, cli := net.Pipe()
	if err := s.serve(srv, nil); err != nil {
		_ = srv.Close()
		_ = cli.Close()
		return nil, err
	}
	return cli, nil
}

// serve registers nc as a client connection that came in through d (nil
// for InProcessConn) and starts serving it, or fails with errRefused while
// the server refuses connections or after Close.
func (s *Server) serve(nc net.Conn, d *door) error {
	s.mu.Lock()
	if s.closed || s.refuseOn || time.Now().Before(s.refusing) {
		s.mu.Unlock()
		return errRefused
	}
	s.lastCID++
	c := newConn(s, nc, s.lastCID)
	c.door = d
	s.conns[c] = struct{}{}
	s.wg.Add(2)
	s.mu.Unlock()
	c.start()
	return nil
}

// RefuseConnections makes InProcessConn fail for the duration d, as a
// server that is down would; d < 0 refuses until RefuseConnections(0), and
// d == 0 accepts again at once. Existing connections are not affected:
// DropConnections closes them. Refusal is measured on the wall clock,
// because the client's reconnect wait that it plays against is.
func (s *Server) RefuseConnections(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuseOn = d < 0
	s.refusing = time.Time{}
	if d > 0 {
		s.refusing = time.Now().Add(d)
	}
}

// SetJetStream turns JetStream off (false) or on again (true). Off, the
// server answers as a nats-server without JetStream does: every $JS.API
// request and every publish to a stream's subjects gets the no-responders
// status, so nats.go's calls fail with jetstream.ErrJetStreamNotEnabled,
// nats.ErrJetStreamNotEnabled, nats.ErrNoResponders or
// jetstream.ErrNoStreamResponse as they do against that server; INFO to
// new connections no longer announces JetStream; push consumers are
// deleted. The streams are kept and served again once it is turned on.
// A server without a Backend has no JetStream to turn on.
func (s *Server) SetJetStream(on bool) {
	if s.js != nil {
		s.js.enable(on)
	}
}

// jetStreamOn reports whether JetStream is served, for INFO.
func (s *Server) jetStreamOn() bool {
	return s.js != nil && s.js.on.Load()
}

// DropConnections closes every client connection at once, without flushing
// what is queued for them, as a server restart would; the clients see the
// connection lost and reconnect through InProcessConn. Their subscriptions
// are gone with them.
func (s *Server) DropConnections() {
	for _, c := range s.connections() {
		c.close(false)
	}
}

// Close closes the listeners and every connection, refuses new ones and waits for every
// goroutine the server started to end. It returns nil; calling it again
// does nothing.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.closeListeners()
	s.DropConnections()
	if s.stopJS != nil {
		s.stopJS()
	}
	s.wg.Wait()
	return nil
}

// NumConnections returns the number of client connections open.
func (s *Server) NumConnections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// connections returns a snapshot of the open connections.
func (s *Server) connections() []*conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		cs = append(cs, c)
	}
	return cs
}

// forget removes a closed connection from the registry.
func (s *Server) forget(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// newServerID returns an id in the form of nats-server's: the public nkey
// of a server key pair, 56 base32 characters starting with 'N'
// (server/server.go: NewServer takes kp.PublicKey(); nkeys encodes the
// prefix byte, the 32-byte key and a CRC-16 checksum).
func newServerID() string {
	const prefixServer = 13 << 3 // nkeys.PrefixByteServer
	raw := make([]byte, 35)
	raw[0] = prefixServer
	_, _ = rand.Read(raw[1:33])
	crc := crc16(raw[:33])
	raw[33], raw[34] = byte(crc), byte(crc>>8)
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw)
}

// crc16 is the CRC-16/XMODEM checksum that nkeys appends to a key.
func crc16(b []byte) uint16 {
	var crc uint16
	for _, c := range b {
		crc ^= uint16(c) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}
