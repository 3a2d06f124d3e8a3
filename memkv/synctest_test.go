package memkv_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/memkv"
)

// With its default clock memkv runs inside a testing/synctest bubble: a
// one-hour TTL expires in a time.Sleep(time.Hour) that takes no real time,
// and the manager's goroutines and timers live and end in the bubble.
func TestSynctestBubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		m := memkv.New()
		kv, err := m.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "s", TTL: time.Hour, LimitMarkerTTL: time.Minute, Storage: jetstream.MemoryStorage})
		require.NoError(t, err)
		w := expireInBubble(t, kv)

		time.Sleep(time.Minute)
		synctest.Wait()
		st, err := kv.Status(ctx)
		require.NoError(t, err)
		assert.Zero(t, st.Values())
		require.NoError(t, w.Stop())
		m.Close()
	})
}

// expireInBubble watches kv (a bucket with a one-hour TTL), puts "k", lets
// the hour pass in the bubble and checks that "k" is gone and that the
// watcher got the MaxAge marker, stamped an hour after the put. It returns
// the watcher, caught up.
func expireInBubble(t *testing.T, kv jetstream.KeyValue) jetstream.KeyWatcher {
	t.Helper()
	ctx := context.Background()
	w, err := kv.WatchAll(ctx, jetstream.UpdatesOnly())
	require.NoError(t, err)
	start := time.Now()
	_, err = kv.PutString(ctx, "k", "v")
	require.NoError(t, err)
	assert.Equal(t, "k@1 PUT", brief(<-w.Updates()))

	time.Sleep(time.Hour)
	synctest.Wait()
	_, err = kv.Get(ctx, "k")
	require.ErrorIs(t, err, jetstream.ErrKeyNotFound)
	e := <-w.Updates()
	assert.Equal(t, "k@2 PURGE", brief(e))
	assert.Equal(t, time.Hour, e.Created().Sub(start))
	return w
}
