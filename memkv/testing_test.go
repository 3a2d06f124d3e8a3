package memkv_test

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/memkv"
)

// fakeTB records what NewTest's clean-up reports.
type fakeTB struct {
	cleanups []func()
	errors   []string
}

func (f *fakeTB) Helper()           {}
func (f *fakeTB) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }
func (f *fakeTB) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

// finish runs the clean-ups as the testing package does: last first.
func (f *fakeTB) finish() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

// nextLine returns the number of the line after its caller's.
func nextLine() int {
	_, _, line, _ := runtime.Caller(1)
	return line + 1
}

// stopper is what both APIs' watchers and listers have in common.
type stopper interface{ Stop() error }

// TestNewTestReportsLeakedWatchers: a watcher left running with a context
// that is not done fails the test, and the report names the file:line of
// the call that started it, through either API; the clean-up then ends it
// and deletes the buckets.
func TestNewTestReportsLeakedWatchers(t *testing.T) {
	live := context.Background()
	cases := []struct {
		name, pattern string
		start         func(m *memkv.Manager) (stopper, int)
	}{
		{"Watch", "L[a.*]", func(m *memkv.Manager) (stopper, int) {
			kv := memBucket(t, m, "L")
			line := nextLine()
			w, err := kv.Watch(live, "a.*")
			require.NoError(t, err)
			return w, line
		}},
		{"WatchAll", "L[>]", func(m *memkv.Manager) (stopper, int) {
			kv := memBucket(t, m, "L")
			line := nextLine()
			w, err := kv.WatchAll(live, jetstream.UpdatesOnly())
			require.NoError(t, err)
			return w, line
		}},
		{"WatchFiltered", "L[a b]", func(m *memkv.Manager) (stopper, int) {
			kv := memBucket(t, m, "L")
			line := nextLine()
			w, err := kv.WatchFiltered(live, []string{"a", "b"})
			require.NoError(t, err)
			return w, line
		}},
		{"context not cancelled", "L[>]", func(m *memkv.Manager) (stopper, int) {
			kv := memBucket(t, m, "L")
			ctx, cancel := context.WithCancel(live)
			t.Cleanup(cancel)
			line := nextLine()
			w, err := kv.WatchAll(ctx)
			require.NoError(t, err)
			return w, line
		}},
		{"legacy Watch", "L[a]", func(m *memkv.Manager) (stopper, int) {
			memBucket(t, m, "L")
			kv, err := m.Legacy().KeyValue("L")
			require.NoError(t, err)
			line := nextLine()
			w, err := kv.Watch("a")
			require.NoError(t, err)
			return w, line
		}},
		{"legacy WatchAll with nats.Context", "L[>]", func(m *memkv.Manager) (stopper, int) {
			memBucket(t, m, "L")
			kv, err := m.Legacy().KeyValue("L")
			require.NoError(t, err)
			line := nextLine()
			w, err := kv.WatchAll(nats.Context(live))
			require.NoError(t, err)
			return w, line
		}},
		{"bucket deleted", "L[>]", func(m *memkv.Manager) (stopper, int) {
			kv := memBucket(t, m, "L")
			line := nextLine()
			w, err := kv.WatchAll(live)
			require.NoError(t, err)
			require.NoError(t, m.DeleteKeyValue(live, "L"))
			orphaned(t, m)
			return w, line
		}},
		{"legacy bucket deleted", "L[>]", func(m *memkv.Manager) (stopper, int) {
			memBucket(t, m, "L")
			kv, err := m.Legacy().KeyValue("L")
			require.NoError(t, err)
			line := nextLine()
			w, err := kv.WatchAll()
			require.NoError(t, err)
			require.NoError(t, m.Legacy().DeleteKeyValue("L"))
			orphaned(t, m)
			return w, line
		}},
	}
	_, file, _, _ := runtime.Caller(0)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tb := &fakeTB{}
			m := memkv.NewTest(tb)
			w, line := c.start(m)
			tb.finish()
			require.Len(t, tb.errors, 1, "a watcher left running fails the test")
			assert.Contains(t, tb.errors[0], "1 watcher(s) not stopped")
			assert.Contains(t, tb.errors[0]+"\n", c.pattern+" watched at "+file+":"+strconv.Itoa(line)+"\n",
				"the report names the Watch call")
			assertEnded(t, w)
			assert.Error(t, w.Stop(), "the clean-up stopped it")
			assert.Zero(t, m.Watchers(""))
			for range m.KeyValueStoreNames(live).Name() {
				t.Fatal("clean-up deletes every bucket")
			}
		})
	}
}

// orphaned waits until the goroutines of the watchers of deleted buckets
// have ended: Watchers no longer counts them.
func orphaned(t *testing.T, m *memkv.Manager) {
	require.Eventually(t, func() bool { return m.Watchers("") == 0 }, time.Second, time.Millisecond)
}

// assertEnded checks that the watcher's channels close soon: Updates,
// and a legacy watcher's Error, which its goroutine closes as it ends.
func assertEnded(t *testing.T, w stopper) {
	t.Helper()
	timeout := time.After(time.Second)
	var closed bool
	switch w := w.(type) {
	case jetstream.KeyWatcher:
		closed = drained(w.Updates(), timeout)
	case nats.KeyWatcher:
		closed = drained(w.Updates(), timeout) && drained(w.Error(), timeout)
	}
	assert.True(t, closed, "the watcher's channels are closed")
}

// drained reads ch until it is closed (true) or timeout fires.
func drained[E any](ch <-chan E, timeout <-chan time.Time) bool {
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return true
			}
		case <-timeout:
			return false
		}
	}
}

// TestNewTestEndedWatchers: watchers ended by Stop, by DropWatchers or by
// their context (of either API) are not reported, even when the context
// ends just before the clean-up, as t.Context() does.
func TestNewTestEndedWatchers(t *testing.T) {
	tb := &fakeTB{}
	m := memkv.NewTest(tb)
	kv := memBucket(t, m, "E")
	lkv, err := m.Legacy().KeyValue("E")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())

	stopped, err := kv.WatchAll(ctx)
	require.NoError(t, err)
	require.NoError(t, stopped.Stop())
	_, err = kv.Watch(ctx, "dropped")
	require.NoError(t, err)
	require.Equal(t, 1, m.DropWatchers("E", "dropped"))
	lstopped, err := lkv.WatchAll()
	require.NoError(t, err)
	require.NoError(t, lstopped.Stop())
	for i := 0; i < 10; i++ {
		_, err = kv.WatchAll(ctx)
		require.NoError(t, err)
		_, err = lkv.WatchAll(nats.Context(ctx))
		require.NoError(t, err)
	}
	require.Equal(t, 20, m.Watchers("E"))
	cancel()
	tb.finish()
	assert.Empty(t, tb.errors)
	assert.Zero(t, m.Watchers(""))
}

// TestNewTestContextWatcherNotLeak1000: a watcher left to t.Context() is
// not a leak, in 1000 runs of a real NewTest clean-up (t.Context() ends
// just before clean-ups run; the watcher's goroutine sees it a moment
// later).
func TestNewTestContextWatcherNotLeak1000(t *testing.T) {
	for i := 0; i < 1000; i++ {
		t.Run("", func(t *testing.T) {
			m := memkv.NewTest(t)
			kv, err := m.CreateKeyValue(t.Context(), jetstream.KeyValueConfig{Bucket: "C"})
			require.NoError(t, err)
			_, err = kv.PutString(t.Context(), "k", "v")
			require.NoError(t, err)
			_, err = kv.WatchAll(t.Context())
			require.NoError(t, err)
			lkv, err := m.Legacy().KeyValue("C")
			require.NoError(t, err)
			_, err = lkv.Watch("k", nats.Context(t.Context()))
			require.NoError(t, err)
		})
	}
}

// BenchmarkWatchStop starts and stops a watcher on an empty bucket, on a
// manager from New and on one from NewTest, which also records where each
// watcher was started: the price of the file:line in leak reports.
func BenchmarkWatchStop(b *testing.B) {
	for _, c := range []struct {
		name string
		new  func() *memkv.Manager
	}{
		{"New", func() *memkv.Manager { return memkv.New() }},
		{"NewTest", func() *memkv.Manager { return memkv.NewTest(b) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			kv, err := c.new().CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "W"})
			require.NoError(b, err)
			b.ReportAllocs()
			for range b.N {
				w, err := kv.WatchAll(ctx, jetstream.UpdatesOnly())
				if err != nil {
					b.Fatal(err)
				}
				if err := w.Stop(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
