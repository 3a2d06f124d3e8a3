package wire

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// connectOpts is the part of a client's CONNECT that the server acts on
// (server/client.go: ClientOpts). A client that sends no CONNECT, or leaves
// a field out, has nats-server's defaults: verbose, pedantic and echo on
// (client.go: defaultOpts).
type connectOpts struct {
	Echo         bool   `json:"echo"`
	Verbose      bool   `json:"verbose"`
	Pedantic     bool   `json:"pedantic"`
	Protocol     int    `json:"protocol"`
	Account      string `json:"account,omitempty"`
	AccountNew   bool   `json:"new_account,omitempty"`
	Headers      bool   `json:"headers,omitempty"`
	NoResponders bool   `json:"no_responders,omitempty"`
	User         string `json:"user,omitempty"`
	Pass         string `json:"pass,omitempty"`
	Token        string `json:"auth_token,omitempty"`
}

var defaultOpts = connectOpts{Verbose: true, Pedantic: true, Echo: true}

// info is the INFO a client receives, with nats-server's field names and
// order (server/server.go: Info). An in-process client gets none of the
// fields a listener adds, as nats-server's in-process clients do; a
// listener's client gets its host, port, auth_required and client_ip (TLS
// and cluster fields are never sent).
type info struct {
	ID            string `json:"server_id"`
	Name          string `json:"server_name"`
	Version       string `json:"version"`
	Proto         int    `json:"proto"`
	GoVersion     string `json:"go"`
	Host          string `json:"host"`
	Port          int    `json:"port"`
	Headers       bool   `json:"headers"`
	AuthRequired  bool   `json:"auth_required,omitempty"`
	MaxPayload    int32  `json:"max_payload"`
	JetStream     bool   `json:"jetstream,omitempty"`
	CID           uint64 `json:"client_id,omitempty"`
	ClientIP      string `json:"client_ip,omitempty"`
	ConnectInfo   bool   `json:"connect_info,omitempty"`
	RemoteAccount string `json:"remote_account,omitempty"`
	JSApiLevel    int    `json:"api_lvl,omitempty"`
}

// conn is one client connection: a read loop that parses the client's
// protocol and acts on each verb, and a writer that owns the writes.
type conn struct {
	s    *Server
	nc   net.Conn
	cid  uint64
	door *door // the listener it came through, nil for InProcessConn

	// Owned by the read loop.
	parser
	opts          connectOpts
	connected     bool // a CONNECT was received
	firstPongSent bool
	bufs          matchBufs
	msg           Msg               // the message being routed
	subjects      map[string]string // recent subjects published to

	headers atomic.Bool // the client reads HMSG; read by publishers

	mu      sync.Mutex
	out     []byte // queued for the writer
	pending int    // bytes queued and not yet written
	closed  bool
	flush   bool // write what is queued before closing
	subs    map[string]*sub
	kick    chan struct{}
}

func newConn(s *Server, nc net.Conn, cid uint64) *conn {
	return &conn{
		s: s, nc: nc, cid: cid, opts: defaultOpts,
		subjects: make(map[string]string), subs: make(map[string]*sub), kick: make(chan struct{}, 1),
	}
}

// start sends INFO and starts the read loop and the writer; the server
// has counted both in its WaitGroup.
func (c *conn) start() {
	c.sendProto(c.infoProto(false))
	go c.readLoop()
	go c.writeLoop()
}

// infoProto returns the INFO line; connectInfo marks the one sent after
// the first PING that follows CONNECT (server/client.go: processPing).
func (c *conn) infoProto(connectInfo bool) []byte {
	in := info{
		ID: c.s.id, Name: c.s.id, Version: version, Proto: 1, GoVersion: runtime.Version(),
		Host: "0.0.0.0", Port: 4222, Headers: true, MaxPayload: maxPayload,
		JetStream: c.s.jetStreamOn(), CID: c.cid, JSApiLevel: jsAPILevel,
	}
	if d := c.door; d != nil {
		// a listener's INFO names its address and the client's, and says
		// whether CONNECT must carry credentials (server/server.go:
		// createClientEx)
		in.Host, in.Port, in.AuthRequired = d.host, d.port, d.auth.required()
		if tcp, ok := c.nc.RemoteAddr().(*net.TCPAddr); ok {
			in.ClientIP = tcp.IP.String()
		}
	}
	if connectInfo {
		in.ConnectInfo, in.RemoteAccount = true, "$G"
	}
	b, _ := json.Marshal(in)
	// nats-server writes "INFO <json> \r\n", with the space (server/server.go: generateInfoJSON).
	return append(append([]byte("INFO "), b...), " \r\n"...)
}

// readLoop reads the client's bytes and parses them in place until the
// connection ends or the client breaks the protocol; then it ends the
// connection's subscriptions.
func (c *conn) readLoop() {
	defer c.s.wg.Done()
	defer c.cleanup()
	buf := make([]byte, 32<<10)
	gate := c.door != nil && c.door.auth.required()
	if gate {
		_ = c.nc.SetReadDeadline(time.Now().Add(c.door.authTimeout))
	}
	for {
		n, err := c.nc.Read(buf)
		if err != nil {
			if gate && !c.connected && errors.Is(err, os.ErrDeadlineExceeded) {
				c.sendErr(errAuthTimeout)
				c.close(true)
				return
			}
			c.close(false)
			return
		}
		if gate && !c.connected && c.state == stStart && buf[0] != 'C' && buf[0] != 'c' {
			c.sendErr(errAuthorization)
			c.close(true)
			return
		}
		if err := c.parse(buf[:n], c); err != nil {
			c.close(true)
			return
		}
	}
}

// close ends the connection; flush writes what is queued first (a -ERR
// that explains the close).
func (c *conn) close(flush bool) {
	c.mu.Lock()
	c.closeLocked(flush)
	c.mu.Unlock()
}

func (c *conn) closeLocked(flush bool) {
	if c.closed {
		if !flush && c.flush {
			c.flush = false
			_ = c.nc.Close() // a drop cuts short a flush in progress
		}
		return
	}
	c.closed, c.flush = true, flush
	if !flush {
		_ = c.nc.Close()
	}
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// cleanup removes a closed connection's subscriptions and the connection
// from the server.
func (c *conn) cleanup() {
	c.mu.Lock()
	subs := make([]*sub, 0, len(c.subs))
	for _, sb := range c.subs {
		subs = append(subs, sb)
	}
	c.subs = nil
	c.mu.Unlock()
	for _, sb := range subs {
		c.s.unsubscribe(sb)
	}
	c.s.forget(c)
}

// forgetSub drops a subscription that ended from the client's table.
func (c *conn) forgetSub(sb *sub) {
	c.mu.Lock()
	if c.subs[string(sb.sid)] == sb {
		delete(c.subs, string(sb.sid))
	}
	c.mu.Unlock()
}

// processConnect applies CONNECT (server/client.go: processConnect).
// Malformed JSON closes the connection without -ERR, as nats-server does.
func (c *conn) processConnect(arg []byte) error {
	opts := c.opts
	if err := json.Unmarshal(arg, &opts); err != nil {
		return err
	}
	if c.door != nil && !c.door.auth.allows(opts) {
		c.sendErr(errAuthorization)
		return fmt.Errorf("%s", errAuthorization)
	}
	if c.door != nil && c.door.auth.required() {
		_ = c.nc.SetReadDeadline(time.Time{}) // the auth timer stops
	}
	c.opts, c.connected = opts, true
	c.headers.Store(opts.Headers)
	switch {
	case opts.AccountNew || opts.Account != "":
		c.sendErr(errAuthorization)
		return fmt.Errorf("account in CONNECT")
	case opts.Protocol < 0 || opts.Protocol > 1:
		c.sendErr(errBadProtocol)
		return fmt.Errorf("%s", errBadProtocol)
	case opts.NoResponders && !opts.Headers:
		c.sendErr(errNoRespondersHeaders)
		return fmt.Errorf("%s", errNoRespondersHeaders)
	}
	if opts.Verbose {
		c.sendProto(okProto)
	}
	return nil
}

// processPing answers PONG; the first PING after CONNECT also gets the
// INFO that confirms the connection (server/client.go: processPing).
func (c *conn) processPing() error {
	if c.connected && !c.firstPongSent {
		c.firstPongSent = true
		if c.opts.Protocol >= 1 {
			// Queued with the PONG, so that nothing comes between them,
			// as nats-server flushes both at the end of the read.
			c.sendProto(append(append([]byte(nil), pongProto...), c.infoProto(true)...))
			return nil
		}
	}
	c.sendProto(pongProto)
	return nil
}

// processPong does nothing: the server sends no PING on a pipe.
func (c *conn) processPong() error { return nil }

// processInfo accepts and ignores a client's INFO, as nats-server does for
// a client connection, once it parses (server/client.go: processInfo).
func (c *conn) processInfo(arg []byte) error {
	var v map[string]any
	return json.Unmarshal(arg, &v)
}

// processErr closes the connection of a client that sent -ERR
// (server/client.go: processErr).
func (c *conn) processErr(arg []byte) error {
	return fmt.Errorf("client error %s", arg)
}

// processSub applies "SUB <subject> [queue] <sid>" (server/client.go:
// parseSub, processSubEx): a sid already in use is left as it is, an
// invalid subject gets -ERR and leaves the connection open.
func (c *conn) processSub(arg []byte) error {
	var a [3][]byte
	args := splitArgs(arg, a[:0])
	var subj, queue, sid []byte
	switch len(args) {
	case 2:
		subj, sid = args[0], args[1]
	case 3:
		subj, queue, sid = args[0], args[1], args[2]
	default:
		return fmt.Errorf("processSub Parse Error: %q", arg)
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	if _, ok := c.subs[string(sid)]; ok {
		c.mu.Unlock()
		if c.opts.Verbose {
			c.sendProto(okProto)
		}
		return nil
	}
	filter := string(subj)
	if !validFilter(filter) {
		c.mu.Unlock()
		c.sendErr(errInvalidSubject)
		return nil
	}
	sb := &sub{c: c, filter: filter, queue: string(queue), sid: []byte(string(sid))}
	c.subs[string(sid)] = sb
	c.mu.Unlock()
	c.s.subs.insert(sb)
	if c.opts.Verbose {
		c.sendProto(okProto)
	}
	return nil
}

// processUnsub applies "UNSUB <sid> [max]" (server/client.go:
// processUnsub): with a max above what was delivered the subscription ends
// after max messages in all, otherwise at once; an unknown sid is ignored.
func (c *conn) processUnsub(arg []byte) error {
	var a [2][]byte
	args := splitArgs(arg, a[:0])
	max := int64(-1)
	switch len(args) {
	case 1:
	case 2:
		max = int64(parseSize(args[1]))
	default:
		return fmt.Errorf("processUnsub Parse Error: %q", arg)
	}
	c.mu.Lock()
	sb := c.subs[string(args[0])]
	c.mu.Unlock()
	if c.opts.Verbose {
		c.sendProto(okProto)
	}
	if sb == nil {
		return nil
	}
	if max > 0 && max > sb.nm.Load() {
		sb.max.Store(max)
		return nil
	}
	sb.max.Store(0)
	c.s.unsubscribe(sb)
	return nil
}

// processPubArgs checks a PUB or HPUB control line before its payload is
// read (server/client.go: processPub, processHeaderPub).
func (c *conn) processPubArgs(pa *pubArg) error {
	if pa.hdr >= 0 && !c.headers.Load() {
		return errHeadersNotSupported
	}
	if pa.size > maxPayload {
		c.sendErr(errMaxPayload)
		return fmt.Errorf("%s: %d vs %d", errMaxPayload, pa.size, maxPayload)
	}
	if c.opts.Pedantic && !validLiteral(string(pa.subject)) {
		c.sendErr(errInvalidPubSubject)
	}
	return nil
}

// processMsg routes a published message whose payload has arrived
// (server/client.go: processInboundClientMsg): a subject or reply that
// nats-server reserves gets its -ERR and goes nowhere; a request that
// reaches nobody gets the no-responders status when the client asked.
func (c *conn) processMsg(pa *pubArg, msg []byte) error {
	if gatewayReply(pa.subject) || hasPrefix(pa.subject, "$NRG.") {
		c.sendErr(fmt.Sprintf(errPubViolation, pa.subject))
		return nil
	}
	if reservedReply(pa.reply) {
		c.sendErr(fmt.Sprintf(errReplyViolation, pa.reply))
		return nil
	}
	if c.opts.Verbose {
		c.sendProto(okProto)
	}
	// The Msg is the connection's own, reused: it is only valid during
	// the routing.
	m := &c.msg
	*m = Msg{Subject: c.subject(pa.subject), Data: msg}
	if len(pa.reply) > 0 {
		m.Reply = string(pa.reply)
	}
	if pa.hdr > 0 {
		m.Header, m.Data = msg[:pa.hdr:pa.hdr], msg[pa.hdr:]
	}
	if !c.s.route(m, c, &c.bufs) && m.Reply != "" && c.opts.NoResponders {
		c.s.noResponders(c, m, &c.bufs)
	}
	*m = Msg{}
	return nil
}

// subjectCacheSize bounds the subjects a connection keeps as strings.
const subjectCacheSize = 256

// subject returns b as a string, from the connection's cache of the
// subjects it published to lately: a client mostly publishes to a few
// subjects, and this saves their allocation per message.
func (c *conn) subject(b []byte) string {
	if s, ok := c.subjects[string(b)]; ok {
		return s
	}
	if len(c.subjects) >= subjectCacheSize {
		clear(c.subjects)
	}
	s := string(b)
	c.subjects[s] = s
	return s
}

// reservedReply reports whether a client may not use r as a reply subject:
// a service import's, a JetStream API's or a gateway's (server/client.go:
// isReservedReply).
func reservedReply(r []byte) bool {
	return hasPrefix(r, "_R_.") || (len(r) > 4 && hasPrefix(r, "$JS.")) || gatewayReply(r)
}

// gatewayReply reports whether subj starts with a gateway's routed-reply
// prefix (server/gateway.go: hasGWRoutedReplyPrefix).
func gatewayReply(subj []byte) bool {
	return (len(subj) > 5 && hasPrefix(subj, "_GR_.")) || (len(subj) > 4 && hasPrefix(subj, "$GR."))
}

func hasPrefix(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && string(b[:len(prefix)]) == prefix
}
