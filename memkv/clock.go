package memkv

import (
	"time"

	"github.com/jetsim/jetsim/stream"
)

// Clock is the source of time of a Manager (see WithClock): store times
// (entries' Created()), bucket TTL, per-key TTL, limit markers and the
// PurgeDeletes threshold. The default is the system clock, which inside a
// testing/synctest bubble is the bubble's fake time. Pass a FakeClock to
// move time by hand. Any stream.Clock is a Clock, and the other way round.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// AfterFunc calls f once d has elapsed: in its own goroutine for a
	// real clock, during the Advance that passes it for a FakeClock.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a call scheduled with Clock.AfterFunc. Its Stop prevents the
// call and reports whether it had not run yet.
type Timer = stream.Timer

// FakeClock is a Clock that moves only when told to: its Advance fires
// every expiry that falls due, in time order, before it returns, so a TTL
// test runs in microseconds and gives the same result every time. Create
// it with NewFakeClock and hand it to New with WithClock. It is safe for
// concurrent use.
type FakeClock struct {
	fake *stream.FakeClock
}

var _ Clock = (*FakeClock)(nil)

// NewFakeClock returns a FakeClock that reads start until advanced.
func NewFakeClock(start time.Time) *FakeClock {
	return &FakeClock{fake: stream.NewFakeClock(start)}
}

// Now returns the clock's current time.
func (c *FakeClock) Now() time.Time { return c.fake.Now() }

// AfterFunc schedules f for when the clock reaches Now()+d. f runs inside
// the Advance or AdvanceTo call that reaches that time.
func (c *FakeClock) AfterFunc(d time.Duration, f func()) Timer {
	return c.fake.AfterFunc(d, f)
}

// Advance moves the clock forward by d, running every timer that falls due
// on the way at its own time, earliest first; timers those calls schedule
// within the window run too. When it returns, every expiry due by the new
// time has happened: expired values are gone and limit markers are
// stored.
func (c *FakeClock) Advance(d time.Duration) { c.fake.Advance(d) }

// AdvanceTo moves the clock to t (if t is later than Now) as Advance
// does.
func (c *FakeClock) AdvanceTo(t time.Time) { c.fake.AdvanceTo(t) }

// Pending returns the number of timers not yet fired, e.g. to check that
// a bucket has no expiry scheduled.
func (c *FakeClock) Pending() int { return c.fake.Pending() }
