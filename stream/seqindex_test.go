package stream

import (
	"sort"
	"testing"

	"pgregory.net/rapid"
)

// TestSeqIndexFind: find agrees with a binary search over the same
// sequences, whatever the gaps between them and the holes left by
// removals, for sequences stored, missing, below and above.
func TestSeqIndexFind(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var x seqIndex
		seq := rapid.Uint64Range(0, 5).Draw(t, "start")
		for range rapid.IntRange(0, 300).Draw(t, "n") {
			// Mostly dense, sometimes a long gap (a purge, a big compact).
			if rapid.IntRange(0, 20).Draw(t, "gap?") == 0 {
				seq += rapid.Uint64Range(1, 1_000_000).Draw(t, "gap")
			} else {
				seq += rapid.Uint64Range(1, 3).Draw(t, "step")
			}
			x.Insert(&msg{seq: seq})
		}
		for range rapid.IntRange(0, 200).Draw(t, "deletes") {
			if len(x.slots) == 0 {
				break
			}
			x.Delete(x.slots[rapid.IntRange(0, len(x.slots)-1).Draw(t, "victim")].seq)
		}
		probes := []uint64{0, seq + 1, seq + 1_000_000}
		for _, sl := range x.slots {
			probes = append(probes, sl.seq-1, sl.seq, sl.seq+1)
		}
		for _, p := range probes {
			s := x.slots[x.head:]
			want := x.head + sort.Search(len(s), func(i int) bool { return s[i].seq >= p })
			if got := x.find(p); got != want {
				t.Fatalf("find(%d) = %d, want %d (head %d, slots %v)", p, got, want, x.head, x.slots)
			}
		}
	})
}

// TestSeqIndexModel: inserts and deletes in any mix (compactions in place
// and shrinking included) keep Len, Get, Min and Ascend equal to a plain
// sorted list.
func TestSeqIndexModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var x seqIndex
		var model []uint64
		seq := uint64(0)
		for range rapid.IntRange(0, 2000).Draw(t, "ops") {
			if len(model) == 0 || rapid.IntRange(0, 2).Draw(t, "op") > 0 {
				seq += rapid.Uint64Range(1, 3).Draw(t, "step")
				x.Insert(&msg{seq: seq})
				model = append(model, seq)
				continue
			}
			// Oldest-first most of the time, as limits and history do.
			i := 0
			if rapid.Bool().Draw(t, "anywhere") {
				i = rapid.IntRange(0, len(model)-1).Draw(t, "victim")
			}
			if m := x.Delete(model[i]); m == nil || m.seq != model[i] {
				t.Fatalf("Delete(%d) = %v", model[i], m)
			}
			model = append(model[:i], model[i+1:]...)
		}
		if x.Len() != len(model) {
			t.Fatalf("Len = %d, want %d", x.Len(), len(model))
		}
		var got []uint64
		x.Ascend(func(m *msg) bool { got = append(got, m.seq); return true })
		if len(got) != len(model) {
			t.Fatalf("Ascend gave %d messages, want %d", len(got), len(model))
		}
		for i, s := range model {
			if got[i] != s || x.Get(s) == nil || x.Get(s).seq != s {
				t.Fatalf("message %d: Ascend %d, Get %v", s, got[i], x.Get(s))
			}
			if x.Get(s+1) != nil && (i+1 == len(model) || model[i+1] != s+1) {
				t.Fatalf("Get(%d) found a removed message", s+1)
			}
		}
		if m, ok := x.Min(); ok != (len(model) > 0) || ok && m.seq != model[0] {
			t.Fatalf("Min = %v, %v", m, ok)
		}
	})
}
