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

// TestWriterNeverBlocks checks SEMANTICS §6.5.1 and the pending limits: a
// watcher that is never read neither blocks the writer nor makes it pay
// without bound. On one history-1 key the stream holds a single message,
// and the consumer keeps at most stream.RetainLimit of those it had yet to
// deliver (a client subscription's pending limit), so memory stops
// growing once that many are stored. When the watcher is read at last,
// revisions still arrive in order without duplicates, ending with the
// latest.
func TestWriterNeverBlocks(t *testing.T) {
	noLeak(t)
	const extra = 20_000
	val := "x"

	s := newKV(t, 1)
	w := start(t, s, Options{})
	require.Nil(t, recv(t, w))

	began := time.Now()
	for range stream.RetainLimit + extra {
		put(t, s, "k", val)
	}
	took := time.Since(began)
	before := heapAlloc()
	for range extra {
		put(t, s, "k", val)
	}
	after := heapAlloc()
	total := stream.RetainLimit + 2*extra
	t.Logf("%d writes in %v; heap %d → %d over the last %d", stream.RetainLimit+extra, took, before, after, extra)
	require.Less(t, took, time.Minute, "writes to an unread watcher took %v", took)
	// Past the limit the queue only turns over; allow for its backing
	// array being reallocated (one pointer per message).
	require.Less(t, int64(after)-int64(before), int64(8*stream.RetainLimit+1<<20),
		"heap kept growing: %d more bytes over the last %d writes", int64(after)-int64(before), extra)

	// Read it all: increasing revisions, the last one included.
	var last uint64
	n := 0
	for last < uint64(total) {
		e := recv(t, w)
		require.NotNil(t, e)
		require.Greater(t, e.Rev, last)
		last = e.Rev
		n++
	}
	require.GreaterOrEqual(t, n, stream.RetainLimit, "the kept messages are delivered")
	require.LessOrEqual(t, n, Capacity+batch+stream.RetainLimit+1, "the channel, the batch in hand, the kept messages and the stored one")
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
