package memkv_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/memkv"
)

func memBucket(t *testing.T, m *memkv.Manager, name string) jetstream.KeyValue {
	t.Helper()
	kv, err := m.CreateKeyValue(context.Background(), jetstream.KeyValueConfig{Bucket: name, History: 5, Storage: jetstream.MemoryStorage})
	require.NoError(t, err)
	return kv
}

func TestFaultNextN(t *testing.T) {
	m := memkv.NewTest(t)
	ctx := context.Background()
	kv := memBucket(t, m, "f")
	h := m.Inject(memkv.Fault{Ops: []memkv.Op{memkv.OpPut}, Err: nats.ErrTimeout, Times: 2})
	for i := 0; i < 2; i++ {
		_, err := kv.PutString(ctx, "k", "v")
		require.ErrorIs(t, err, nats.ErrTimeout)
	}
	rev, err := kv.PutString(ctx, "k", "v")
	require.NoError(t, err)
	assert.Equal(t, uint64(1), rev, "a failed call stores nothing and uses no revision")
	assert.Equal(t, 2, h.Hits())
	_, err = kv.Get(ctx, "k")
	require.NoError(t, err, "other operations are not hit")
}

func TestFaultScope(t *testing.T) {
	m := memkv.NewTest(t)
	ctx := context.Background()
	a, b := memBucket(t, m, "a"), memBucket(t, m, "b")
	m.Inject(memkv.Fault{Bucket: "a", Keys: "orders.>", Err: jetstream.ErrNoStreamResponse})

	_, err := a.PutString(ctx, "orders.1", "x")
	require.ErrorIs(t, err, jetstream.ErrNoStreamResponse)
	_, err = a.Get(ctx, "orders.1")
	require.ErrorIs(t, err, jetstream.ErrNoStreamResponse)
	_, err = a.PutString(ctx, "users.1", "x")
	require.NoError(t, err, "another key pattern")
	_, err = b.PutString(ctx, "orders.1", "x")
	require.NoError(t, err, "another bucket")
	_, err = a.Watch(ctx, "orders.*")
	require.ErrorIs(t, err, jetstream.ErrNoStreamResponse, "a watch whose pattern overlaps")
	w, err := a.Watch(ctx, "users.*")
	require.NoError(t, err)
	require.NoError(t, w.Stop())
	_, err = a.Status(ctx)
	require.NoError(t, err, "a bucket-wide call is outside a key-scoped fault")
}

func TestFaultEveryError(t *testing.T) {
	for _, want := range []error{context.DeadlineExceeded, nats.ErrTimeout, nats.ErrConnectionClosed,
		jetstream.ErrNoStreamResponse, jetstream.ErrJetStreamNotEnabled, errors.New("custom")} {
		t.Run(want.Error(), func(t *testing.T) {
			m := memkv.NewTest(t)
			kv := memBucket(t, m, "e")
			m.Inject(memkv.Fault{Err: want})
			ctx := context.Background()
			_, err := kv.Get(ctx, "k")
			require.ErrorIs(t, err, want)
			_, err = kv.Keys(ctx)
			require.ErrorIs(t, err, want)
			_, err = kv.History(ctx, "k")
			require.ErrorIs(t, err, want)
			require.ErrorIs(t, kv.Delete(ctx, "k"), want)
			require.ErrorIs(t, kv.PurgeDeletes(ctx), want)
			_, err = m.KeyValue(ctx, "e")
			require.ErrorIs(t, err, want)
		})
	}
}

// A seeded fraction of calls fails, and the same seed fails the same calls.
func TestFaultRateReplaysFromSeed(t *testing.T) {
	run := func(seed uint64) []bool {
		m := memkv.NewTest(t, memkv.WithSeed(seed))
		kv := memBucket(t, m, "r")
		m.Inject(memkv.Fault{Err: nats.ErrTimeout, Rate: 0.3})
		var failed []bool
		for i := 0; i < 200; i++ {
			_, err := kv.PutString(context.Background(), "k", "v")
			failed = append(failed, err != nil)
		}
		return failed
	}
	first := run(42)
	assert.Equal(t, first, run(42))
	assert.NotEqual(t, first, run(43))
	n := 0
	for _, f := range first {
		if f {
			n++
		}
	}
	assert.InDelta(t, 60, n, 25, "about 30%% of 200 calls fail")
}

func TestFaultLatency(t *testing.T) {
	m := memkv.NewTest(t)
	kv := memBucket(t, m, "l")
	h := m.Inject(memkv.Fault{Ops: []memkv.Op{memkv.OpGet}, Latency: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := kv.Get(ctx, "k")
	require.ErrorIs(t, err, context.DeadlineExceeded, "latency honours the caller's context")
	h.Remove()
	_, err = kv.Get(context.Background(), "k")
	require.ErrorIs(t, err, jetstream.ErrKeyNotFound)

	m.Inject(memkv.Fault{Ops: []memkv.Op{memkv.OpPut}, Latency: 5 * time.Millisecond})
	start := time.Now()
	_, err = kv.PutString(context.Background(), "k", "v")
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 5*time.Millisecond)
}

// DropWatchers ends watchers as a lost connection would: buffered entries
// are still readable, then the channel closes.
func TestFaultDropWatchers(t *testing.T) {
	m := memkv.NewTest(t)
	ctx := context.Background()
	kv := memBucket(t, m, "d")
	_, err := kv.PutString(ctx, "a.1", "x")
	require.NoError(t, err)
	wa, err := kv.Watch(ctx, "a.>")
	require.NoError(t, err)
	wb, err := kv.Watch(ctx, "b.>")
	require.NoError(t, err)
	defer wb.Stop()
	require.NoError(t, m.Sync(ctx))

	assert.Equal(t, 1, m.DropWatchers("d", "a.*"))
	var got []string
	for e := range wa.Updates() {
		got = append(got, brief(e))
	}
	assert.Equal(t, []string{"a.1@1 PUT", "<nil>"}, got)
	assert.Equal(t, 1, m.Watchers("d"))
}
