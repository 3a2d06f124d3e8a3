package wire

import (
	"errors"
	"net"
	"strconv"
	"time"
)

// door is how a connection came in: a TCP listener's address, for INFO, and
// what the listener asks of a client before it may do anything.
type door struct {
	host        string
	port        int
	auth        auth
	authTimeout time.Duration
}

// Listen accepts TCP connections on addr ("127.0.0.1:0" takes a free port)
// and serves each as InProcessConn's are served, until Close, so that
// clients in other processes (the nats CLI, nats.js, any nats.go program
// given a URL) reach the server. It returns the URL clients dial,
// "nats://host:port", or the error of net.Listen; after Close it fails as
// InProcessConn does. While the server refuses
// connections (RefuseConnections) a connection is accepted and closed at
// once, which the client sees as a lost server.
func (s *Server) Listen(addr string, opts ...ListenOption) (string, error) {
	d := &door{authTimeout: authTimeout}
	for _, o := range opts {
		o(d)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	tcp := ln.Addr().(*net.TCPAddr)
	d.host, d.port = tcp.IP.String(), tcp.Port
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = ln.Close()
		return "", errRefused
	}
	s.lns = append(s.lns, ln)
	s.wg.Add(1)
	s.mu.Unlock()
	go s.accept(ln, d)
	return "nats://" + net.JoinHostPort(d.host, strconv.Itoa(d.port)), nil
}

// accept serves the connections of ln until it is closed. A failed Accept
// that is not the listener's end (too many open files) is retried after a
// pause, as nats-server's AcceptLoop does (server/server.go:
// acceptConnections, ACCEPT_MIN_SLEEP).
func (s *Server) accept(ln net.Listener, d *door) {
	defer s.wg.Done()
	pause := 10 * time.Millisecond
	for {
		nc, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			time.Sleep(pause)
			pause = min(2*pause, time.Second)
			continue
		}
		pause = 10 * time.Millisecond
		if err := s.serve(nc, d); err != nil {
			_ = nc.Close()
		}
	}
}

// closeListeners closes Listen's listeners; their accept loops end.
func (s *Server) closeListeners() {
	s.mu.Lock()
	lns := s.lns
	s.lns = nil
	s.mu.Unlock()
	for _, ln := range lns {
		_ = ln.Close()
	}
}
