package watch

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/stream"
)

// waitTimeout bounds every wait for a condition in these tests.
const waitTimeout = 5 * time.Second

// kvPre is the subject prefix of the test bucket W.
const kvPre = "$KV.W."

// ent is the entry type the tests watch with: a pointer, so that the zero
// E (the "initial values done" marker) is nil.
type ent struct {
	Key   string
	Rev   uint64
	Delta uint64
	Op    string // "PUT", "DEL" or "PURGE"
	Val   string
}

// String formats e as `a@6 d3 PUT "3"`, like the conformance suite.
func (e *ent) String() string {
	if e == nil {
		return "<nil>"
	}
	if e.Op == "PUT" {
		return fmt.Sprintf("%s@%d d%d PUT %q", e.Key, e.Rev, e.Delta, e.Val)
	}
	return fmt.Sprintf("%s@%d d%d %s", e.Key, e.Rev, e.Delta, e.Op)
}

// decode is the Decoder of the tests: the KV client's reading of a
// message (KV-Operation header, key = subject minus the bucket prefix).
func decode(d *stream.Delivery) (*ent, bool) {
	m, delta := d.Msg(), d.Pending
	op := "PUT"
	if v, ok := stream.HeaderValue(m.Header, stream.KVOperation); ok && v != "" {
		op = v
	}
	return &ent{Key: strings.TrimPrefix(m.Subject, kvPre), Rev: m.Seq, Delta: delta, Op: op, Val: string(m.Data)}, op != "PUT"
}

// The headers the KV client sends for Delete and Purge.
var (
	hdrDel   = stream.EncodeHeader(stream.KVOperation, "DEL")
	hdrPurge = stream.EncodeHeader(stream.KVOperation, stream.KVOperationPurge, stream.Rollup, stream.RollupSubject)
)

// newKV returns the stream of KV bucket W with the given history, closed
// when the test ends.
func newKV(t testing.TB, history int64) *stream.Stream {
	t.Helper()
	s, err := stream.New(stream.Config{
		Name:              "KV_W",
		Subjects:          []string{kvPre + ">"},
		Storage:           stream.MemoryStorage,
		MaxMsgsPerSubject: history,
		Discard:           stream.DiscardNew,
		DenyDelete:        true,
		AllowRollup:       true,
	}, nil)
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

func store(t testing.TB, s *stream.Stream, key string, hdr []byte, val string) uint64 {
	t.Helper()
	ack, err := s.Store(kvPre+key, hdr, []byte(val))
	require.NoError(t, err, "store %s", key)
	return ack.Seq
}

func put(t testing.TB, s *stream.Stream, key, val string) uint64 {
	t.Helper()
	return store(t, s, key, nil, val)
}

func del(t testing.TB, s *stream.Stream, key string) uint64 {
	t.Helper()
	return store(t, s, key, hdrDel, "")
}

func purge(t testing.TB, s *stream.Stream, key string) uint64 {
	t.Helper()
	return store(t, s, key, hdrPurge, "")
}

// standardData returns bucket W (history 5) holding SEMANTICS §6.3's data
// set: 1 a=1, 2 b=1, 3 a=2, 4 c=1, 5 DEL b, 6 a=3, 7 d.x=1, 8 PURGE c
// (removes 4), 9 d.y=1.
func standardData(t testing.TB) *stream.Stream {
	t.Helper()
	s := newKV(t, 5)
	put(t, s, "a", "1")
	put(t, s, "b", "1")
	put(t, s, "a", "2")
	put(t, s, "c", "1")
	del(t, s, "b")
	put(t, s, "a", "3")
	put(t, s, "d.x", "1")
	purge(t, s, "c")
	put(t, s, "d.y", "1")
	return s
}

// start starts a watcher with a context that ends with the test, and
// stops it at the end of the test if it is still running.
func start(t testing.TB, s *stream.Stream, opts Options) *Watcher[*ent] {
	t.Helper()
	w, err := Start(context.Background(), s, opts, decode)
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.Stop() })
	return w
}

// recv returns the next entry of w, failing the test after waitTimeout or
// if the channel is closed.
func recv(t testing.TB, w *Watcher[*ent]) *ent {
	t.Helper()
	select {
	case e, ok := <-w.Updates():
		require.True(t, ok, "watcher channel closed")
		return e
	case <-time.After(waitTimeout):
		require.FailNow(t, "timed out waiting for a watcher entry")
		return nil
	}
}

// readN reads n entries and formats them.
func readN(t testing.TB, w *Watcher[*ent], n int) []string {
	t.Helper()
	out := make([]string, 0, n)
	for range n {
		out = append(out, recv(t, w).String())
	}
	return out
}

// untilRev reads entries, formatted, until one of revision rev or later.
func untilRev(t testing.TB, w *Watcher[*ent], rev uint64) []string {
	t.Helper()
	var out []string
	for {
		e := recv(t, w)
		out = append(out, e.String())
		if e != nil && e.Rev >= rev {
			return out
		}
	}
}

// untilClosed reads until the channel is closed and returns what it read.
func untilClosed(t testing.TB, w *Watcher[*ent]) []*ent {
	t.Helper()
	var out []*ent
	deadline := time.After(waitTimeout)
	for {
		select {
		case e, ok := <-w.Updates():
			if !ok {
				return out
			}
			out = append(out, e)
		case <-deadline:
			require.FailNow(t, "watcher channel not closed", "read %d entries", len(out))
		}
	}
}

// requireNothing asserts that w delivers nothing for a short while and
// that its channel is still open.
func requireNothing(t testing.TB, w *Watcher[*ent], d time.Duration) {
	t.Helper()
	select {
	case e, ok := <-w.Updates():
		if !ok {
			require.FailNow(t, "watcher channel closed")
		}
		require.FailNow(t, "unexpected entry", "%v", e)
	case <-time.After(d):
	}
}

// requireDone waits for the watcher's goroutine to end.
func requireDone(t testing.TB, w *Watcher[*ent]) {
	t.Helper()
	select {
	case <-w.Done():
	case <-time.After(waitTimeout):
		require.FailNow(t, "watcher goroutine did not end")
	}
}

// waitLen waits until w's channel holds n entries.
func waitLen(t testing.TB, w *Watcher[*ent], n int) {
	t.Helper()
	require.Eventually(t, func() bool { return len(w.Updates()) == n }, waitTimeout, time.Millisecond,
		"channel never held %d entries (holds %d)", n, len(w.Updates()))
}

// noLeak records the goroutine count and, when the test ends, waits for it
// to come back down (the watchers' goroutines end asynchronously).
func noLeak(t testing.TB) {
	t.Helper()
	base := runtime.NumGoroutine()
	t.Cleanup(func() {
		t.Helper()
		waitGoroutines(t, base)
	})
}

// waitGoroutines waits until at most base goroutines run.
func waitGoroutines(t testing.TB, base int) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			require.FailNow(t, "goroutines leaked", "%d running, %d at start\n%s", runtime.NumGoroutine(), base, buf)
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}
