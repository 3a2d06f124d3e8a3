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
// testing/synctest bubble these are the bubble's virtual time.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// AfterFunc returns time.AfterFunc(d, f).
func (SystemClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }
