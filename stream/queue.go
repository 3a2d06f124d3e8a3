package stream

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
// bounded by RetainLimit and RetainBytesLimit: a ring, so that taking from
// the front and adding at the back move no memory.
type msgQueue struct {
	ring  []pushed // capacity a power of two, or nil
	head  int
	n     int
	bytes int
}

func (q *msgQueue) len() int { return q.n }

func (q *msgQueue) at(i int) *msg { return q.ring[(q.head+i)&(len(q.ring)-1)].m }

func (q *msgQueue) front() *msg { return q.at(0) }

func msgBytes(m *msg) int { return int(m.hlen) + int(m.dlen) }

// grow doubles the ring, laying the messages out from index 0.
func (q *msgQueue) grow() {
	ring := make([]pushed, max(2*len(q.ring), 8))
	for i := 0; i < q.n; i++ {
		ring[i] = q.ring[(q.head+i)&(len(q.ring)-1)]
	}
	q.ring, q.head = ring, 0
}

// add puts m at the end (messages are pushed in sequence order) and drops
// the oldest past the limits.
func (q *msgQueue) add(m *msg, pending uint64) {
	if q.n == len(q.ring) {
		q.grow()
	}
	q.ring[(q.head+q.n)&(len(q.ring)-1)] = pushed{m, pending}
	q.n++
	q.bytes += msgBytes(m)
	for q.n > 1 && (q.n > RetainLimit || q.bytes > RetainBytesLimit) {
		q.pop()
	}
}

// pop removes and returns the oldest message and its pending count.
func (q *msgQueue) pop() (*msg, uint64) {
	p := q.ring[q.head]
	q.ring[q.head] = pushed{}
	q.head = (q.head + 1) & (len(q.ring) - 1)
	q.n--
	q.bytes -= msgBytes(p.m)
	if q.n == 0 && len(q.ring) > 1024 {
		q.ring, q.head = nil, 0 // let a large ring go once drained
	}
	return p.m, p.pending
}
