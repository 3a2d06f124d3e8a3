package memkv_test

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetsim/jetsim/conformance"
	"github.com/jetsim/jetsim/memkv"
)

// wireManager returns nats.go's own jetstream client connected to m over
// the NATS protocol (nats.InProcessServer), closed with the test.
func wireManager(t *testing.T, m *memkv.Manager) jetstream.KeyValueManager {
	t.Helper()
	nc, err := nats.Connect("", nats.InProcessServer(m))
	return clientOf(t, m, nc, err)
}

// clientOf returns the jetstream client on nc, a connection to m that
// dialling gave with err; the test fails on err, and its clean-up closes
// nc and m.
func clientOf(t *testing.T, m *memkv.Manager, nc *nats.Conn, err error) jetstream.KeyValueManager {
	t.Helper()
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() {
		nc.Close()
		m.Close()
	})
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("jetstream.New: %v", err)
	}
	return js
}

// TestWireConformance runs the behavioural suite against nats.go's client
// talking to memkv over the wire, on the real clock.
func TestWireConformance(t *testing.T) {
	conformance.Run(t, func(t *testing.T) jetstream.KeyValueManager { return wireManager(t, memkv.New()) })
}

// TestWireConformanceFakeClock runs the suite over the wire with each
// manager on its own fake clock, which the timed cases advance. The clock
// starts at the real time because the client reads its own clock too:
// PurgeDeletes judges a marker's age by time.Now (jetstream/kv.go:
// PurgeDeletes), so a short sleep also lets that much real time pass.
func TestWireConformanceFakeClock(t *testing.T) {
	var clock *memkv.FakeClock // the current case's; the cases run one by one
	conformance.Run(t,
		func(t *testing.T) jetstream.KeyValueManager {
			clock = memkv.NewFakeClock(time.Now())
			return wireManager(t, memkv.New(memkv.WithClock(clock)))
		},
		conformance.WithSleep(func(d time.Duration) {
			clock.Advance(d)
			if d <= time.Second {
				time.Sleep(d)
			}
		}))
}

// TestTCPConformance runs the suite against nats.go's client dialing the
// URL that Listen returns (loopback TCP), as code that takes only a URL
// does (issue #14).
func TestTCPConformance(t *testing.T) {
	conformance.Run(t, func(t *testing.T) jetstream.KeyValueManager {
		m := memkv.New()
		url, err := m.Listen("127.0.0.1:0")
		if err != nil {
			t.Fatalf("listen: %v", err)
		}
		nc, err := nats.Connect(url)
		return clientOf(t, m, nc, err)
	})
}
