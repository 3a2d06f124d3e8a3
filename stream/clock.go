package stream

import "time"

// Clock is the source of time for a stream: store timestamps, MaxAge and
// per-message TTL expiry all come from it, so that tests can drive time.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// AfterFunc calls f in its own goroutine (or, for a fake clock, during
	// the call that moves time past d) once d has elapsed.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending call scheduled with Clock.AfterFunc.
type Timer interface {
	// Stop prevents the call from running. It reports whether the call was
	// stopped before it ran.
	Stop() bool
}

// SystemClock is the real clock: time.Now and time.AfterFunc. Inside a
// testing/synctest bubble these are the bubble's virtual time. The zero
// value reads time.Now; one from NewSystemClock reads only the monotonic
// clock, against one reading of the wall clock (a third cheaper per store
// on Linux, where time.Now reads both clocks; wall-clock steps after that
// reading are not followed).
type SystemClock struct {
	base     time.Time
	baseNano int64
}

// NewSystemClock returns a SystemClock reading the monotonic clock from
// now on.
func NewSystemClock() SystemClock {
	now := time.Now()
	return SystemClock{base: now, baseNano: now.UnixNano()}
}

// Now returns the current time.
func (c SystemClock) Now() time.Time {
	if c.base.IsZero() {
		return time.Now()
	}
	// In a synctest bubble time.Since is bubble time too (base then has
	// no monotonic reading, and Since falls back to time.Now).
	return c.base.Add(time.Since(c.base))
}

// UnixNano is Now().UnixNano() without building the time.Time: the
// stream's timestamp for every store.
func (c SystemClock) UnixNano() int64 {
	if c.base.IsZero() {
		return time.Now().UnixNano()
	}
	return c.baseNano + int64(time.Since(c.base))
}

// unixNanoClock is a Clock with a cheaper UnixNano than Now().UnixNano().
type unixNanoClock interface {
	UnixNano() int64
}

// AfterFunc returns time.AfterFunc(d, f).
func (SystemClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }
