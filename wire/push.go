package wire

import (
	"crypto/rand"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/jetsim/jetsim/stream"
)

// This file is the push consumer: it delivers a stream.Consumer's messages
// to a deliver subject with the server's ack-subject tokens, under the
// server's flow control, with idle heartbeats (server/consumer.go:
// deliverMsg, needFlowControl, processFlowControl, sendIdleHeartbeat).
// It is what a KV watcher's ordered consumer talks to (SEMANTICS §6.1);
// the client reads Delta from the ack subject's pending token (§6.3) and
// recreates the consumer on a gap or missing heartbeats (§6.5).
//
// Messages go out on the goroutine that makes them deliverable: the writer
// that stores one (the stream.Consumer's notify hook, which a writer calls
// when it wakes few consumers), the client whose flow-control answer opens
// the window, the request that creates the consumer, the heartbeat timer,
// or the consumer's own goroutine, which waits on Ready for the stores
// that leave the work to it. Whoever finds another delivering leaves a
// note and returns, so no writer ever waits.

// Flow control window (server/consumer.go: JsFlowControlMaxPending and
// setMaxPendingBytes): it starts at 1/16 of the limit and doubles with
// each answer.
const (
	fcLimit = 32 << 20
	fcStart = fcLimit / 16
)

// batchSize is how many messages one look at the stream takes.
const batchSize = 32

// interestPoll is how soon a consumer whose deliver subject lost its
// subscriber looks again: a client that reconnects resubscribes at once,
// and the server resumes when it does (server/consumer.go: updateDeliveryInterest).
const interestPoll = 20 * time.Millisecond

// pushConsumer is an ephemeral push consumer without acks.
type pushConsumer struct {
	js      *jetStream
	key     consumerKey
	st      *stream.Stream
	cfg     nats.ConsumerConfig
	filters []string
	initial uint64 // num_pending at creation
	created time.Time
	deliver string
	ackPre  string // "$JS.ACK.<stream>.<consumer>.1."
	fcPre   string // "$JS.FC.<stream>.<consumer>."

	want    atomic.Bool   // someone asked for a delivery round
	done    chan struct{} // closed by stop
	once    sync.Once
	resumed chan struct{} // signalled when a parked consumer resumes

	mu     sync.Mutex       // held by whoever delivers
	sc     *stream.Consumer // nil while parked (see park)
	closed bool
	gone   bool          // its stream is gone: kick removes it
	dseq   uint64        // consumer sequence of the last delivery
	sseq   uint64        // stream sequence of the last delivery
	last   time.Time     // time of the last delivery, zero for none
	sent   bool          // something went out since the last heartbeat tick
	idle   time.Duration // how long nobody has listened on the deliver subject
	pbytes int           // bytes delivered since the flow-control answer
	maxpb  int           // window
	fcsz   int           // pbytes when the pending flow-control request went out
	fcid   string        // its reply subject, "" for none
	hb     stream.Timer
	poll   stream.Timer // pending look for interest, nil for none
	buf    []stream.Delivery
	out    []Msg // deliveries made and not yet routed (see flush)
}

func newPushConsumer(js *jetStream, key consumerKey, st *stream.Stream, sc *stream.Consumer, cfg nats.ConsumerConfig, filters []string, start uint64, created time.Time) *pushConsumer {
	c := &pushConsumer{
		js: js, key: key, st: st, sc: sc, cfg: cfg, filters: filters, created: created,
		initial: sc.InitialPending(),
		resumed: make(chan struct{}, 1),
		deliver: cfg.DeliverSubject,
		ackPre:  "$JS.ACK." + key.stream + "." + key.name + ".1.",
		fcPre:   "$JS.FC." + key.stream + "." + key.name + ".",
		sseq:    start - 1,
		done:    make(chan struct{}),
	}
	if cfg.FlowControl {
		c.maxpb = fcStart
	}
	sc.SetNotify(func() bool { c.kick(); return true })
	return c
}

// heartbeatClock is the clock of heartbeats and of the inactive threshold.
// It is the real clock whatever the backend's: the client's check for
// missing heartbeats runs on real time (nats.go js.go: activityCheck), so a
// fake clock that nobody advances must not silence them. Inside a
// testing/synctest bubble it is the bubble's time.
var heartbeatClock stream.Clock = stream.SystemClock{}

// begin starts delivery, the consumer's goroutine and the heartbeat timer,
// once the create reply is out. The goroutine is counted in js.wg when
// the consumer is registered.
func (c *pushConsumer) begin() {
	c.mu.Lock()
	if !c.closed {
		c.schedule()
	}
	c.mu.Unlock()
	go c.run()
	c.kick()
}

// run delivers whenever a store signals Ready, until stop.
func (c *pushConsumer) run() {
	defer c.js.wg.Done()
	for {
		c.mu.Lock()
		var ready <-chan struct{}
		if c.sc != nil {
			ready = c.sc.Ready()
		}
		c.unlock()
		select {
		case <-ready:
			c.kick()
		case <-c.resumed:
		case <-c.done:
			return
		}
	}
}

// tickEvery is the period of the heartbeat timer: the idle heartbeat, or
// the inactive threshold for a consumer without heartbeats.
func (c *pushConsumer) tickEvery() time.Duration {
	if c.cfg.Heartbeat > 0 {
		return c.cfg.Heartbeat
	}
	return c.cfg.InactiveThreshold
}

func (c *pushConsumer) schedule() {
	c.hb = heartbeatClock.AfterFunc(c.tickEvery(), c.tick)
}

// tick sends an idle heartbeat when nothing went out since the last tick,
// deletes the consumer once nobody has listened on its deliver subject for
// the inactive threshold (server/consumer.go: deleteNotActive), and resumes
// a delivery that waited for interest.
func (c *pushConsumer) tick() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	if !c.js.s.hasInterest(c.deliver) {
		c.idle += c.tickEvery()
		if c.idle >= c.cfg.InactiveThreshold {
			c.mu.Unlock()
			c.js.remove(c)
			return
		}
	} else {
		c.idle = 0
		if !c.sent && c.cfg.Heartbeat > 0 {
			c.heartbeatLocked()
		}
	}
	c.sent = false
	c.schedule()
	c.mu.Unlock()
	c.kick()
}

// heartbeatLocked sends "100 Idle Heartbeat" with the last sequences, and
// the pending flow-control subject when stalled on it.
func (c *pushConsumer) heartbeatLocked() {
	hdr := "NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: " + strconv.FormatUint(c.dseq, 10) +
		"\r\nNats-Last-Stream: " + strconv.FormatUint(c.sseq, 10) + "\r\n"
	if c.fcid != "" {
		hdr += "Nats-Consumer-Stalled: " + c.fcid + "\r\n"
	}
	c.js.s.publish(&Msg{Subject: c.deliver, Header: []byte(hdr + "\r\n"), Deliver: c.deliver})
}

// kick delivers what is ready, or leaves it to whoever holds c.mu now.
func (c *pushConsumer) kick() {
	c.want.Store(true)
	for c.want.Load() {
		if !c.mu.TryLock() {
			return // the holder sees want after it unlocks
		}
		c.want.Store(false)
		c.deliverLocked()
		gone := c.gone
		c.mu.Unlock()
		if gone {
			c.js.remove(c)
			return
		}
	}
}

// unlock releases c.mu for a holder that does not deliver: the
// consumer's goroutine, an info request. A kick that found c.mu held left
// its note in want and returned, so the holder must take it up: a writer's
// kick is the only notice of its message (the stream.Consumer was disarmed
// for it and Ready is not signalled), and a plain Unlock would leave the
// message undelivered until the next heartbeat tick, 5 s for a KV watcher.
func (c *pushConsumer) unlock() {
	c.mu.Unlock()
	if c.want.Load() {
		c.kick()
	}
}

// deliverLocked sends messages until none is ready, the flow-control
// window is full, or nobody listens on the deliver subject.
func (c *pushConsumer) deliverLocked() {
	for !c.closed {
		if c.maxpb > 0 && c.pbytes > c.maxpb {
			c.park()
			return // stalled until the client answers flow control
		}
		if c.sc == nil && !c.unpark() {
			return
		}
		if !c.js.s.hasInterest(c.deliver) {
			if c.poll == nil {
				c.poll = heartbeatClock.AfterFunc(interestPoll, c.repoll)
			}
			return
		}
		batch, armed, err := c.sc.Drain(c.buf[:0], batchSize)
		if err != nil {
			c.closed, c.gone = true, true
			return
		}
		for i := range batch {
			c.send(&batch[i])
		}
		c.flush()
		clear(batch)
		c.buf = batch[:0]
		if armed || len(batch) == 0 {
			return
		}
	}
}

// park lets go of the stream.Consumer of a consumer stalled on flow
// control, so that however long its client takes to answer, it holds no
// messages and costs writers nothing; unpark resumes it from the stream
// after its last delivery, as the server's consumer reads on from the
// store. The initial last-per-subject replay is not parked: a new
// consumer from a sequence would deliver older revisions too. c.mu is
// held.
func (c *pushConsumer) park() {
	if c.sc == nil || (c.cfg.DeliverPolicy == nats.DeliverLastPerSubjectPolicy && c.dseq < c.initial) {
		return
	}
	c.sc.Close()
	c.sc = nil
}

// unpark gives a parked consumer a new stream.Consumer from the sequence
// after its last delivery and reports whether it could. c.mu is held.
func (c *pushConsumer) unpark() bool {
	sc, err := c.st.NewConsumer(stream.ConsumerConfig{FilterSubjects: c.filters, DeliverPolicy: stream.DeliverByStartSequence, OptStartSeq: c.sseq + 1})
	if err != nil {
		c.closed, c.gone = true, true
		return false
	}
	sc.SetNotify(func() bool { c.kick(); return true })
	c.sc = sc
	select {
	case c.resumed <- struct{}{}:
	default:
	}
	return true
}

// repoll looks again for interest and ready messages.
func (c *pushConsumer) repoll() {
	c.mu.Lock()
	c.poll = nil
	c.mu.Unlock()
	c.kick()
}

// send makes one delivery, with its ack reply, for flush to route:
// $JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<unix nanos>.<pending>.
func (c *pushConsumer) send(d *stream.Delivery) {
	m := d.Msg()
	c.dseq++
	c.sseq = m.Seq
	var b strings.Builder
	b.Grow(len(c.ackPre) + 64)
	b.WriteString(c.ackPre)
	b.WriteString(strconv.FormatUint(m.Seq, 10))
	b.WriteByte('.')
	b.WriteString(strconv.FormatUint(c.dseq, 10))
	b.WriteByte('.')
	b.WriteString(strconv.FormatInt(m.Time.UnixNano(), 10))
	b.WriteByte('.')
	b.WriteString(strconv.FormatUint(d.Pending, 10))
	reply := b.String()
	hdr, data := m.Header, m.Data
	if c.cfg.HeadersOnly {
		hdr, data = headersOnly(hdr, len(data)), nil
	}
	c.out = append(c.out, Msg{Subject: m.Subject, Reply: reply, Header: hdr, Data: data, Deliver: c.deliver})
	c.sent = true
	c.last = c.js.now()
	if c.maxpb == 0 {
		return
	}
	sz := len(c.deliver) + len(reply) + len(hdr) + len(data)
	c.pbytes += sz
	switch {
	case c.fcid == "" && c.pbytes > c.maxpb/2:
		c.fcid = c.fcPre + fcToken()
		c.fcsz = c.pbytes
		c.flush() // the request follows the message that crossed the half
		c.js.s.publish(&Msg{Subject: c.deliver, Reply: c.fcid, Header: []byte("NATS/1.0 100 FlowControl Request\r\n\r\n"), Deliver: c.deliver})
	case c.fcid != "" && c.pbytes-c.fcsz >= c.maxpb:
		c.fcsz += sz
	}
}

// flush routes the deliveries send made, in one go: one match of the
// deliver subject and one append to its subscriber for the batch, rather
// than one each per message. Their bytes are the stored message's, which
// stay valid until the batch is cleared. c.mu is held.
func (c *pushConsumer) flush() {
	c.js.s.publishDeliveries(c.deliver, c.out)
	clear(c.out)
	c.out = c.out[:0]
}

// headersOnly is the header of a headers-only delivery: the stored one
// with the payload's size added (server/consumer.go: convertToHeadersOnly).
func headersOnly(hdr []byte, size int) []byte {
	h := make([]byte, 0, len(hdr)+40)
	// A block too short to end in a blank line (a client's HPUB may store
	// one) counts as none; the server would panic on it in
	// bytes.Buffer.Truncate.
	if len(hdr) <= 2 {
		h = append(h, "NATS/1.0\r\n"...)
	} else {
		h = append(h, hdr[:len(hdr)-2]...)
	}
	h = append(h, "Nats-Msg-Size: "...)
	h = strconv.AppendInt(h, int64(size), 10)
	return append(h, "\r\n\r\n"...)
}

// fcToken is the 4 random characters ending a flow-control subject.
func fcToken() string {
	const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	var b [4]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = digits[int(b[i])%len(digits)]
	}
	return string(b[:])
}

// flowControlReply handles a client's answer on $JS.FC.<stream>.<consumer>.<token>:
// the answer to the latest request opens the window and doubles it up to
// the limit.
func (js *jetStream) flowControlReply(m *Msg) {
	rest := strings.TrimPrefix(m.Subject, "$JS.FC.")
	streamName, rest, _ := strings.Cut(rest, ".")
	name, _, _ := strings.Cut(rest, ".")
	js.mu.Lock()
	c := js.consumers[consumerKey{streamName, name}]
	js.mu.Unlock()
	if c == nil {
		return
	}
	c.mu.Lock()
	if m.Subject != c.fcid {
		c.unlock()
		return
	}
	c.maxpb = min(c.maxpb*2, fcLimit)
	c.pbytes = max(c.pbytes-c.fcsz, 0)
	c.fcid, c.fcsz = "", 0
	c.mu.Unlock()
	c.kick()
}

// stop ends the consumer and its goroutine.
func (c *pushConsumer) stop() {
	c.once.Do(func() { close(c.done) })
	c.mu.Lock()
	c.closed = true
	if c.hb != nil {
		c.hb.Stop()
	}
	if c.poll != nil {
		c.poll.Stop()
	}
	sc := c.sc
	c.mu.Unlock()
	if sc != nil {
		sc.Close()
	}
}

// pending is num_pending now: the matching messages after the last
// delivery.
func (c *pushConsumer) pending() uint64 {
	c.mu.Lock()
	from := c.sseq + 1
	c.unlock()
	filters := c.cfg.FilterSubjects
	if c.cfg.FilterSubject != "" {
		filters = []string{c.cfg.FilterSubject}
	}
	if len(filters) == 0 {
		filters = []string{">"}
	}
	var n uint64
	for _, f := range filters {
		n += c.st.NumPending(f, from, false)
	}
	return n
}

// info is the consumer's info as create and info replies carry it.
func (c *pushConsumer) info(pending uint64, now time.Time) *consumerInfoResponse {
	c.mu.Lock()
	delivered := nats.SequenceInfo{Consumer: c.dseq, Stream: c.sseq}
	ackFloor := delivered
	if !c.last.IsZero() {
		last := c.last.UTC()
		delivered.Last = &last
	}
	c.unlock()
	created, ts := c.created, now.UTC()
	return &consumerInfoResponse{
		Stream: c.key.stream, Name: c.key.name, Created: &created, Config: consumerConfigOf(&c.cfg),
		Delivered: &delivered, AckFloor: &ackFloor, NumPending: pending,
		PushBound: c.js.s.hasInterest(c.deliver), TimeStamp: &ts,
	}
}
