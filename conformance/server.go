package conformance

import (
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ServerVersion is the nats-server release whose behaviour the suite
// records. Buckets report it in the "_nats.ver" metadata key.
const ServerVersion = "2.15.3"

// StartServer starts an embedded nats-server with JetStream enabled (store
// directory t.TempDir(), 127.0.0.1, random port, no logging, no signal
// handlers) and returns a client connection to it. It fails the test if the
// server does not start within 10 s or the connection fails. t.Cleanup
// closes the connection and shuts the server down. A start costs a few tens
// of milliseconds, so one server per test is affordable.
func StartServer(t testing.TB) *nats.Conn {
	t.Helper()
	opts := &server.Options{
		Host:      "127.0.0.1",
		Port:      -1,
		JetStream: true,
		StoreDir:  t.TempDir(),
		NoLog:     true,
		NoSigs:    true,
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		t.Fatalf("conformance: new server: %v", err)
	}
	srv.Start()
	// Cleanups run last-in first-out: the connection closes before the server
	// stops, and the server stops before t.TempDir is removed.
	t.Cleanup(func() {
		srv.Shutdown()
		srv.WaitForShutdown()
	})
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatalf("conformance: server not ready after 10s")
	}
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatalf("conformance: connect: %v", err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// ServerManager starts an embedded server with StartServer and returns the
// nats.go jetstream client for it: the reference KeyValueManager the suite
// is checked against. It fails the test if either step fails.
func ServerManager(t testing.TB) jetstream.KeyValueManager {
	t.Helper()
	js, err := jetstream.New(StartServer(t))
	if err != nil {
		t.Fatalf("conformance: jetstream.New: %v", err)
	}
	return js
}
