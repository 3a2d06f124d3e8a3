package stream_test

import (
	"time"

	"github.com/jetsim/jetsim/stream"
)

// newFakeClock is the tests' clock: time moves only with Advance, which
// fires the timers that fall due, synchronously.
func newFakeClock() *stream.FakeClock {
	return stream.NewFakeClock(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC))
}
