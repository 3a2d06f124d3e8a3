package stream

import "sync"

// A consumer without flow control holds at most this much that its reader
// has not taken yet: the pending limits of a nats.go subscription
// (nats.DefaultSubPendingMsgsLimit and DefaultSubPendingBytesLimit). Past
// them the client drops messages and its ordered consumer skips ahead; the
// consumer drops the oldest. With flow control its window bounds it first.
const (
	RetainLimit      = 512 * 1024
	RetainBytesLimit = 64 * 1024 * 1024
)

// pushed is a message handed to a consumer's reader, with the number of
// matching messages pending after it when it was handed over, as the
// server computes it when it sends.
type pushed struct {
	m       *msg
	pending uint64
}

// msgQueue is a consumer's list of pushed messages in sequence order,
// bounded by RetainLimit and RetainBytesLimit: a list of fixed-size
// chunks from a shared pool, so that a queue that grows while its reader
// is busy and drains again neither copies nor allocates (a ring that
// doubled and was let go when drained cost a quarter of the fan-out's
// time, BenchmarkFanOut/all/W=100).
type msgQueue struct {
	head, tail *chunk
	hi, ti     int // next to pop in head, next free in tail
	n          int
	bytes      int
}

// chunkLen is the number of messages in a chunk: 1 KiB.
const chunkLen = 64

type chunk struct {
	items [chunkLen]pushed
	next  *chunk
}

var chunkPool = sync.Pool{New: func() any { return new(chunk) }}

func (q *msgQueue) len() int { return q.n }

// front returns the oldest message; the queue must not be empty.
func (q *msgQueue) front() *msg { return q.head.items[q.hi].m }

func msgBytes(m *msg) int { return int(m.hlen) + int(m.dlen) }

// add puts m at the end (messages are pushed in sequence order) and drops
// the oldest past the limits.
func (q *msgQueue) add(m *msg, pending uint64) {
	switch {
	case q.tail == nil:
		q.head = chunkPool.Get().(*chunk)
		q.tail, q.hi, q.ti = q.head, 0, 0
	case q.ti == chunkLen:
		c := chunkPool.Get().(*chunk)
		q.tail.next, q.tail, q.ti = c, c, 0
	}
	q.tail.items[q.ti] = pushed{m, pending}
	q.ti++
	q.n++
	q.bytes += msgBytes(m)
	for q.n > 1 && (q.n > RetainLimit || q.bytes > RetainBytesLimit) {
		q.pop()
	}
}

// pop removes and returns the oldest message and its pending count; the
// queue must not be empty. A drained queue keeps one chunk, so that a
// consumer whose reader keeps up takes none from the pool, and gives the
// others back.
func (q *msgQueue) pop() (*msg, uint64) {
	p := q.head.items[q.hi]
	q.head.items[q.hi] = pushed{}
	q.hi++
	q.n--
	q.bytes -= msgBytes(p.m)
	switch {
	case q.n == 0:
		q.free(q.head.next)
		q.head.next = nil
		q.tail, q.hi, q.ti = q.head, 0, 0
	case q.hi == chunkLen:
		c := q.head
		q.head, q.hi = c.next, 0
		c.next = nil
		chunkPool.Put(c)
	}
	return p.m, p.pending
}

// free gives the chunks from c on back to the pool.
func (q *msgQueue) free(c *chunk) {
	for c != nil {
		next := c.next
		c.next = nil
		chunkPool.Put(c)
		c = next
	}
}
