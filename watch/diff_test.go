package watch_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/conformance"
	"github.com/jetsim/jetsim/memkv"
)

// The differential tests run each watch scenario on memkv and on an
// embedded nats-server and require the same transcript. They cover what
// the conformance suite does not: watchers whose bucket is deleted
// (SEMANTICS §1.5.4) and Stop while the watcher is backed up (§6.5).

// quiet is how long a watcher must stay silent to count as receiving
// nothing more.
const quiet = 300 * time.Millisecond

func targets(t *testing.T) map[string]func(t *testing.T) jetstream.KeyValueManager {
	return map[string]func(t *testing.T) jetstream.KeyValueManager{
		"memkv":  func(*testing.T) jetstream.KeyValueManager { return memkv.New() },
		"server": func(t *testing.T) jetstream.KeyValueManager { return conformance.ServerManager(t) },
	}
}

// differential runs scenario on both targets and requires equal
// transcripts.
func differential(t *testing.T, scenario func(t *testing.T, m jetstream.KeyValueManager) []string) {
	t.Helper()
	got := map[string][]string{}
	for name, mk := range targets(t) {
		t.Run(name, func(t *testing.T) { got[name] = scenario(t, mk(t)) })
	}
	if t.Failed() {
		return
	}
	require.Equal(t, got["server"], got["memkv"], "memkv differs from the server")
}

func show(e jetstream.KeyValueEntry) string {
	if e == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%s@%d %s", e.Key(), e.Revision(), e.Operation())
}

// next reads one item: an entry, "<nil>", "<closed>", or "<nothing>" when
// nothing comes within d.
func next(w jetstream.KeyWatcher, d time.Duration) string {
	select {
	case e, ok := <-w.Updates():
		if !ok {
			return "<closed>"
		}
		return show(e)
	case <-time.After(d):
		return "<nothing>"
	}
}

// untilClosed reads until the channel closes (or 5 s pass).
func untilClosed(w jetstream.KeyWatcher) []string {
	var out []string
	for {
		s := next(w, 5*time.Second)
		out = append(out, s)
		if s == "<closed>" || s == "<nothing>" {
			return out
		}
	}
}

// stopResult shows Stop's error and which of the client's errors it is.
func stopResult(err error) string {
	return fmt.Sprintf("stop: %v (ErrStreamNotFound %v, ErrConsumerNotFound %v)", err,
		errors.Is(err, nats.ErrStreamNotFound), errors.Is(err, nats.ErrConsumerNotFound))
}

func mkBucket(t *testing.T, m jetstream.KeyValueManager, name string) jetstream.KeyValue {
	t.Helper()
	kv, err := m.CreateKeyValue(t.Context(), jetstream.KeyValueConfig{Bucket: name, Storage: jetstream.MemoryStorage})
	require.NoError(t, err)
	return kv
}

func TestDifferentialBucketDeleted(t *testing.T) {
	t.Run("read_then_deleted", func(t *testing.T) {
		differential(t, func(t *testing.T, m jetstream.KeyValueManager) []string {
			ctx := t.Context()
			kv := mkBucket(t, m, "D")
			for _, k := range []string{"a", "b"} {
				_, err := kv.PutString(ctx, k, "v")
				require.NoError(t, err)
			}
			w, err := kv.WatchAll(ctx)
			require.NoError(t, err)
			out := []string{next(w, 5*time.Second), next(w, 5*time.Second), next(w, 5*time.Second)}
			require.NoError(t, m.DeleteKeyValue(ctx, "D"))
			out = append(out, "deleted", next(w, quiet))
			out = append(out, stopResult(w.Stop()))
			out = append(out, untilClosed(w)...)
			out = append(out, fmt.Sprintf("stop again=%v", w.Stop()))
			return out
		})
	})

	t.Run("buffered_then_deleted", func(t *testing.T) {
		differential(t, func(t *testing.T, m jetstream.KeyValueManager) []string {
			ctx := t.Context()
			kv := mkBucket(t, m, "D")
			for _, k := range []string{"a", "b", "c"} {
				_, err := kv.PutString(ctx, k, "v")
				require.NoError(t, err)
			}
			w, err := kv.WatchAll(ctx)
			require.NoError(t, err)
			require.Eventually(t, func() bool { return len(w.Updates()) == 4 }, 5*time.Second, time.Millisecond)
			require.NoError(t, m.DeleteKeyValue(ctx, "D"))
			out := []string{"deleted"}
			for range 5 {
				out = append(out, next(w, quiet))
			}
			out = append(out, stopResult(w.Stop()))
			return append(out, untilClosed(w)...)
		})
	})

	t.Run("cancelled_after_deleted", func(t *testing.T) {
		// The client's subscription outlives the bucket; the end of the
		// watch's context unsubscribes it (nats.go js.go: subscribe waits
		// on ctx.Done), which closes Updates, and Stop then finds it gone.
		differential(t, func(t *testing.T, m jetstream.KeyValueManager) []string {
			kv := mkBucket(t, m, "D")
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			w, err := kv.WatchAll(ctx)
			require.NoError(t, err)
			out := []string{next(w, 5*time.Second)}
			require.NoError(t, m.DeleteKeyValue(t.Context(), "D"))
			out = append(out, "deleted", next(w, quiet), "cancel")
			cancel()
			out = append(out, untilClosed(w)...)
			err = w.Stop()
			return append(out, fmt.Sprintf("stop: %v, bad subscription: %v", err, err == nats.ErrBadSubscription))
		})
	})

	t.Run("recreated", func(t *testing.T) {
		// A watcher of the deleted bucket sees nothing of a new bucket of
		// the same name, while a new watcher does.
		differential(t, func(t *testing.T, m jetstream.KeyValueManager) []string {
			ctx := t.Context()
			kv := mkBucket(t, m, "D")
			old, err := kv.WatchAll(ctx, jetstream.UpdatesOnly())
			require.NoError(t, err)
			require.NoError(t, m.DeleteKeyValue(ctx, "D"))
			kv = mkBucket(t, m, "D")
			fresh, err := kv.WatchAll(ctx, jetstream.UpdatesOnly())
			require.NoError(t, err)
			_, err = kv.PutString(ctx, "a", "v")
			require.NoError(t, err)
			out := []string{"fresh", next(fresh, 5*time.Second), "old", next(old, quiet)}
			out = append(out, "stop old", stopResult(old.Stop()))
			out = append(out, untilClosed(old)...)
			return append(out, "stop fresh", stopResult(fresh.Stop()))
		})
	})
}

func TestDifferentialStop(t *testing.T) {
	t.Run("stop_idle_then_write", func(t *testing.T) {
		differential(t, func(t *testing.T, m jetstream.KeyValueManager) []string {
			ctx := t.Context()
			kv := mkBucket(t, m, "S")
			w, err := kv.Watch(ctx, "k")
			require.NoError(t, err)
			out := []string{next(w, 5*time.Second)}
			require.NoError(t, w.Stop())
			_, err = kv.PutString(ctx, "k", "v")
			require.NoError(t, err)
			out = append(out, untilClosed(w)...)
			err = w.Stop()
			out = append(out, fmt.Sprintf("stop again: %v, bad subscription: %v", err, err == nats.ErrBadSubscription))
			return out
		})
	})

	t.Run("cancel_then_stop", func(t *testing.T) {
		differential(t, func(t *testing.T, m jetstream.KeyValueManager) []string {
			kv := mkBucket(t, m, "S")
			ctx, cancel := context.WithCancel(t.Context())
			w, err := kv.WatchAll(ctx)
			require.NoError(t, err)
			out := []string{next(w, 5*time.Second)}
			cancel()
			out = append(out, untilClosed(w)...)
			return out
		})
	})
}
