package memkv_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/memkv"
	"github.com/jetsim/jetsim/stream"
)

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func newFake(t *testing.T) (*memkv.FakeClock, *memkv.Manager) {
	clock := memkv.NewFakeClock(epoch)
	return clock, memkv.NewTest(t, memkv.WithClock(clock))
}

func TestFakeClockTimers(t *testing.T) {
	c := memkv.NewFakeClock(epoch)
	var fired []string
	c.AfterFunc(2*time.Second, func() { fired = append(fired, "b") })
	c.AfterFunc(time.Second, func() {
		fired = append(fired, "a")
		c.AfterFunc(500*time.Millisecond, func() { fired = append(fired, "a2") })
	})
	stopped := c.AfterFunc(time.Second, func() { fired = append(fired, "never") })
	assert.True(t, stopped.Stop())
	assert.False(t, stopped.Stop())

	c.Advance(999 * time.Millisecond)
	assert.Empty(t, fired)
	c.Advance(time.Second)
	assert.Equal(t, []string{"a", "a2"}, fired, "timers scheduled inside the window fire too")
	assert.Equal(t, epoch.Add(1999*time.Millisecond), c.Now())
	c.Advance(time.Millisecond)
	assert.Equal(t, []string{"a", "a2", "b"}, fired)
	assert.Zero(t, c.Pending())
}

// A bucket TTL test without sleeping: values expire exactly at their age,
// and Created() comes from the clock.
func TestFakeClockBucketTTL(t *testing.T) {
	clock, m := newFake(t)
	ctx := context.Background()
	kv, err := m.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "ttl", TTL: time.Hour, Storage: jetstream.MemoryStorage})
	require.NoError(t, err)
	_, err = kv.PutString(ctx, "a", "1")
	require.NoError(t, err)
	e, err := kv.Get(ctx, "a")
	require.NoError(t, err)
	assert.Equal(t, epoch, e.Created())

	clock.Advance(59 * time.Minute)
	_, err = kv.PutString(ctx, "b", "2")
	require.NoError(t, err)
	clock.Advance(time.Minute - time.Nanosecond)
	_, err = kv.Get(ctx, "a")
	require.NoError(t, err, "one nanosecond before its hour")

	clock.Advance(time.Nanosecond)
	_, err = kv.Get(ctx, "a")
	require.ErrorIs(t, err, jetstream.ErrKeyNotFound)
	_, err = kv.Get(ctx, "b")
	require.NoError(t, err)
	st, err := kv.Status(ctx)
	require.NoError(t, err)
	assert.Equal(t, uint64(1), st.Values())

	clock.Advance(time.Hour)
	st, err = kv.Status(ctx)
	require.NoError(t, err)
	assert.Zero(t, st.Values())
}

// KeyTTL with limit markers: the key becomes a MaxAge marker (PURGE) at
// its TTL, watchers see it, and the marker itself goes after
// LimitMarkerTTL (SEMANTICS §5.3, §5.4).
func TestFakeClockKeyTTLMarkers(t *testing.T) {
	clock, m := newFake(t)
	ctx := context.Background()
	kv, err := m.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "lmt", LimitMarkerTTL: 2 * time.Second, Storage: jetstream.MemoryStorage})
	require.NoError(t, err)
	w, err := kv.WatchAll(ctx, jetstream.UpdatesOnly())
	require.NoError(t, err)
	defer w.Stop()

	rev, err := kv.Create(ctx, "k", []byte("v"), jetstream.KeyTTL(1900*time.Millisecond))
	require.NoError(t, err)
	require.Equal(t, uint64(1), rev)
	assert.Equal(t, "k@1 PUT", brief(<-w.Updates()))

	clock.Advance(999 * time.Millisecond)
	_, err = kv.Get(ctx, "k")
	require.NoError(t, err, "a 1.9s TTL is truncated to 1s by the server")
	clock.Advance(time.Millisecond)
	assert.Equal(t, "k@2 PURGE", brief(<-w.Updates()))
	_, err = kv.Get(ctx, "k")
	require.ErrorIs(t, err, jetstream.ErrKeyNotFound)
	_, err = kv.Keys(ctx)
	require.ErrorIs(t, err, jetstream.ErrNoKeysFound)
	rev, err = kv.Create(ctx, "k", []byte("again"), jetstream.KeyTTL(time.Second))
	require.NoError(t, err, "Create overwrites a limit marker")
	require.Equal(t, uint64(3), rev)
	assert.Equal(t, "k@3 PUT", brief(<-w.Updates()))

	clock.Advance(time.Second)
	assert.Equal(t, "k@4 PURGE", brief(<-w.Updates()))
	st, err := kv.Status(ctx)
	require.NoError(t, err)
	assert.Equal(t, uint64(1), st.Values())
	clock.Advance(2 * time.Second)
	st, err = kv.Status(ctx)
	require.NoError(t, err)
	assert.Zero(t, st.Values(), "the marker expires silently after LimitMarkerTTL")
}

// PurgeDeletes thresholds come from the clock too.
func TestFakeClockPurgeDeletesThreshold(t *testing.T) {
	clock, m := newFake(t)
	ctx := context.Background()
	kv, err := m.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "pd", History: 5, Storage: jetstream.MemoryStorage})
	require.NoError(t, err)
	for _, k := range []string{"a", "b"} {
		_, err = kv.PutString(ctx, k, "1")
		require.NoError(t, err)
		require.NoError(t, kv.Delete(ctx, k))
	}
	require.NoError(t, kv.PurgeDeletes(ctx))
	st, _ := kv.Status(ctx)
	assert.Equal(t, uint64(2), st.Values(), "young markers are kept")

	clock.Advance(30*time.Minute + time.Nanosecond)
	require.NoError(t, kv.PurgeDeletes(ctx))
	st, _ = kv.Status(ctx)
	assert.Zero(t, st.Values(), "markers older than 30 minutes go")
}

// The memkv Clock and the stream's are the same interface, so a Clock
// from either package goes where the other is expected; AdvanceTo moves to
// an instant and runs what falls due on the way, and never moves back.
func TestFakeClockAdvanceTo(t *testing.T) {
	c := memkv.NewFakeClock(epoch)
	var sc stream.Clock = c
	var mc memkv.Clock = stream.NewFakeClock(epoch)
	assert.Equal(t, epoch, mc.Now())

	fired := 0
	sc.AfterFunc(time.Minute, func() { fired++ })
	c.AdvanceTo(epoch.Add(time.Minute - time.Nanosecond))
	assert.Zero(t, fired)
	assert.Equal(t, 1, c.Pending())
	c.AdvanceTo(epoch.Add(time.Hour))
	assert.Equal(t, 1, fired)
	assert.Zero(t, c.Pending())
	c.AdvanceTo(epoch)
	assert.Equal(t, epoch.Add(time.Hour), c.Now(), "AdvanceTo an earlier time leaves the clock where it is")
}

func brief(e jetstream.KeyValueEntry) string {
	if e == nil {
		return "<nil>"
	}
	return e.Key() + "@" + itoa(e.Revision()) + " " + opName(e.Operation())
}

func itoa(n uint64) string {
	return fmtUint(n)
}

// WithClock(nil) leaves the default clock, as if the option were not
// given, instead of a manager that panics on its first bucket.
func TestWithClockNil(t *testing.T) {
	m := memkv.NewTest(t, memkv.WithClock(nil))
	kv, err := m.CreateKeyValue(context.Background(), jetstream.KeyValueConfig{Bucket: "nilclock"})
	require.NoError(t, err)
	_, err = kv.PutString(context.Background(), "k", "v")
	require.NoError(t, err)
	e, err := kv.Get(context.Background(), "k")
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now(), e.Created(), time.Minute)
}
