package watch

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/stream"
)

// heapAlloc returns the live heap after a collection.
func heapAlloc() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestWriterNeverBlocks checks SEMANTICS §6.5: a watcher that is never
// read neither blocks the writer nor makes it pay without bound. Its
// consumer pushes as far as its flow-control window allows (a sixteenth
// of stream.FlowControlMaxPending at first) and then rests as a cursor,
// so that memory does not grow with its lag. Read at last, it delivers
// what it had pushed, in order, then the latest revision, which is all
// the stream still holds of the key.
func TestWriterNeverBlocks(t *testing.T) {
	noLeak(t)
	const n = 100_000
	const overhead = 1000 // bytes per message: a window of about 2,000
	s := newKV(t, 1)
	w := start(t, s, Options{MsgOverhead: overhead})
	require.Nil(t, recv(t, w))

	began := time.Now()
	for range n / 2 {
		put(t, s, "k", "x")
	}
	before := heapAlloc()
	for range n / 2 {
		put(t, s, "k", "x")
	}
	after := heapAlloc()
	took := time.Since(began)
	t.Logf("%d writes in %v; heap %d → %d over the last %d", n, took, before, after, n/2)
	require.Less(t, took, time.Minute, "writes to an unread watcher took %v", took)
	require.Less(t, int64(after)-int64(before), int64(256<<10),
		"heap grew by %d bytes over the last %d writes", int64(after)-int64(before), n/2)

	// Read it all: consecutive revisions from 1 up to where the window
	// filled, then the latest.
	var got []uint64
	for len(got) == 0 || got[len(got)-1] < n {
		got = append(got, recv(t, w).Rev)
	}
	window := (stream.FlowControlMaxPending / 16) / (overhead + 1 + 5 + 5 + 1)
	require.InDelta(t, window+1, len(got), float64(window)/20, "a window's worth and the latest")
	for i, rev := range got[:len(got)-1] {
		require.EqualValues(t, i+1, rev)
	}
	requireNothing(t, w, 10*time.Millisecond)
}

// TestWriterNeverBlocksDistinctKeys stores more distinct keys than the
// channel holds into a watched stream that keeps them all: nothing is
// dropped and nothing is evicted, so every revision arrives.
func TestWriterNeverBlocksDistinctKeys(t *testing.T) {
	noLeak(t)
	const n = 10_000
	s := newKV(t, 1)
	w := start(t, s, Options{UpdatesOnly: true})
	began := time.Now()
	for i := range n {
		put(t, s, fmt.Sprintf("k%d", i), "v")
	}
	require.Less(t, time.Since(began), 5*time.Second)
	for i := range n {
		e := recv(t, w)
		require.EqualValues(t, i+1, e.Rev)
	}
	requireNothing(t, w, 10*time.Millisecond)
}
