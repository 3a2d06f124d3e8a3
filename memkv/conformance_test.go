package memkv_test

import (
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetsim/jetsim/conformance"
	"github.com/jetsim/jetsim/memkv"
)

// TestConformance runs the behavioural suite that the real server passes
// (conformance.TestServer) against memkv.
func TestConformance(t *testing.T) {
	conformance.Run(t, func(t *testing.T) jetstream.KeyValueManager { return memkv.New() })
}
