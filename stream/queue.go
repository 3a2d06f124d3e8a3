package stream

import "sort"

// A consumer holds at most this much that the stream no longer does or
// that its reader has not taken yet: the pending limits of a nats.go
// subscription (nats.DefaultSubPendingMsgsLimit and
// DefaultSubPendingBytesLimit). Past them the client drops messages and
// its ordered consumer skips ahead; the consumer drops the oldest.
const (
	RetainLimit      = 512 * 1024
	RetainBytesLimit = 64 * 1024 * 1024
)

// msgQueue is a consumer's list of messages in sequence order, bounded by
// RetainLimit and RetainBytesLimit: a ring, so that taking from the front
// and adding at the back move no memory.
type msgQueue struct {
	ring  []*msg // capacity a power of two, or nil
	head  int
	n     int
	bytes int
}

func (q *msgQueue) len() int { return q.n }

func (q *msgQueue) at(i int) *msg { return q.ring[(q.head+i)&(len(q.ring)-1)] }

func (q *msgQueue) front() *msg { return q.at(0) }

func msgBytes(m *msg) int { return int(m.hlen) + int(m.dlen) }

// grow doubles the ring, laying the messages out from index 0.
func (q *msgQueue) grow() {
	ring := make([]*msg, max(2*len(q.ring), 8))
	for i := 0; i < q.n; i++ {
		ring[i] = q.at(i)
	}
	q.ring, q.head = ring, 0
}

// add puts m in sequence order (usually at the end) and drops the oldest
// past the limits.
func (q *msgQueue) add(m *msg) {
	if q.n == len(q.ring) {
		q.grow()
	}
	i := q.n
	if q.n > 0 && q.at(q.n-1).seq > m.seq {
		// Out of order (a retained message older than one already kept):
		// shift the later ones back by one.
		i = sort.Search(q.n, func(j int) bool { return q.at(j).seq >= m.seq })
		for j := q.n; j > i; j-- {
			q.ring[(q.head+j)&(len(q.ring)-1)] = q.at(j - 1)
		}
	}
	q.ring[(q.head+i)&(len(q.ring)-1)] = m
	q.n++
	q.bytes += msgBytes(m)
	for q.n > 1 && (q.n > RetainLimit || q.bytes > RetainBytesLimit) {
		q.pop()
	}
}

// pop removes and returns the oldest message.
func (q *msgQueue) pop() *msg {
	m := q.ring[q.head]
	q.ring[q.head] = nil
	q.head = (q.head + 1) & (len(q.ring) - 1)
	q.n--
	q.bytes -= msgBytes(m)
	if q.n == 0 && len(q.ring) > 1024 {
		q.ring, q.head = nil, 0 // let a large ring go once drained
	}
	return m
}

// take removes and returns the message at seq, if there.
func (q *msgQueue) take(seq uint64) *msg {
	i := sort.Search(q.n, func(j int) bool { return q.at(j).seq >= seq })
	if i == q.n || q.at(i).seq != seq {
		return nil
	}
	if i == 0 {
		return q.pop()
	}
	m := q.at(i)
	for j := i; j < q.n-1; j++ {
		q.ring[(q.head+j)&(len(q.ring)-1)] = q.at(j + 1)
	}
	q.ring[(q.head+q.n-1)&(len(q.ring)-1)] = nil
	q.n--
	q.bytes -= msgBytes(m)
	return m
}
