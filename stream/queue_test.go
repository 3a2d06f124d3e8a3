package stream

import (
	"testing"

	"pgregory.net/rapid"
)

// TestMsgQueue checks the chunked list against a slice: adds at the end
// and pops from the front, across chunks, keep each message with its
// pending count, in order.
func TestMsgQueue(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var q msgQueue
		var model []uint64
		next := uint64(1)
		for range rapid.IntRange(0, 600).Draw(t, "ops") {
			if rapid.IntRange(0, 2).Draw(t, "op") < 2 {
				q.add(&msg{seq: next, dlen: 1}, next*10)
				model = append(model, next)
				next++
			} else if len(model) > 0 {
				m, pending := q.pop()
				if m.seq != model[0] || pending != model[0]*10 {
					t.Fatalf("pop %d (%d), want %d", m.seq, pending, model[0])
				}
				model = model[1:]
			}
			if q.len() != len(model) || q.bytes != len(model) {
				t.Fatalf("len %d bytes %d, want %d", q.len(), q.bytes, len(model))
			}
			if len(model) > 0 && q.front().seq != model[0] {
				t.Fatalf("front %d, want %d", q.front().seq, model[0])
			}
		}
	})
}
