package stream

import (
	"slices"
	"sync"
	"time"
)

// FakeClock is a Clock that moves only when told to. Advance fires every
// expiry that falls due, in time order, before it returns, so a TTL test
// runs in microseconds and gives the same result every time.
type FakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
	seq    uint64
}

type fakeTimer struct {
	c    *FakeClock
	at   time.Time
	seq  uint64 // creation order, to break ties
	f    func()
	done bool
}

// NewFakeClock returns a FakeClock that reads start until advanced.
func NewFakeClock(start time.Time) *FakeClock {
	return &FakeClock{now: start}
}

// Now returns the clock's current time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc schedules f for when the clock reaches Now()+d.
func (c *FakeClock) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &fakeTimer{c: c, at: c.now.Add(d), seq: c.seq, f: f}
	c.timers = append(c.timers, t)
	return t
}

// Stop cancels the timer; it reports whether it had not fired yet.
func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	if t.done {
		return false
	}
	t.done = true
	t.c.timers = slices.DeleteFunc(t.c.timers, func(x *fakeTimer) bool { return x == t })
	return true
}

// Advance moves the clock forward by d, running every timer that falls
// due on the way at its own time, earliest first. Timers that the calls
// schedule within the window run too.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	target := c.now.Add(d)
	c.mu.Unlock()
	c.AdvanceTo(target)
}

// AdvanceTo moves the clock to t (if t is later than Now) as Advance does.
func (c *FakeClock) AdvanceTo(t time.Time) {
	for {
		c.mu.Lock()
		var next *fakeTimer
		for _, x := range c.timers {
			if !x.at.After(t) && (next == nil || x.at.Before(next.at) || x.at.Equal(next.at) && x.seq < next.seq) {
				next = x
			}
		}
		if next == nil {
			if t.After(c.now) {
				c.now = t
			}
			c.mu.Unlock()
			return
		}
		if next.at.After(c.now) {
			c.now = next.at
		}
		next.done = true
		c.timers = slices.DeleteFunc(c.timers, func(x *fakeTimer) bool { return x == next })
		c.mu.Unlock()
		next.f() // outside the lock: f may schedule timers
	}
}

// Pending returns the number of timers not yet fired.
func (c *FakeClock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}
