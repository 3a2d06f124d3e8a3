// Package wire is jetsim's NATS protocol door: an in-memory server that
// speaks the client protocol of nats-server v2.15.3 over net.Pipe
// connections, so that an unmodified nats.go client (nats.Connect("",
// nats.InProcessServer(s))) talks to jetsim as it would to the real
// server.
//
// The core (server.go, conn.go, parse.go, write.go, subs.go, errors.go)
// is core NATS: INFO and CONNECT, PING/PONG, SUB/UNSUB with max, queue
// groups, PUB/HPUB and MSG/HMSG, verbose +OK, pedantic subject checks,
// the no-responders status, and the server's -ERR texts and closes for
// malformed input. Messages are routed through package subject's Tree, the
// one implementation of subject matching. Each connection has one read
// loop that parses in place and one writer that drains a per-connection
// buffer, so that a publisher never waits for a slow reader; a reader that
// falls too far behind is closed as a slow consumer, as nats-server does.
//
// What a client can see differs from nats-server only where there is no
// network: no TCP listener, TLS, authentication, clustering or server
// PINGs, and INFO carries no xkey.
//
// The JetStream layer sits on the same server through three unexported
// hooks: subscribeInternal (handlers for $JS.API subjects), publish (its
// replies and deliveries, routed like a client's PUB) and capture (stream
// storage of published messages).
package wire
