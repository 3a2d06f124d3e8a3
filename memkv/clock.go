package memkv

import (
	"time"

	"github.com/jetsim/jetsim/stream"
)

// Clock is the source of time of a Manager (see WithClock): store times,
// bucket TTL, per-key TTL, limit markers and PurgeDeletes thresholds.
type Clock = stream.Clock

// FakeClock is a Clock that moves only when told to: its Advance fires
// every expiry that falls due, in time order, before it returns, so a TTL
// test runs in microseconds and gives the same result every time.
type FakeClock = stream.FakeClock

// NewFakeClock returns a FakeClock that reads start until advanced.
func NewFakeClock(start time.Time) *FakeClock { return stream.NewFakeClock(start) }
