package stream

import (
	"slices"
	"sync/atomic"
	"unsafe"

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
}

// Consumer is an ordered, ack-less consumer that delivers matching
// messages in sequence order. It starts as a cursor over the stream for
// the messages already stored; once it has caught up, the stream hands it
// each new matching message (a pointer, in a queue bounded as a client
// subscription is: RetainLimit, RetainBytesLimit) so that it never searches, however many other consumers there are.
// Writers never wait for it, and what it costs stays bounded however far
// behind its reader falls.
//
// It reports num_pending as the server does when it pushes each message as
// soon as it can, which is what a client sees whenever it is not flooded:
// the initial messages count down to 0, and a message stored later is
// pending 0 (SEMANTICS §6.3). For the same reason a message the stream
// drops before the consumer reads it (history eviction, purge, expiry) is
// still delivered, as the server would already have sent it: the consumer
// keeps such messages, up to the same limits, and beyond them skips the
// oldest, as the client's ordered consumer does when it falls behind.
type Consumer struct {
	s       *Stream
	filters []string
	all     bool // filters cover the whole stream
	literal bool // every filter is a literal subject
	hdrOnly bool

	ready chan struct{} // capacity 1: "there may be something to deliver"
	armed atomic.Bool   // its reader waits on ready: stores must signal it
	// notify, when set, is tried before signalling ready: the reader's
	// hook for taking the new messages on the writer's goroutine.
	notify func() bool

	// Guarded by s.mu.
	sseq      uint64   // the next sequence to consider (the server's o.sseq)
	start     uint64   // the first sequence the policy delivers
	npf       uint64   // stream last seq at creation: above it messages are live
	initLeft  uint64   // initial messages not yet delivered
	stuck     uint64   // live messages counted as pending but never deliverable
	lss       []uint64 // last-per-subject start list still to deliver
	resume    uint64   // where delivery continues after lss
	retained  msgQueue // dropped by the stream before delivery
	idle      bool     // scanned to the end; the next matching store moves sseq
	live      bool     // caught up: new messages arrive in queue
	queue     msgQueue // new matching messages
	delivered uint64
	closed    bool
	initial   uint64 // pending at creation, for the KV "initial values done" marker
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
	for _, f := range filters {
		c.all = c.all || s.coversAll(f)
		c.literal = c.literal && subject.Literal(f)
	}
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
	for _, f := range filters {
		cs, _ := s.consumers.Get(f)
		s.consumers.Set(f, append(cs, c))
	}
	s.cursors++
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
// only when the consumer is caught up with nothing queued.
func (c *Consumer) readyLocked() bool {
	return !c.live || c.queue.len() > 0
}

func (c *Consumer) deliverLocked() (Delivery, bool) {
	sm := c.nextLocked()
	if sm == nil {
		return Delivery{}, false
	}
	c.delivered++
	var pending uint64
	if sm.seq <= c.npf {
		if c.initLeft > 0 {
			c.initLeft--
		}
		pending = c.initLeft
	} else {
		pending = c.stuck
	}
	return Delivery{m: sm, hdrOnly: c.hdrOnly, Pending: pending}, true
}

// Delivered returns the number of messages delivered so far.
func (c *Consumer) Delivered() uint64 {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	return c.delivered
}

func (c *Consumer) nextLocked() *msg {
	s := c.s
	if c.live {
		if c.queue.len() == 0 {
			return nil
		}
		m := c.queue.pop()
		c.sseq = m.seq + 1
		return m
	}
	for len(c.lss) > 0 {
		seq := c.lss[0]
		c.lss = c.lss[1:]
		c.sseq = c.resume
		if len(c.lss) > 0 {
			c.sseq = c.lss[0]
		}
		if m := s.get(seq); m != nil {
			return m
		}
		if m := c.retained.take(seq); m != nil {
			return m
		}
	}
	var found *msg
	if !c.idle {
		if c.sseq <= s.lastSeq {
			found = c.scan()
		}
		if found == nil {
			c.sseq = max(c.sseq, s.lastSeq+1)
			c.idle = true
		}
	}
	if c.retained.len() > 0 && (found == nil || c.retained.front().seq < found.seq) {
		found = c.retained.pop()
	}
	if found != nil && found.seq >= c.sseq {
		c.sseq = found.seq + 1
	}
	if found == nil && c.idle {
		c.live = true // caught up: from now on the stream hands us messages
		s.cursors--
	}
	return found
}

// scan finds the first stored message at or after sseq that matches.
func (c *Consumer) scan() *msg {
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
			if i, _ := slices.BinarySearch(seqs, c.sseq); i < len(seqs) {
				if m := s.get(seqs[i]); m != nil && (found == nil || m.seq < found.seq) {
					found = m
				}
			}
		}
		return found
	}
	s.msgs.AscendFrom(c.sseq, func(m *msg) bool {
		if c.matches(m.subj) {
			found = m
			return false
		}
		return true
	})
	return found
}

// wants reports whether the consumer has yet to deliver m.
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
		if !c.live {
			s.cursors--
		}
		for _, f := range c.filters {
			cs, _ := s.consumers.Get(f)
			if i := slices.Index(cs, c); i >= 0 {
				cs = slices.Delete(cs, i, i+1)
			}
			if len(cs) == 0 {
				s.consumers.Delete(f)
			} else {
				s.consumers.Set(f, cs)
			}
		}
	}
	s.mu.Unlock()
	c.signal()
}

// stored updates the consumers whose filters match a new message. One
// stored past the creation point but before a start sequence beyond the
// end is counted as pending and never delivered, as on the server
// (SEMANTICS §6.3.4).
func (s *Stream) stored(m *msg) {
	taken := 0
	s.consumers.MatchFilters(m.subj, func(_ string, cs []*Consumer) bool {
		taken += len(cs)
		for _, c := range cs {
			if m.seq > c.npf && m.seq < c.start {
				c.stuck++
				continue
			}
			if c.live {
				c.queue.add(m)
			} else if c.idle && len(c.lss) == 0 {
				c.idle = false
				if c.sseq < m.seq {
					c.sseq = m.seq // everything between did not match
				}
			}
			if c.armed.Load() && c.armed.Swap(false) {
				s.wake = append(s.wake, c)
			}
		}
		return true
	})
	if taken < 2 {
		m.memo = unsafe.Pointer(&unshared) // not yet read by anyone: no race
	}
}

// removed hands a dropped message to the consumers that had yet to
// deliver it.
func (s *Stream) removed(m *msg) {
	if s.cursors == 0 {
		return // live consumers hold what they have yet to deliver
	}
	s.consumers.MatchFilters(m.subj, func(_ string, cs []*Consumer) bool {
		for _, c := range cs {
			if !c.live && c.wants(m) {
				c.retained.add(m)
			}
		}
		return true
	})
}
