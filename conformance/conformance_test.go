package conformance

import (
	"testing"

	"github.com/nats-io/nats.go/jetstream"
)

// TestServer runs the suite against an embedded nats-server, one server per
// subtest. It proves that every assertion in the suite holds for the real
// server.
func TestServer(t *testing.T) {
	Run(t, func(t *testing.T) jetstream.KeyValueManager { return ServerManager(t) })
}
