package watch

import (
	"fmt"
	"runtime"
	"strings"
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

// TestWriterNeverBlocks checks SEMANTICS §6.5.1 and the cursor design: a
// watcher that is never read neither blocks the writer nor makes it pay in
// memory. On one history-1 key the stream holds a single message, and the
// consumer keeps at most stream.RetainLimit of those it had yet to deliver,
// so memory stops growing once that many are stored. When the watcher is
// read at last, revisions still arrive in order without duplicates, ending
// with the latest.
func TestWriterNeverBlocks(t *testing.T) {
	noLeak(t)
	const batch = 10_000
	val := strings.Repeat("x", 64)
	// The most one retained message may cost: its msg (seq, ts, subject,
	// buf, hlen), its buffer, and two pointers of retained-slice capacity.
	const perMsg = 64 + 64 + 16

	s := newKV(t, 1)
	w := start(t, s, Options{})
	require.Nil(t, recv(t, w))

	before := heapAlloc()
	began := time.Now()
	for range batch {
		put(t, s, "k", val)
	}
	took := time.Since(began)
	afterOne := heapAlloc()
	for range batch {
		put(t, s, "k", val)
	}
	afterTwo := heapAlloc()
	require.Less(t, took, 5*time.Second, "writes to an unread watcher took %v", took)
	t.Logf("%d writes in %v; heap %d → %d → %d", batch, took, before, afterOne, afterTwo)
	require.Less(t, int64(afterOne)-int64(before), int64(2*(stream.RetainLimit*perMsg+Capacity*256)),
		"heap grew by %d bytes over %d writes", int64(afterOne)-int64(before), batch)
	require.Less(t, int64(afterTwo)-int64(afterOne), int64(1<<20),
		"heap kept growing: %d more bytes over the second %d writes", int64(afterTwo)-int64(afterOne), batch)

	// Read it all: increasing revisions, the last one included.
	var last uint64
	n := 0
	for last < 2*batch {
		e := recv(t, w)
		require.NotNil(t, e)
		require.Greater(t, e.Rev, last)
		last = e.Rev
		n++
	}
	require.GreaterOrEqual(t, n, stream.RetainLimit, "the retained messages are delivered")
	require.LessOrEqual(t, n, Capacity+batch+stream.RetainLimit+1, "the channel, the batch in hand, the retained messages and the stored one")
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
