package watch

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/stream"
)

// putKeys stores n keys k000… with value "v" and returns the last revision.
func putKeys(t testing.TB, s *stream.Stream, n int) uint64 {
	t.Helper()
	var rev uint64
	for i := range n {
		rev = put(t, s, fmt.Sprintf("k%03d", i), "v")
	}
	return rev
}

// revs returns the revisions of the entries, 0 for a marker.
func revs(es []*ent) []uint64 {
	out := make([]uint64, len(es))
	for i, e := range es {
		if e != nil {
			out[i] = e.Rev
		}
	}
	return out
}

func seq(from, to uint64) []uint64 {
	var out []uint64
	for r := from; r <= to; r++ {
		out = append(out, r)
	}
	return out
}

// TestStop checks SEMANTICS §6.5.3: entries already in the channel stay
// readable after Stop, then the channel is closed; the goroutine ends, the
// consumer leaves the stream, and a second Stop is ErrStopped.
func TestStop(t *testing.T) {
	t.Run("buffered", func(t *testing.T) {
		noLeak(t)
		s := newKV(t, 1)
		putKeys(t, s, 5)
		w := start(t, s, Options{})
		waitLen(t, w, 6)
		require.NoError(t, w.Stop())
		require.Equal(t, []uint64{1, 2, 3, 4, 5, 0}, revs(untilClosed(t, w)))
		requireDone(t, w)
		require.ErrorIs(t, w.Stop(), ErrStopped)
		require.Zero(t, s.NumConsumers())
		put(t, s, "k000", "after") // goes nowhere, does not block
	})

	t.Run("full_channel", func(t *testing.T) {
		// The goroutine is blocked sending entry 257 when Stop comes: it
		// gives up, and the 256 buffered entries are what remains.
		noLeak(t)
		s := newKV(t, 1)
		putKeys(t, s, 300)
		w := start(t, s, Options{})
		waitLen(t, w, Capacity)
		require.NoError(t, w.Stop())
		requireDone(t, w)
		require.Equal(t, seq(1, Capacity), revs(untilClosed(t, w)))
		require.Zero(t, s.NumConsumers())
	})

	t.Run("idle", func(t *testing.T) {
		noLeak(t)
		s := newKV(t, 1)
		w := start(t, s, Options{UpdatesOnly: true})
		require.NoError(t, w.Stop())
		require.Empty(t, untilClosed(t, w))
		requireDone(t, w)
	})

	// A reader draining concurrently must not keep the watcher going: after
	// Stop returns, at most what was in the channel (Capacity) and the
	// entry the goroutine held can still arrive.
	t.Run("concurrent_reader", func(t *testing.T) {
		noLeak(t)
		s := newKV(t, 1)
		const n = 5000
		putKeys(t, s, n)
		for round := range 20 {
			w := start(t, s, Options{IncludeHistory: true})
			var got atomic.Int64
			var last uint64
			closed := make(chan struct{})
			go func() {
				defer close(closed)
				for e := range w.Updates() {
					if e != nil {
						if e.Rev <= last {
							t.Errorf("revision %d after %d", e.Rev, last)
						}
						last = e.Rev
					}
					got.Add(1)
				}
			}()
			require.Eventually(t, func() bool { return got.Load() >= 100 }, waitTimeout, time.Millisecond)
			require.NoError(t, w.Stop())
			atStop := got.Load()
			select {
			case <-closed:
			case <-time.After(waitTimeout):
				require.FailNow(t, "channel not closed")
			}
			require.LessOrEqual(t, got.Load()-atStop, int64(Capacity+1),
				"round %d: %d entries arrived after Stop returned", round, got.Load()-atStop)
		}
	})
}

// TestContext checks SEMANTICS §6.5.4: the context is the watcher's
// lifetime.
func TestContext(t *testing.T) {
	t.Run("cancel", func(t *testing.T) {
		noLeak(t)
		s := newKV(t, 1)
		putKeys(t, s, 5)
		ctx, cancel := context.WithCancel(context.Background())
		w, err := Start(ctx, s, Options{}, decode)
		require.NoError(t, err)
		waitLen(t, w, 6)
		cancel()
		require.Equal(t, []uint64{1, 2, 3, 4, 5, 0}, revs(untilClosed(t, w)))
		requireDone(t, w)
		require.ErrorIs(t, w.Stop(), ErrStopped, "the context already stopped it")
		require.Zero(t, s.NumConsumers())
	})

	t.Run("cancel_idle", func(t *testing.T) {
		noLeak(t)
		s := newKV(t, 1)
		ctx, cancel := context.WithCancel(context.Background())
		w, err := Start(ctx, s, Options{UpdatesOnly: true}, decode)
		require.NoError(t, err)
		put(t, s, "a", "1")
		require.Equal(t, []string{`a@1 d0 PUT "1"`}, untilRev(t, w, 1))
		cancel()
		require.Empty(t, untilClosed(t, w))
		requireDone(t, w)
	})

	t.Run("cancel_full_channel", func(t *testing.T) {
		noLeak(t)
		s := newKV(t, 1)
		putKeys(t, s, 300)
		ctx, cancel := context.WithCancel(context.Background())
		w, err := Start(ctx, s, Options{}, decode)
		require.NoError(t, err)
		waitLen(t, w, Capacity)
		cancel()
		requireDone(t, w)
		require.Equal(t, seq(1, Capacity), revs(untilClosed(t, w)))
	})

	t.Run("deadline", func(t *testing.T) {
		noLeak(t)
		s := newKV(t, 1)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		w, err := Start(ctx, s, Options{UpdatesOnly: true}, decode)
		require.NoError(t, err)
		require.Empty(t, untilClosed(t, w))
		requireDone(t, w)
	})

	t.Run("already_cancelled", func(t *testing.T) {
		noLeak(t)
		s := newKV(t, 1)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		w, err := Start(ctx, s, Options{}, decode)
		require.ErrorIs(t, err, context.Canceled)
		require.Nil(t, w)
		require.Zero(t, s.NumConsumers(), "no consumer is left behind")
	})
}

// TestStreamClosed checks what a watcher does when its stream goes away
// (the bucket is deleted, SEMANTICS §1.5.4): nothing more arrives, the
// channel stays open, the goroutine ends, and a later Stop closes the
// channel.
func TestStreamClosed(t *testing.T) {
	t.Run("idle", func(t *testing.T) {
		noLeak(t)
		s := newKV(t, 1)
		putKeys(t, s, 3)
		w := start(t, s, Options{})
		require.Equal(t, []uint64{1, 2, 3, 0}, revs([]*ent{recv(t, w), recv(t, w), recv(t, w), recv(t, w)}))
		s.Close()
		requireDone(t, w)
		_, err := s.Store(kvPre+"k", nil, nil)
		require.ErrorIs(t, err, stream.ErrClosed)
		requireNothing(t, w, 20*time.Millisecond)
		require.NoError(t, w.Stop())
		require.Empty(t, untilClosed(t, w))
		require.ErrorIs(t, w.Stop(), ErrStopped)
	})

	t.Run("buffered_entries_stay", func(t *testing.T) {
		noLeak(t)
		s := newKV(t, 1)
		putKeys(t, s, 3)
		w := start(t, s, Options{})
		waitLen(t, w, 4)
		s.Close()
		requireDone(t, w)
		require.Equal(t, []uint64{1, 2, 3, 0}, revs([]*ent{recv(t, w), recv(t, w), recv(t, w), recv(t, w)}))
		requireNothing(t, w, 20*time.Millisecond)
		require.NoError(t, w.Stop())
		require.Empty(t, untilClosed(t, w))
	})

	t.Run("stopped_then_closed", func(t *testing.T) {
		noLeak(t)
		s := newKV(t, 1)
		w := start(t, s, Options{UpdatesOnly: true})
		require.NoError(t, w.Stop())
		s.Close()
		require.Empty(t, untilClosed(t, w))
		requireDone(t, w)
	})

	// The goroutine is blocked on a full channel when the stream goes
	// away: it must end all the same, rather than wait for a reader.
	t.Run("full_channel", func(t *testing.T) {
		noLeak(t)
		s := newKV(t, 1)
		putKeys(t, s, 300)
		w := start(t, s, Options{})
		waitLen(t, w, Capacity)
		s.Close()
		requireDone(t, w)
		got := revs(readAvailable(w))
		require.LessOrEqual(t, len(got), Capacity+1)
		require.Equal(t, seq(1, uint64(len(got))), got, "a prefix, in order")
		requireNothing(t, w, 20*time.Millisecond)
		require.NoError(t, w.Stop())
		require.Empty(t, untilClosed(t, w))
	})

	t.Run("start_on_closed_stream", func(t *testing.T) {
		noLeak(t)
		s := newKV(t, 1)
		s.Close()
		_, err := Start(context.Background(), s, Options{}, decode)
		require.ErrorIs(t, err, stream.ErrClosed)
		_, err = Collect(s, Options{}, decode)
		require.ErrorIs(t, err, stream.ErrClosed)
	})
}

// readAvailable reads what is in the channel now, without waiting.
func readAvailable(w *Watcher[*ent]) []*ent {
	var out []*ent
	for {
		select {
		case e, ok := <-w.Updates():
			if !ok {
				return out
			}
			out = append(out, e)
		default:
			return out
		}
	}
}
