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
			if len(x.seqs) == 0 {
				break
			}
			x.Delete(x.seqs[rapid.IntRange(0, len(x.seqs)-1).Draw(t, "victim")])
		}
		probes := []uint64{0, seq + 1, seq + 1_000_000}
		for _, s := range x.seqs {
			probes = append(probes, s-1, s, s+1)
		}
		for _, p := range probes {
			s := x.seqs[x.head:]
			want := x.head + sort.Search(len(s), func(i int) bool { return s[i] >= p })
			if got := x.find(p); got != want {
				t.Fatalf("find(%d) = %d, want %d (head %d, seqs %v)", p, got, want, x.head, x.seqs)
			}
		}
	})
}
