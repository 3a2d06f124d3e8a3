package memkv_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"testing/synctest"
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

// inject adds a fault that must be valid.
func inject(t *testing.T, m *memkv.Manager, f memkv.Fault) *memkv.FaultHandle {
	t.Helper()
	h, err := m.Inject(f)
	require.NoError(t, err)
	return h
}

func TestFaultNextN(t *testing.T) {
	m := memkv.NewTest(t)
	ctx := context.Background()
	kv := memBucket(t, m, "f")
	h := inject(t, m, memkv.Fault{Ops: []memkv.Op{memkv.OpPut}, Err: nats.ErrTimeout, Times: 2})
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
	inject(t, m, memkv.Fault{Bucket: "a", Keys: "orders.>", Err: jetstream.ErrNoStreamResponse})

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
			inject(t, m, memkv.Fault{Err: want})
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
		inject(t, m, memkv.Fault{Err: nats.ErrTimeout, Rate: 0.3})
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

// TestFaultInvalid checks that Inject refuses a fault that would
// silently hit never or always, and adds nothing.
func TestFaultInvalid(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    memkv.Fault
		want string
	}{
		{"malformed key pattern", memkv.Fault{Keys: "a..b"}, `memkv: invalid fault: Keys "a..b" is not a valid key pattern`},
		{"key pattern with a space", memkv.Fault{Keys: "a b"}, `memkv: invalid fault: Keys "a b" is not a valid key pattern`},
		{"'>' not last", memkv.Fault{Keys: ">.a"}, `memkv: invalid fault: Keys ">.a" is not a valid key pattern`},
		{"invalid bucket name", memkv.Fault{Bucket: "a.b"}, `memkv: invalid fault: Bucket "a.b" is not a valid bucket name`},
		{"unknown op", memkv.Fault{Ops: []memkv.Op{memkv.OpGet, "Gett"}}, `memkv: invalid fault: unknown Op "Gett"`},
		{"rate over 1", memkv.Fault{Rate: 1.5}, "memkv: invalid fault: Rate 1.5 is outside [0, 1]"},
		{"negative rate", memkv.Fault{Rate: -0.1}, "memkv: invalid fault: Rate -0.1 is outside [0, 1]"},
		{"NaN rate", memkv.Fault{Rate: math.NaN()}, "memkv: invalid fault: Rate NaN is outside [0, 1]"},
		{"negative times", memkv.Fault{Times: -1}, "memkv: invalid fault: Times -1 is negative"},
		{"negative latency", memkv.Fault{Latency: -time.Second}, "memkv: invalid fault: Latency -1s is negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := memkv.NewTest(t)
			kv := memBucket(t, m, "v")
			h, err := m.Inject(tc.f)
			require.ErrorIs(t, err, memkv.ErrInvalidFault)
			require.EqualError(t, err, tc.want)
			require.Nil(t, h)
			_, err = kv.PutString(context.Background(), "a.b", "x")
			require.NoError(t, err, "no fault was added")
		})
	}
	t.Run("limits are valid", func(t *testing.T) {
		m := memkv.NewTest(t)
		for _, f := range []memkv.Fault{{Rate: 1}, {Keys: ">"}, {Keys: "a.*.c"}, {Bucket: "B-1_x"},
			{Ops: []memkv.Op{memkv.OpGet, memkv.OpPut, memkv.OpCreate, memkv.OpUpdate, memkv.OpDelete, memkv.OpPurge,
				memkv.OpWatch, memkv.OpKeys, memkv.OpHistory, memkv.OpPurgeDeletes, memkv.OpStatus, memkv.OpBucket}}} {
			_, err := m.Inject(f)
			require.NoError(t, err, "%+v", f)
		}
	})
	t.Run("Ops are copied in", func(t *testing.T) {
		m := memkv.NewTest(t)
		kv := memBucket(t, m, "c")
		ops := []memkv.Op{memkv.OpGet}
		inject(t, m, memkv.Fault{Ops: ops, Err: nats.ErrTimeout})
		ops[0] = memkv.OpPut
		_, err := kv.PutString(context.Background(), "k", "v")
		require.NoError(t, err)
		_, err = kv.Get(context.Background(), "k")
		require.ErrorIs(t, err, nats.ErrTimeout)
	})
}

// TestFaultLatencyFakeClock checks that Latency is time on the manager's
// clock: with a FakeClock the call waits until Advance reaches it, and
// the end of its context ends the wait and the timer.
func TestFaultLatencyFakeClock(t *testing.T) {
	clock := memkv.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	m := memkv.NewTest(t, memkv.WithClock(clock))
	kv := memBucket(t, m, "l")
	base := clock.Pending()
	h := inject(t, m, memkv.Fault{Ops: []memkv.Op{memkv.OpGet}, Latency: time.Hour})

	done := make(chan error, 1)
	go func() { _, err := kv.Get(context.Background(), "k"); done <- err }()
	require.Eventually(t, func() bool { return clock.Pending() == base+1 }, 5*time.Second, time.Millisecond,
		"the call waits on a timer of the fake clock")
	clock.Advance(time.Hour - time.Nanosecond)
	select {
	case err := <-done:
		t.Fatalf("Get returned before its latency had passed on the clock: %v", err)
	default:
	}
	clock.Advance(time.Nanosecond)
	require.ErrorIs(t, <-done, jetstream.ErrKeyNotFound, "after the latency the call goes on")
	require.Equal(t, 1, h.Hits())

	ctx, cancel := context.WithCancel(context.Background())
	go func() { _, err := kv.Get(ctx, "k"); done <- err }()
	require.Eventually(t, func() bool { return clock.Pending() == base+1 }, 5*time.Second, time.Millisecond)
	cancel()
	require.ErrorIs(t, <-done, context.Canceled, "latency honours the caller's context")
	require.Equal(t, base, clock.Pending(), "the timer is stopped")

	h.Remove()
	_, err := kv.Get(context.Background(), "k")
	require.ErrorIs(t, err, jetstream.ErrKeyNotFound)
}

// TestFaultLatencySynctest checks that with the default clock, Latency
// inside a testing/synctest bubble takes the bubble's time.
func TestFaultLatencySynctest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		m := memkv.New()
		defer m.Close()
		kv := memBucket(t, m, "s")
		inject(t, m, memkv.Fault{Ops: []memkv.Op{memkv.OpPut}, Latency: time.Hour})
		start := time.Now()
		_, err := kv.PutString(ctx, "k", "v")
		require.NoError(t, err)
		assert.Equal(t, time.Hour, time.Since(start))

		tctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		start = time.Now()
		_, err = kv.PutString(tctx, "k", "v")
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, time.Minute, time.Since(start))
	})
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
