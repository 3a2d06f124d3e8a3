package stream

import (
	"slices"

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

// Consumer is an ordered, ack-less consumer: a cursor over the stream that
// delivers matching messages in sequence order with the server's
// num_pending. The stream never queues messages for it, so a consumer that
// falls behind costs no memory and skips what the stream no longer holds;
// writers only bump its pending count and signal it.
type Consumer struct {
	s       *Stream
	filters []string
	all     bool // filters cover the whole stream
	literal bool // every filter is a literal subject
	hdrOnly bool

	ready chan struct{} // capacity 1: "there may be something to deliver"

	// Guarded by s.mu.
	sseq      uint64   // the next sequence to consider (the server's o.sseq)
	npf       uint64   // stream last seq when pending was computed
	pending   int64    // the server's npc
	lss       []uint64 // last-per-subject start list still to deliver
	resume    uint64   // where delivery continues after lss
	idle      bool     // scanned to the end; the next matching store moves sseq
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
		c.pending = int64(s.numPending(filters, c.sseq, false))
	case DeliverByStartSequence:
		c.sseq = max(cfg.OptStartSeq, 1)
		c.pending = int64(s.numPending(filters, c.sseq, false))
	case DeliverNew:
		c.sseq = s.lastSeq + 1
	case DeliverLast:
		seqs := s.lastSeqs(filters)
		c.sseq = s.lastSeq + 1
		if len(seqs) > 0 {
			c.sseq = seqs[len(seqs)-1]
			c.pending = 1
		}
	case DeliverLastPerSubject:
		c.lss = s.lastSeqs(filters)
		c.pending = int64(len(c.lss))
		c.resume = s.lastSeq + 1
		c.sseq = c.resume
		if len(c.lss) > 0 {
			c.sseq = c.lss[0]
		}
	}
	c.initial = uint64(c.pending)
	for _, f := range filters {
		cs, _ := s.consumers.Get(f)
		s.consumers.Set(f, append(cs, c))
	}
	return c, nil
}

// InitialPending returns num_pending at creation: the number of messages
// the consumer had to deliver when it was made.
func (c *Consumer) InitialPending() uint64 { return c.initial }

// Ready returns a channel that receives when new messages may be ready.
// It is also signalled when the consumer or its stream is closed.
func (c *Consumer) Ready() <-chan struct{} { return c.ready }

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
	sm := c.nextLocked()
	if sm == nil {
		return Msg{}, 0, nil
	}
	c.delivered++
	if c.pending > 0 {
		c.pending--
	}
	m = sm.view()
	if c.hdrOnly {
		m.Data = nil
	}
	return m, uint64(c.pending), nil
}

// Delivered returns the number of messages delivered so far.
func (c *Consumer) Delivered() uint64 {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	return c.delivered
}

func (c *Consumer) nextLocked() *msg {
	s := c.s
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
	}
	if c.idle || c.sseq > s.lastSeq {
		c.idle = true
		return nil
	}
	var found *msg
	if c.literal {
		for _, f := range c.filters {
			ss, ok := s.subjects.Get(f)
			if !ok {
				continue
			}
			if i, _ := slices.BinarySearch(ss.seqs, c.sseq); i < len(ss.seqs) {
				if m := s.get(ss.seqs[i]); m != nil && (found == nil || m.seq < found.seq) {
					found = m
				}
			}
		}
	} else {
		s.probe.seq = c.sseq
		s.msgs.AscendGreaterOrEqual(&s.probe, func(m *msg) bool {
			if c.matches(m.subj) {
				found = m
				return false
			}
			return true
		})
	}
	if found == nil {
		c.sseq = s.lastSeq + 1
		c.idle = true
		return nil
	}
	c.sseq = found.seq + 1
	return found
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

// stored updates the consumers whose filters match a new message: the
// server's processStreamSignal counts it as pending when it is past npf.
func (s *Stream) stored(m *msg) {
	s.consumers.MatchFilters(m.subj, func(_ string, cs []*Consumer) bool {
		for _, c := range cs {
			if m.seq > c.npf {
				c.pending++
			}
			if c.idle && len(c.lss) == 0 {
				c.idle = false
				if c.sseq < m.seq {
					c.sseq = m.seq // everything between did not match
				}
			}
			s.wake = append(s.wake, c)
		}
		return true
	})
}

// removed updates the consumers whose filters match a removed message: the
// server's decStreamPending drops it from pending when it was not yet
// delivered.
func (s *Stream) removed(m *msg) {
	s.consumers.MatchFilters(m.subj, func(_ string, cs []*Consumer) bool {
		for _, c := range cs {
			if m.seq >= c.sseq && c.pending > 0 {
				c.pending--
			}
		}
		return true
	})
}
