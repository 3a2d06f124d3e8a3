package memkv_test

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetsim/jetsim/conformance"
	"github.com/jetsim/jetsim/memkv"
)

// TestConformance runs the behavioural suite that the real server passes
// (conformance.TestServer) against memkv with the real clock, timed cases
// included. Its managers come from NewTest, so a case that leaks a watcher
// fails, and the cases that leave watchers to their context show that
// NewTest does not count those as leaks.
func TestConformance(t *testing.T) {
	conformance.Run(t, func(t *testing.T) jetstream.KeyValueManager { return memkv.NewTest(t) })
}

// TestConformanceFakeClock runs the suite with every manager on one fake
// clock that the timed cases advance instead of sleeping, again from
// NewTest.
func TestConformanceFakeClock(t *testing.T) {
	clock := memkv.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	conformance.Run(t,
		func(t *testing.T) jetstream.KeyValueManager { return memkv.NewTest(t, memkv.WithClock(clock)) },
		conformance.WithSleep(clock.Advance))
}
