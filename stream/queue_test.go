package stream

import (
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// TestMsgQueue checks the ring against a sorted slice: adds in and out of
// order, pops from the front and takes from anywhere.
func TestMsgQueue(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var q msgQueue
		var model []uint64
		used := map[uint64]bool{}
		for range rapid.IntRange(0, 200).Draw(t, "ops") {
			switch rapid.IntRange(0, 3).Draw(t, "op") {
			case 0, 1:
				seq := rapid.Uint64Range(1, 500).Draw(t, "seq")
				if used[seq] {
					continue
				}
				used[seq] = true
				q.add(&msg{seq: seq, dlen: 1})
				i, _ := slices.BinarySearch(model, seq)
				model = slices.Insert(model, i, seq)
			case 2:
				if len(model) == 0 {
					continue
				}
				if got := q.pop().seq; got != model[0] {
					t.Fatalf("pop %d, want %d", got, model[0])
				}
				model = model[1:]
			case 3:
				seq := rapid.Uint64Range(1, 500).Draw(t, "take")
				m := q.take(seq)
				i, ok := slices.BinarySearch(model, seq)
				if ok != (m != nil) {
					t.Fatalf("take %d: got %v, want present=%v", seq, m, ok)
				}
				if ok {
					model = slices.Delete(model, i, i+1)
				}
			}
			if q.len() != len(model) || q.bytes != len(model) {
				t.Fatalf("len %d bytes %d, want %d", q.len(), q.bytes, len(model))
			}
			for i, seq := range model {
				if q.at(i).seq != seq {
					t.Fatalf("at %d: %d, want %d", i, q.at(i).seq, seq)
				}
			}
		}
	})
}
