package stream

import "slices"

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
// RetainLimit and RetainBytesLimit.
type msgQueue struct {
	msgs  []*msg
	bytes int
}

func (q *msgQueue) len() int { return len(q.msgs) }

func (q *msgQueue) front() *msg { return q.msgs[0] }

func msgBytes(m *msg) int { return int(m.hlen) + int(m.dlen) }

// add puts m in sequence order (usually at the end) and drops the oldest
// past the limits.
func (q *msgQueue) add(m *msg) {
	if n := len(q.msgs); n == 0 || q.msgs[n-1].seq < m.seq {
		q.msgs = append(q.msgs, m)
	} else {
		i, _ := slices.BinarySearchFunc(q.msgs, m.seq, bySeq)
		q.msgs = slices.Insert(q.msgs, i, m)
	}
	q.bytes += msgBytes(m)
	for len(q.msgs) > 1 && (len(q.msgs) > RetainLimit || q.bytes > RetainBytesLimit) {
		q.pop()
	}
}

// pop removes and returns the oldest message.
func (q *msgQueue) pop() *msg {
	m := q.msgs[0]
	q.msgs[0] = nil
	q.msgs = q.msgs[1:]
	q.bytes -= msgBytes(m)
	if len(q.msgs) == 0 {
		q.msgs = nil // let the backing array go
	}
	return m
}

// take removes and returns the message at seq, if there.
func (q *msgQueue) take(seq uint64) *msg {
	i, ok := slices.BinarySearchFunc(q.msgs, seq, bySeq)
	if !ok {
		return nil
	}
	if i == 0 {
		return q.pop()
	}
	m := q.msgs[i]
	q.msgs = slices.Delete(q.msgs, i, i+1)
	q.bytes -= msgBytes(m)
	return m
}

func bySeq(m *msg, seq uint64) int { return cmpSeq(m.seq, seq) }

func cmpSeq(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
