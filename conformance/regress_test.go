package conformance

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/memkv"
)

// Regression tests for divergences the property tests found in memkv:
// each is the minimal operation sequence, as a plain test.

// regressBucket returns a memkv manager and a memory bucket with cfg.
func regressBucket(t *testing.T, cfg jetstream.KeyValueConfig) (*memkv.Manager, jetstream.KeyValue) {
	t.Helper()
	m := memkv.New(memkv.WithClock(memkv.NewFakeClock(lockstepStart)))
	t.Cleanup(m.Close)
	cfg.Storage = jetstream.MemoryStorage
	kv, err := m.CreateKeyValue(context.Background(), cfg)
	require.NoError(t, err)
	return m, kv
}

// Manager.Sync promises to return once every running watcher has been
// handed everything written so far. A watcher on "a" that has delivered
// its initial entry has been handed all of it after a write to "b" (there
// is nothing for it), but Sync waits until its context ends. (Without the
// first Put, Sync returns at once.)
func TestRegressSyncNonMatchingWrite(t *testing.T) {
	m, kv := regressBucket(t, jetstream.KeyValueConfig{Bucket: "R"})
	ctx := context.Background()
	_, err := kv.Put(ctx, "a", []byte("x"))
	require.NoError(t, err)
	w, err := kv.Watch(ctx, "a")
	require.NoError(t, err)
	defer func() { _ = w.Stop() }()
	require.NotNil(t, <-w.Updates())
	require.Nil(t, <-w.Updates())
	_, err = kv.Put(ctx, "b", []byte("y"))
	require.NoError(t, err)
	sctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	require.NoError(t, m.Sync(sctx), "Sync with a watcher that has nothing to deliver")
}
