package stream

import (
	"slices"
	"sync/atomic"

	"github.com/jetsim/jetsim/subject"
)

// DeliverPolicy is where an ordered consumer starts.
type DeliverPolicy int

// Deliver policies, with the meaning of the server's.
const (
	DeliverAll DeliverPolicy = iota
	DeliverLast
	DeliverNew
	DeliverByStartSequence
	DeliverLastPerSubject
)

// ConsumerConfig configures an ordered consumer.
type ConsumerConfig struct {
	FilterSubjects []string // none means every subject
	DeliverPolicy  DeliverPolicy
	OptStartSeq    uint64 // for DeliverByStartSequence
	HeadersOnly    bool   // deliver no data, as the server's headers_only

	// MaxPendingBytes, when positive, gives the consumer a push
	// consumer's flow control: it holds for its reader at most a window
	// of bytes handed over and not yet acknowledged, and past it stops
	// taking messages from the stream until its reader catches up (see
	// flow.go). FlowControlMaxPending is the server's figure; 0 means no
	// window, only the pending limits RetainLimit and RetainBytesLimit.
	MaxPendingBytes int
	// MsgOverhead is what each message counts against the window besides
	// its header, its data and the digits of the three numbers in its ack
	// reply: the deliver subject and the rest of the ack reply the server
	// sends with it (server/stream.go: jsPubMsg.size).
	MsgOverhead int
}

// Consumer is an ordered, ack-less consumer that delivers matching
// messages in sequence order. It models the server's push consumer, which
// sends each message as soon as it can: the messages it has pushed wait in
// a queue for its reader (a client subscription's pending list), and the
// rest are read from the stream when their turn comes. It starts as a
// cursor over the stream for the messages already stored; once it has
// caught up, the stream hands it each new matching message (a pointer) so
// that it never searches, however many other consumers there are. A
// consumer that takes every message and has a window has nothing to
// search for: caught up, it reads what it was pushed from the stream's
// log by position, and a store costs the writer only its window count. A
// message the stream drops before the consumer reached it is pushed at
// that moment, as the server would already have sent it.
//
// Writers never wait for it, and what it costs stays bounded however far
// behind its reader falls: by its flow-control window (MaxPendingBytes),
// past which it leaves the stream's notice and is a cursor that resumes
// once its reader has caught up, skipping what the stream no longer holds
// (SEMANTICS §6.5.2); without one, by RetainLimit and RetainBytesLimit.
//
// It reports num_pending as the server does when it pushes each message as
// soon as it can, which is what a client sees whenever it is not flooded:
// the initial messages count down to 0, and a message stored later is
// pending 0 (SEMANTICS §6.3). After a stall, it counts what the stream
// holds beyond each message, as the server does when it resumes.
type Consumer struct {
	s       *Stream
	filters []string
	all     bool // filters cover the whole stream
	// byLog: caught up, it reads what the stream pushed it from the
	// stream's own log rather than a queue (see unread). For consumers
	// that take every message and have flow control, whose window bounds
	// how far behind the log they fall.
	byLog   bool
	literal bool // every filter is a literal subject
	hdrOnly bool

	ready chan struct{} // capacity 1: "there may be something to deliver"
	armed atomic.Bool   // its reader waits on ready: stores must signal it
	// notify, when set, is tried before signalling ready: the reader's
	// hook for taking the new messages on the writer's goroutine.
	notify func() bool

	// Guarded by s.mu.
	sseq     uint64   // the next sequence to push (the server's o.sseq)
	start    uint64   // the first sequence the policy delivers
	npf      uint64   // stream last seq at creation: above it messages are live
	initLeft uint64   // initial messages not yet pushed
	stuck    uint64   // live messages counted as pending but never deliverable
	lss      []uint64 // last-per-subject start list still to push
	resume   uint64   // where pushing continues after lss
	idle     bool     // scanned to the end; the next matching store moves sseq
	live     bool     // caught up: the stream pushes new messages into queue
	queue    msgQueue // pushed, not yet taken by the reader
	// unread is [rd, rdEnd): messages pushed, not yet taken, and still in
	// the stream, after those in queue. A byLog consumer's store costs the
	// writer a window count instead of a queue entry (BenchmarkFanOut/all:
	// the writer's queue entries were a fifth of the time at W=1000); the
	// stream moves a message it drops from there to queue (spill).
	rd, rdEnd uint64
	rdSlot    int // where rd may be in the stream's index (seqIndex.Next)
	delivered uint64
	closed    bool
	initial   uint64 // pending at creation, for the KV "initial values done" marker
	flow      window
}

// NewConsumer creates an ordered consumer. Overlapping filters give the
// server's 10138 error.
func (s *Stream) NewConsumer(cfg ConsumerConfig) (*Consumer, error) {
	filters := slices.Clone(cfg.FilterSubjects)
	if len(filters) == 0 {
		filters = []string{subject.Tail}
	}
	for i := range filters {
		for j := i + 1; j < len(filters); j++ {
			if subject.Overlap(filters[i], filters[j]) {
				return nil, ErrOverlappingFilters
			}
		}
	}
	c := &Consumer{s: s, filters: filters, hdrOnly: cfg.HeadersOnly, ready: make(chan struct{}, 1), literal: true}
	c.flow.init(cfg.MaxPendingBytes, cfg.MsgOverhead)
	for _, f := range filters {
		c.all = c.all || s.coversAll(f)
		c.literal = c.literal && subject.Literal(f)
	}
	c.byLog = c.all && c.flow.limit > 0
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	c.npf = s.lastSeq
	switch cfg.DeliverPolicy {
	case DeliverAll:
		c.sseq = s.firstSeq
		c.initLeft = s.numPending(filters, c.sseq, false)
	case DeliverByStartSequence:
		c.sseq = max(cfg.OptStartSeq, 1)
		c.initLeft = s.numPending(filters, c.sseq, false)
	case DeliverNew:
		c.sseq = s.lastSeq + 1
	case DeliverLast:
		seqs := s.lastSeqs(filters)
		if len(cfg.FilterSubjects) == 0 {
			// Unfiltered, the server starts at the stream's last sequence
			// even when that message is gone (server/consumer.go:
			// selectStartingSeqNo).
			seqs = seqs[:0]
			if s.get(s.lastSeq) != nil {
				seqs = append(seqs, s.lastSeq)
			}
		}
		c.sseq = s.lastSeq + 1
		if len(seqs) > 0 {
			c.sseq = seqs[len(seqs)-1]
			c.initLeft = 1
		}
	case DeliverLastPerSubject:
		c.lss = s.lastSeqs(filters)
		c.initLeft = uint64(len(c.lss))
		c.resume = s.lastSeq + 1
		c.sseq = c.resume
		if len(c.lss) > 0 {
			c.sseq = c.lss[0]
		}
	}
	c.start = c.sseq
	c.initial = c.initLeft
	s.attach(c)
	return c, nil
}

// InitialPending returns num_pending at creation: the number of messages
// the consumer had to deliver when it was made.
func (c *Consumer) InitialPending() uint64 { return c.initial }

// Gone returns a channel that is closed when the consumer's stream is
// closed.
func (c *Consumer) Gone() <-chan struct{} { return c.s.gone }

// Ready returns a channel that receives when new messages may be ready.
// It is also signalled when the consumer or its stream is closed.
func (c *Consumer) Ready() <-chan struct{} { return c.ready }

// SetNotify sets a hook that a writer calls, after releasing the stream
// lock, instead of signalling Ready when it stored a message for the armed
// consumer. The hook may take messages (Next, NextBatch) but must not
// block; if it returns false the writer signals Ready as usual.
func (c *Consumer) SetNotify(f func() bool) {
	c.s.mu.Lock()
	c.notify = f
	c.s.mu.Unlock()
}

// Wake signals Ready, so that a goroutine waiting on it looks again (for
// example at a stop flag of its own).
func (c *Consumer) Wake() { c.signal() }

func (c *Consumer) signal() {
	select {
	case c.ready <- struct{}{}:
	default:
	}
}

// Next returns the next message for the consumer and the number of
// matching messages still to deliver after it, or ok=false when there is
// none now. With HeadersOnly the data is nil. It returns ErrClosed once
// the consumer or its stream is closed.
func (c *Consumer) Next() (m Msg, pending uint64, err error) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.closed || s.closed {
		return Msg{}, 0, ErrClosed
	}
	d, _ := c.deliverLocked()
	return d.Msg(), d.Pending, nil
}

// Delivery is one message handed out by a consumer, with the number of
// matching messages still pending after it.
// It refers to the stored message: taking one out under the stream lock
// copies three words, and the reader builds the view (Msg) or finds the
// message's memo (DeliveryMemo) after the lock is released.
type Delivery struct {
	m       *msg
	hdrOnly bool
	Pending uint64
}

// Msg returns the delivered message (the zero Msg for none). With
// HeadersOnly its data is nil.
func (d *Delivery) Msg() Msg {
	if d.m == nil {
		return Msg{}
	}
	v := d.m.view()
	if d.hdrOnly {
		v.Data, v.ref = nil, nil
	}
	return v
}

// DeliveryMemo is Memo(d.Msg(), build), without building the view when
// the message already has its memo.
func DeliveryMemo[T any](d *Delivery, build func(Msg) *T) *T {
	if !d.hdrOnly && d.m != nil {
		if p := atomic.LoadPointer(&d.m.memo); isMemo(p) {
			return (*T)(p)
		}
	}
	return Memo(d.Msg(), build)
}

// NextBatch appends to dst up to max messages that are ready, in order,
// taking the stream lock once. When there are none it arms the consumer
// in the same step: the next matching store signals Ready (or calls the
// notify hook), so the caller may wait on Ready at once. Until then stores
// do not signal, which saves a channel operation per consumer per message
// while its reader is busy. It returns ErrClosed once the consumer or its
// stream is closed.
func (c *Consumer) NextBatch(dst []Delivery, max int) ([]Delivery, error) {
	dst, _, err := c.nextBatch(dst, max, false)
	return dst, err
}

// Drain is NextBatch for a caller that will not look again soon: it arms
// the consumer whenever it leaves nothing ready, even when it took
// messages, and reports whether it did. A writer handing messages over
// inline saves a second look under the stream lock this way.
func (c *Consumer) Drain(dst []Delivery, max int) (_ []Delivery, armed bool, err error) {
	return c.nextBatch(dst, max, true)
}

func (c *Consumer) nextBatch(dst []Delivery, max int, drain bool) ([]Delivery, bool, error) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.closed || s.closed {
		return dst, false, ErrClosed
	}
	n := len(dst)
	for i := 0; i < max; i++ {
		d, ok := c.deliverLocked()
		if !ok {
			break
		}
		dst = append(dst, d)
	}
	if len(dst) == n || drain && !c.readyLocked() {
		c.armed.Store(true)
		return dst, true, nil
	}
	return dst, false, nil
}

// readyLocked reports whether a message may be ready to deliver: false
// only when the consumer is caught up or stalled with nothing queued.
func (c *Consumer) readyLocked() bool {
	return c.queue.len() > 0 || c.rd < c.rdEnd || !c.live && !c.flow.stalled
}

// deliverLocked hands the reader the oldest pushed message, or pushes the
// next one from the stream straight to it when none waits.
func (c *Consumer) deliverLocked() (Delivery, bool) {
	var m *msg
	var pending uint64
	switch {
	case c.queue.len() > 0:
		m, pending = c.queue.pop()
	case c.rd < c.rdEnd:
		m, pending = c.takeUnread(), c.stuck
	case c.live || c.flow.stalled:
		return Delivery{}, false
	default:
		if m = c.advance(noBound); m == nil {
			return Delivery{}, false
		}
		pending = c.pendingOf(m)
		c.flow.count(m, pending, c.hdrOnly)
	}
	c.delivered++
	c.acknowledge()
	if !c.flow.stalled && c.flow.full() {
		c.s.park(c)
	}
	return Delivery{m: m, hdrOnly: c.hdrOnly, Pending: pending}, true
}

// Delivered returns the number of messages delivered so far.
func (c *Consumer) Delivered() uint64 {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	return c.delivered
}

// push queues m for the reader with its pending count, as the server
// sends it, and reports whether the window is now full: the caller then
// parks the consumer once it may change the stream's index (Stream.park).
func (c *Consumer) push(m *msg) bool {
	pending := c.pendingOf(m)
	c.queue.add(m, pending)
	c.flow.count(m, pending, c.hdrOnly)
	return c.flow.full()
}

// pushLog is push for a byLog consumer: the message stays in the stream's
// log, in unread, and only its window count is the consumer's. Live, its
// pending count is stuck, as push's.
func (c *Consumer) pushLog(m *msg) bool {
	if c.rd >= c.rdEnd {
		c.rd = m.seq
		c.s.unread++
	}
	c.rdEnd = m.seq + 1
	c.flow.count(m, c.stuck, c.hdrOnly)
	return c.flow.full()
}

// takeUnread returns the first unread message; unread must not be empty.
// Every sequence in it is stored: the stream spills what it drops.
func (c *Consumer) takeUnread() *msg {
	m, i := c.s.msgs.Next(c.rd, c.rdSlot)
	c.rd, c.rdSlot = m.seq+1, i+1
	if c.rd >= c.rdEnd {
		c.rd = c.rdEnd
		c.s.unread--
	}
	return m
}

// spill moves the unread messages below sequence below to queue, with
// dropped, the stream's message at below that it is dropping (nil for
// none), as the server had already pushed them.
func (c *Consumer) spill(below uint64, dropped *msg) {
	s := c.s
	s.msgs.AscendFrom(c.rd, func(m *msg) bool {
		if m.seq >= below {
			return false
		}
		c.queue.add(m, c.stuck)
		return true
	})
	c.rd = c.rdEnd
	if dropped != nil {
		c.queue.add(dropped, c.stuck)
		c.rd = min(dropped.seq+1, c.rdEnd)
	}
	if c.rd >= c.rdEnd {
		s.unread--
	}
}

// pendingOf returns num_pending for m, pushed now, in sequence order.
func (c *Consumer) pendingOf(m *msg) uint64 {
	switch {
	case c.live:
		return c.stuck
	case c.flow.lagging:
		if c.flow.left > 0 {
			c.flow.left--
		}
		return c.stuck + c.flow.left
	case m.seq <= c.npf:
		if c.initLeft > 0 {
			c.initLeft--
		}
		return c.initLeft
	}
	return c.stuck
}

// noBound is advance's bound for "up to the end of the stream".
const noBound = ^uint64(0)

// advance moves the cursor to the next stored message it delivers below
// sequence below and returns it, or returns nil with the cursor past
// everything it found below. Reaching the end of the stream with no bound,
// the consumer is caught up and goes live.
func (c *Consumer) advance(below uint64) *msg {
	s := c.s
	for len(c.lss) > 0 {
		seq := c.lss[0]
		if seq >= below {
			return nil
		}
		c.lss = c.lss[1:]
		c.sseq = c.resume
		if len(c.lss) > 0 {
			c.sseq = c.lss[0]
		}
		if m := s.get(seq); m != nil {
			return m
		}
	}
	if !c.idle {
		if c.sseq <= s.lastSeq && c.sseq < below {
			if m := c.scan(below); m != nil {
				c.sseq = m.seq + 1
				return m
			}
		}
		if below <= s.lastSeq {
			c.sseq = max(c.sseq, below)
			return nil
		}
		c.sseq = max(c.sseq, s.lastSeq+1)
		c.idle = true
	}
	if below == noBound {
		c.live = true // caught up: from now on the stream pushes to us
		c.flow.lagging = false
		s.cursors--
	}
	return nil
}

// scan finds the first stored message at or after sseq and below below
// that matches.
func (c *Consumer) scan(below uint64) *msg {
	s := c.s
	var found *msg
	if c.literal {
		for _, f := range c.filters {
			ss := s.subjects.Ref(f)
			if ss == nil {
				continue
			}
			var one [1]uint64
			seqs := ss.list(&one)
			if i, _ := slices.BinarySearch(seqs, c.sseq); i < len(seqs) && seqs[i] < below {
				if m := s.get(seqs[i]); m != nil && (found == nil || m.seq < found.seq) {
					found = m
				}
			}
		}
		return found
	}
	s.msgs.AscendFrom(c.sseq, func(m *msg) bool {
		if m.seq >= below {
			return false
		}
		if c.matches(m.subj) {
			found = m
			return false
		}
		return true
	})
	return found
}

// wants reports whether the consumer has yet to push m.
func (c *Consumer) wants(m *msg) bool {
	if len(c.lss) > 0 {
		if m.seq >= c.resume {
			return true
		}
		_, ok := slices.BinarySearch(c.lss, m.seq)
		return ok
	}
	return m.seq >= c.sseq
}

func (c *Consumer) matches(subj string) bool {
	if c.all {
		return true
	}
	for _, f := range c.filters {
		if subject.Match(subj, f) {
			return true
		}
	}
	return false
}

// Close removes the consumer from its stream and signals Ready.
func (c *Consumer) Close() {
	s := c.s
	s.mu.Lock()
	if !c.closed {
		c.closed = true
		if c.rd < c.rdEnd {
			c.rd = c.rdEnd
			s.unread--
		}
		if c.flow.stalled {
			delete(s.parked, c)
		} else {
			s.detach(c)
		}
	}
	s.mu.Unlock()
	c.signal()
}
