package wire

import (
	"cmp"
	"slices"
	"sync"
	"time"

	"github.com/jetsim/jetsim/stream"
)

// This file holds requests that a latency fault delays (Backend.Fault):
// each waits on the backend's clock, off the connection's read loop, so
// that the client's other requests on the same connection are served
// meanwhile, as nats-server serves them while one is slow. Delayed
// requests are served in the order they fall due, and those due at the
// same time in the order they arrived, whatever order the clock's timers
// fire in (the system clock runs each in a goroutine of its own).

// delayed is one request waiting out its latency.
type delayed struct {
	due   time.Time
	seq   uint64 // arrival order, for requests due at the same time
	serve func()
	timer stream.Timer
}

// delays is the queue of delayed requests of a JetStream layer.
type delays struct {
	mu      sync.Mutex
	queue   []*delayed // by due time, then arrival; guarded by mu
	seq     uint64     // guarded by mu
	stopped bool       // guarded by mu: the server closed

	serving sync.Mutex // one goroutine serves the due requests at a time
}

// later runs serve once d has passed on the backend's clock, unless the
// server closes first. serve must not hold on to the connection's
// buffers: the message it serves is a copy.
func (js *jetStream) later(d time.Duration, serve func()) {
	q := &js.delays
	clock := js.b.Clock()
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.stopped {
		return
	}
	q.seq++
	x := &delayed{due: clock.Now().Add(d), seq: q.seq, serve: serve}
	i, _ := slices.BinarySearchFunc(q.queue, x, func(a, b *delayed) int {
		if c := a.due.Compare(b.due); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	q.queue = slices.Insert(q.queue, i, x)
	js.wg.Add(1)
	x.timer = clock.AfterFunc(d, func() { js.fire(x) })
}

// fire serves, in order, every delayed request due by now, x included
// (x's own due time bounds it, should the clock read earlier).
func (js *jetStream) fire(x *delayed) {
	defer js.wg.Done()
	q := &js.delays
	q.serving.Lock()
	defer q.serving.Unlock()
	now := js.b.Clock().Now()
	if now.Before(x.due) {
		now = x.due
	}
	for {
		q.mu.Lock()
		if len(q.queue) == 0 || q.queue[0].due.After(now) || q.stopped {
			q.mu.Unlock()
			return
		}
		next := q.queue[0]
		q.queue[0] = nil
		q.queue = q.queue[1:]
		q.mu.Unlock()
		if next != x && next.timer.Stop() {
			js.wg.Done() // served early: its timer will not call fire
		}
		next.serve()
	}
}

// stopDelays drops the delayed requests unserved and stops their timers;
// a timer that has fired already ends on its own (js.wg counts it).
func (js *jetStream) stopDelays() {
	q := &js.delays
	q.mu.Lock()
	q.stopped = true
	all := q.queue
	q.queue = nil
	q.mu.Unlock()
	for _, x := range all {
		if x.timer.Stop() {
			js.wg.Done()
		}
	}
}

// clone returns a copy of m that owns its bytes, to outlive the routing
// (the read loop reuses its buffer).
func (m *Msg) clone() *Msg {
	c := *m
	c.Header = slices.Clone(m.Header)
	c.Data = slices.Clone(m.Data)
	return &c
}
