package conformance

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
)

// recv returns the next entry from ch, failing the test if none arrives
// within waitTimeout or if ch is closed. got is what was read before, shown
// in the failure message.
func recv(t *testing.T, ch <-chan jetstream.KeyValueEntry, got []string) jetstream.KeyValueEntry {
	t.Helper()
	select {
	case e, ok := <-ch:
		require.True(t, ok, "watcher channel closed; read so far: %q", got)
		return e
	case <-time.After(waitTimeout):
		require.FailNow(t, "timed out waiting for a watcher entry", "read so far: %q", got)
		return nil
	}
}

// untilNil reads entries (formatted with entry) up to and including the nil
// marker.
func untilNil(t *testing.T, w jetstream.KeyWatcher) []string {
	t.Helper()
	var got []string
	for {
		e := recv(t, w.Updates(), got)
		got = append(got, entry(e))
		if e == nil {
			return got
		}
	}
}

// readN reads exactly n items from w, formatted with format.
func readN(t *testing.T, w jetstream.KeyWatcher, n int, format func(jetstream.KeyValueEntry) string) []string {
	t.Helper()
	got := []string{}
	for len(got) < n {
		got = append(got, format(recv(t, w.Updates(), got)))
	}
	return got
}

// untilRev reads live entries (formatted with liveEntry) until one with
// revision rev arrives. A nil marker on the way is recorded as "<nil>".
func untilRev(t *testing.T, w jetstream.KeyWatcher, rev uint64) []string {
	t.Helper()
	var got []string
	for {
		e := recv(t, w.Updates(), got)
		got = append(got, liveEntry(e))
		if e != nil && e.Revision() >= rev {
			return got
		}
	}
}

// untilClosed reads the channel until it is closed and returns what it read,
// formatted with format. It fails the test if the channel is not closed
// within waitTimeout.
func untilClosed(t *testing.T, ch <-chan jetstream.KeyValueEntry, format func(jetstream.KeyValueEntry) string) []string {
	t.Helper()
	got := []string{}
	deadline := time.After(waitTimeout)
	for {
		select {
		case e, ok := <-ch:
			if !ok {
				return got
			}
			got = append(got, format(e))
		case <-deadline:
			require.FailNow(t, "watcher channel not closed", "read so far: %q", got)
		}
	}
}

// listed reads a KeyLister's channel until it is closed.
func listed(t *testing.T, kl jetstream.KeyLister) []string {
	t.Helper()
	got := []string{}
	deadline := time.After(waitTimeout)
	for {
		select {
		case k, ok := <-kl.Keys():
			if !ok {
				return got
			}
			got = append(got, k)
		case <-deadline:
			require.FailNow(t, "key lister channel not closed", "read so far: %q", got)
		}
	}
}

// eventually polls cond every 10 ms until it holds, failing the test with
// msg after waitTimeout.
func eventually(t *testing.T, cond func() bool, msg string, args ...any) {
	t.Helper()
	require.Eventually(t, cond, waitTimeout, 10*time.Millisecond, append([]any{msg}, args...)...)
}

// valuesAre returns a condition for eventually: kv's Status reports n
// values. It does not fail the test itself, as conditions run on another
// goroutine.
func valuesAre(t *testing.T, kv jetstream.KeyValue, n uint64) func() bool {
	return func() bool {
		st, err := kv.Status(t.Context())
		return err == nil && st.Values() == n
	}
}
