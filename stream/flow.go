package stream

import "math/bits"

// FlowControlMaxPending is the most a push consumer with flow control lets
// its client owe it, in bytes (server/consumer.go: JsFlowControlMaxPending).
const FlowControlMaxPending = 32 * 1024 * 1024

// window is a consumer's flow control, as the server's push consumer keeps
// it (server/consumer.go: deliverMsg, needFlowControl, sendFlowControl,
// processFlowControl). Each message pushed counts its size against the
// window. Past half the window the server asks the client to acknowledge
// what it has sent so far (a "100 FlowControl Request" after the message),
// and past the whole window it stops sending. The client acknowledges once
// it has handed the message before the request to the application
// (nats.go: checkForFlowControlResponse): here, once the reader has taken
// it. The acknowledgement frees the bytes it covers and doubles the window,
// which starts at a sixteenth of the limit (setMaxPendingBytes: slow start).
//
// Not modelled: the server also puts the request's subject in the idle
// heartbeat it sends to a stalled consumer every 5 s, and the client
// answers that one at once, opening the window further over time.
type window struct {
	limit    int    // the server's pblimit; 0: no flow control
	overhead int    // counted per message besides its header and data
	maxpb    int    // the current window
	pbytes   int    // pushed and not acknowledged
	fcAt     uint64 // pushed count the outstanding request follows; 0: none
	fcsz     int    // bytes the outstanding request acknowledges
	pushed   uint64 // messages pushed, the server's delivery sequence
	pdigits  int    // digits of pushed
	nextPow  uint64 // the power of ten at which pushed gains a digit

	stalled bool   // full: parked, off the stream's notice, until acknowledged
	lagging bool   // resumed after a stall: num_pending counts the stream
	left    uint64 // while lagging: matching messages not yet pushed
}

func (w *window) init(limit, overhead int) {
	if limit <= 0 {
		return
	}
	w.limit, w.overhead = limit, overhead
	w.maxpb = max(limit/16, 1)
	w.nextPow = 1
}

// count adds m, just pushed with its pending count, to what the reader
// owes, and asks for an acknowledgement past half the window
// (needFlowControl). The server counts the deliver subject, the ack reply
// and the message (server/stream.go: jsPubMsg.size); the reply's variable
// part is three numbers: stream sequence, delivery sequence and pending
// ("$JS.ACK.<stream>.<consumer>.1.<sseq>.<dseq>.<nanos>.<pending>").
func (w *window) count(m *msg, pending uint64, hdrOnly bool) {
	if w.limit == 0 {
		return
	}
	w.pushed++
	if w.pushed == w.nextPow {
		w.pdigits++
		w.nextPow *= 10
	}
	sz := int(m.hlen) + w.overhead + digits(m.seq) + w.pdigits + digits(pending)
	if !hdrOnly {
		sz += int(m.dlen)
	}
	w.pbytes += sz
	if w.fcAt == 0 && w.pbytes > w.maxpb/2 {
		w.fcAt, w.fcsz = w.pushed, w.pbytes
	}
}

// full reports whether the server would send no more: pbytes > maxpb.
func (w *window) full() bool { return w.limit > 0 && w.pbytes > w.maxpb }

// ack is the client's answer to the outstanding request
// (processFlowControl).
func (w *window) ack() {
	w.maxpb = min(2*w.maxpb, w.limit)
	w.pbytes = max(w.pbytes-w.fcsz, 0)
	w.fcAt, w.fcsz = 0, 0
}

// acknowledge answers the outstanding request once the reader has taken
// the message it follows, and resumes a stalled consumer once its window
// has room.
func (c *Consumer) acknowledge() {
	w := &c.flow
	for w.fcAt != 0 && c.delivered >= w.fcAt {
		w.ack()
		if w.full() {
			// Messages larger than half the window: what is queued
			// acknowledges the rest.
			w.fcAt, w.fcsz = w.pushed, w.pbytes
		}
	}
	if w.stalled && !w.full() {
		c.s.unpark(c)
	}
}

// park takes a stalled consumer off the stream's index: stores and
// removals no longer concern it, so that it costs writers nothing however
// far behind it falls. It is a cursor from the first message it did not
// push.
func (s *Stream) park(c *Consumer) {
	if c.rd < c.rdEnd {
		c.spill(c.rdEnd, nil) // off the index, it no longer hears of drops
	}
	s.detach(c)
	c.flow.stalled = true
	c.live, c.idle = false, false
	if s.parked == nil {
		s.parked = make(map[*Consumer]struct{})
	}
	s.parked[c] = struct{}{}
}

// unpark puts a consumer whose window has room back on the stream's index,
// as a cursor that reads what the stream still holds. From then on it
// counts num_pending as the server does after a stall: the matching
// messages stored beyond each one pushed.
func (s *Stream) unpark(c *Consumer) {
	delete(s.parked, c)
	c.flow.stalled = false
	s.attach(c)
	c.flow.lagging = true
	from := c.sseq
	var n uint64
	if len(c.lss) > 0 {
		for _, seq := range c.lss {
			if s.get(seq) != nil {
				n++
			}
		}
		from = c.resume
	}
	c.flow.left = n + s.numPending(c.filters, from, false)
}

// digits returns the length of n in decimal, without dividing: it runs
// for every message pushed to every consumer.
func digits(n uint64) int {
	if n < 10 {
		return 1 // pending, most of the time
	}
	d := bits.Len64(n) * 1233 >> 12 // about log10(2) * bits
	if d < len(pow10) && n >= pow10[d] {
		d++
	}
	return d
}

var pow10 = [...]uint64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}
