package watch

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/jetsim/jetsim/stream"
)

// Capacity is the size of a watcher's channel, as in nats.go.
const Capacity = 256

// Options are the watch modes of nats.go, already decoded.
type Options struct {
	Filters            []string // full subjects; none means the whole stream
	IncludeHistory     bool     // deliver all revisions, not the last per key
	IgnoreDeletes      bool     // hide entries the Decoder reports as deleted
	MetaOnly           bool     // deliver no values
	UpdatesOnly        bool     // only what is written after the watch starts
	ResumeFromRevision uint64   // start at this revision, history included
	// MsgOverhead is what the server's flow control counts for each
	// message besides its header, data and ack-reply numbers: the length
	// of the deliver subject and of the ack reply's fixed part (see
	// stream.ConsumerConfig).
	MsgOverhead int
}

// Consumer returns the ordered consumer config the client asks the server
// for: last-per-subject by default, all with IncludeHistory, new with
// UpdatesOnly, and ResumeFromRevision overriding both (SEMANTICS §6.1);
// always with flow control, which the client forces (nats.go js.go:
// OrderedConsumer sets flow_control), so that a watcher nobody reads
// costs what it costs on the server (SEMANTICS §6.5.2).
func (o Options) Consumer() stream.ConsumerConfig {
	cfg := stream.ConsumerConfig{
		FilterSubjects:  o.Filters,
		HeadersOnly:     o.MetaOnly,
		DeliverPolicy:   stream.DeliverLastPerSubject,
		MaxPendingBytes: stream.FlowControlMaxPending,
		MsgOverhead:     o.MsgOverhead,
	}
	if o.IncludeHistory {
		cfg.DeliverPolicy = stream.DeliverAll
	}
	if o.UpdatesOnly {
		cfg.DeliverPolicy = stream.DeliverNew
	}
	if o.ResumeFromRevision > 0 {
		cfg.DeliverPolicy = stream.DeliverByStartSequence
		cfg.OptStartSeq = o.ResumeFromRevision
	}
	return cfg
}

// Decoder turns a delivered message (d.Msg()) and its pending count
// (d.Pending) into an entry, and reports whether the entry is a delete or
// purge (for IgnoreDeletes).
type Decoder[E any] func(d *stream.Delivery) (entry E, deleted bool)

// ErrStopped is returned by Stop on a watcher that is already stopped; the
// caller maps it to its client's error (nats.ErrBadSubscription).
var ErrStopped = errors.New("watch: already stopped")

// Watcher delivers entries on its Updates channel until stopped.
type Watcher[E any] struct {
	updates chan E
	c       *stream.Consumer
	stop    chan struct{}
	done    chan struct{}
	unhook  func() bool // stops the context's call of end
	halted  atomic.Bool // stopped: read without the lock on every send

	mu       sync.Mutex
	stopped  bool          // Stop or the context ended it
	orphaned bool          // the stream went away; the goroutine left without closing updates
	syncCh   chan struct{} // closed and replaced when the goroutine starts to wait

	waiting     atomic.Bool  // the goroutine has sent all it took and waits for more
	syncWaiters atomic.Int32 // WaitSynced calls in progress

	decode        Decoder[E]
	ignoreDeletes bool

	// Delivery is done by whoever holds deliver: the watcher's goroutine,
	// or a writer that finds it waiting and hands the new messages over
	// itself (see inline). The fields below belong to the holder.
	deliver     sync.Mutex
	buf         []stream.Delivery
	backlog     []E // entries taken from the consumer but not yet sent
	received    uint64
	initDone    bool
	initPending uint64
}

// Start creates the consumer for opts on s and starts the watcher's
// goroutine. An already-done ctx fails with its error; when ctx ends later
// the watcher stops as if Stop were called. The "initial values done"
// marker (the zero E) is already in the channel when Start returns if
// there is nothing to deliver initially, except with UpdatesOnly, which
// never sends it.
func Start[E any](ctx context.Context, s *stream.Stream, opts Options, decode Decoder[E]) (*Watcher[E], error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c, err := s.NewConsumer(opts.Consumer())
	if err != nil {
		return nil, err
	}
	w := &Watcher[E]{
		updates: make(chan E, Capacity),
		c:       c,
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
		syncCh:  make(chan struct{}),
	}
	initPending := c.InitialPending()
	initDone := opts.UpdatesOnly
	if !initDone && initPending == 0 {
		var marker E
		w.updates <- marker
		initDone = true
	}
	w.decode, w.ignoreDeletes = decode, opts.IgnoreDeletes
	w.initDone, w.initPending = initDone, initPending
	c.SetNotify(w.inline)
	// The context ends the watcher as Stop does, even after its stream is
	// gone; no goroutine waits for it.
	w.unhook = context.AfterFunc(ctx, w.end)
	go w.run()
	return w, nil
}

// Updates returns the channel of entries. It is closed after Stop or the
// end of the context, once the entries already in it have been read.
func (w *Watcher[E]) Updates() <-chan E { return w.updates }

// Stop ends the watcher. Entries already in the channel stay readable, and
// then the channel is closed. A second Stop returns ErrStopped.
func (w *Watcher[E]) Stop() error {
	if !w.halt() {
		return ErrStopped
	}
	w.unhook()
	return nil
}

// halt marks the watcher stopped and ends it: it wakes the goroutine,
// which closes the channel, or closes it itself if the goroutine already
// left because the stream went away. It reports false if the watcher was
// already stopped.
func (w *Watcher[E]) halt() bool {
	w.mu.Lock()
	if w.stopped {
		w.mu.Unlock()
		return false
	}
	w.stopped = true
	w.halted.Store(true)
	close(w.stop)
	orphaned := w.orphaned
	w.mu.Unlock()
	w.c.Wake()
	if orphaned {
		// The goroutine is gone and left the channel open for us.
		w.deliver.Lock()
		close(w.updates)
		w.deliver.Unlock()
	}
	return true
}

// Stopped reports whether Stop was called or the context ended.
func (w *Watcher[E]) Stopped() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stopped
}

// Done returns a channel that is closed when the watcher's goroutine has
// ended: after Stop, the end of its context, or the end of its stream.
func (w *Watcher[E]) Done() <-chan struct{} { return w.done }

// batch is how many messages a watcher takes from its consumer per lock.
const batch = 64

func (w *Watcher[E]) run() {
	defer close(w.done)
	defer w.c.Close()
	for {
		w.deliver.Lock()
		// Cleared by the holder of deliver, before it takes anything: a
		// writer that handed messages over inline may have set it after
		// this goroutine was signalled, and WaitSynced must not see a
		// message taken but not yet sent as synced.
		w.waiting.Store(false)
		for len(w.backlog) > 0 {
			if !w.send(w.backlog[0]) {
				w.deliver.Unlock()
				return
			}
			var zero E
			w.backlog[0] = zero
			w.backlog = w.backlog[1:]
		}
		var err error
		w.buf, err = w.c.NextBatch(w.buf[:0], batch)
		if err != nil {
			w.orphan()
			w.deliver.Unlock()
			return
		}
		if len(w.buf) == 0 {
			// NextBatch armed the consumer: the next store signals Ready,
			// or delivers inline.
			w.markWaiting()
			w.deliver.Unlock()
			// One channel to wait on: Stop, the context and the stream's
			// end all signal Ready too.
			<-w.c.Ready()
			if w.halted.Load() {
				// Under deliver: a writer may be sending inline.
				w.deliver.Lock()
				close(w.updates)
				w.deliver.Unlock()
				return
			}
			continue
		}
		for i := range w.buf {
			if !w.emit(&w.buf[i], w.send) {
				w.deliver.Unlock()
				return
			}
		}
		w.deliver.Unlock()
	}
}

// emit passes the entry for d, and the "initial values done" marker after
// the last initial one, to put. The caller holds deliver.
func (w *Watcher[E]) emit(d *stream.Delivery, put func(E) bool) bool {
	entry, deleted := w.decode(d)
	if !w.ignoreDeletes || !deleted {
		if !put(entry) {
			return false
		}
	}
	if !w.initDone {
		w.received++
		if w.received >= w.initPending || d.Pending == 0 {
			w.initDone = true
			var marker E
			if !put(marker) {
				return false
			}
		}
	}
	*d = stream.Delivery{} // let the message go
	return true
}

// inlineMax bounds what a writer delivers for a watcher before it leaves
// the rest to the watcher's goroutine.
const inlineMax = 16

// inline is the consumer's notify hook, called by a writer that stored a
// message for the watcher while the watcher waited. It hands the new
// messages over itself when the channel has room, sparing the goroutine a
// wake-up: the writer never waits, and the goroutine keeps waiting. It
// returns false, and the writer signals the goroutine, when it could not
// do it all: the goroutine is busy, the channel is full (the entries taken
// go to backlog, which the goroutine sends first), or there is more.
func (w *Watcher[E]) inline() bool {
	if !w.deliver.TryLock() {
		return false
	}
	defer w.deliver.Unlock()
	if w.halted.Load() || len(w.backlog) > 0 {
		return false
	}
	w.waiting.Store(false)
	full := false
	put := func(e E) bool {
		if w.halted.Load() {
			full = true // leave it to the goroutine, which closes the channel
		}
		if !full {
			select {
			case w.updates <- e:
				return true
			default:
				full = true
			}
		}
		w.backlog = append(w.backlog, e)
		return true
	}
	buf, armed, err := w.c.Drain(w.buf[:0], inlineMax)
	w.buf = buf
	if err != nil {
		return false
	}
	for i := range w.buf {
		w.emit(&w.buf[i], put)
	}
	if full || !armed {
		// The goroutine takes over: the backlog or the rest. A store that
		// found the consumer armed meanwhile has signalled it.
		return false
	}
	w.markWaiting()
	return true
}

// orphan ends the goroutine of a watcher whose stream is gone: like the
// server, it sends nothing more and leaves the channel open until Stop or
// the end of the context, which the client's subscription still waits for
// (nats.go js.go: subscribe unsubscribes on ctx.Done). The caller holds
// deliver.
func (w *Watcher[E]) orphan() {
	w.mu.Lock()
	if w.stopped {
		close(w.updates)
	} else {
		w.orphaned = true
	}
	w.mu.Unlock()
}

// send blocks until e is in the channel. It returns false, having closed
// the channel or orphaned the watcher, when the watcher ends first: the
// goroutine must then return.
func (w *Watcher[E]) send(e E) bool {
	// Check for the end first: with a reader that keeps up, the channel
	// always has room, and the watcher would run on after Stop.
	if w.halted.Load() {
		close(w.updates)
		return false
	}
	select {
	case w.updates <- e:
		return true
	default:
	}
	select {
	case w.updates <- e:
		return true
	case <-w.stop:
		close(w.updates)
		return false
	case <-w.c.Gone():
		w.orphan()
		return false
	}
}

// end stops the watcher when its context ends, so that a later Stop
// reports ErrStopped as the client's second Unsubscribe does.
func (w *Watcher[E]) end() { w.halt() }

// markWaiting records that the goroutine has put everything it took into
// the channel and waits, and wakes WaitSynced callers if there are any.
func (w *Watcher[E]) markWaiting() {
	w.waiting.Store(true)
	if w.syncWaiters.Load() == 0 {
		return
	}
	w.mu.Lock()
	close(w.syncCh)
	w.syncCh = make(chan struct{})
	w.mu.Unlock()
}

// WaitSynced blocks until the watcher has put into its channel every
// matching message up to stream sequence seq, the watcher has ended, or
// ctx is done (its error is returned). A watcher whose channel is full and
// not read does not get there.
func (w *Watcher[E]) WaitSynced(ctx context.Context, seq uint64) error {
	w.syncWaiters.Add(1)
	defer w.syncWaiters.Add(-1)
	for {
		w.mu.Lock()
		ch := w.syncCh
		w.mu.Unlock()
		// Caught up means waiting with nothing left up to seq; writes that
		// do not match the watcher do not wake it, so ask its consumer.
		// Position first: a holder of deliver clears waiting before it
		// takes a message, so seeing the message taken and then waiting
		// set means it was sent.
		if w.c.Position() >= seq && w.waiting.Load() {
			return nil
		}
		select {
		case <-ch:
		case <-w.done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
