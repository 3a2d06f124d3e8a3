package memkv_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSharedEntries: Gets and caught-up watchers share one entry per
// stored message, yet each sees it as its own client would: Get's
// Created() in UTC, a watcher's in Local, whichever read came first.
func TestSharedEntries(t *testing.T) {
	ctx := context.Background()
	kv := copyBucket(t)
	_, err := kv.Put(ctx, "a", []byte("1"))
	require.NoError(t, err)
	_, err = kv.Put(ctx, "b", []byte("2"))
	require.NoError(t, err)

	// Get first, then a watcher delivers the same message.
	g, err := kv.Get(ctx, "b")
	require.NoError(t, err)
	assert.Equal(t, time.UTC, g.Created().Location())
	w, err := kv.WatchAll(ctx)
	require.NoError(t, err)
	defer w.Stop()
	var got []jetstream.KeyValueEntry
	for e := range w.Updates() {
		if e == nil {
			break
		}
		got = append(got, e)
	}
	require.Len(t, got, 2)
	assert.Equal(t, []uint64{1, 0}, []uint64{got[0].Delta(), got[1].Delta()})
	for _, e := range got {
		assert.Equal(t, time.Local, e.Created().Location(), "watch entry %s", e.Key())
	}
	assert.Equal(t, g.Created(), got[1].Created().UTC())
	a, err := kv.Get(ctx, "a")
	require.NoError(t, err)
	assert.Equal(t, time.UTC, a.Created().Location(), "Get after the watcher's delivery")

	// A live update: the watchers' entry first, then Get.
	w2, err := kv.Watch(ctx, "b", jetstream.UpdatesOnly())
	require.NoError(t, err)
	defer w2.Stop()
	rev, err := kv.Put(ctx, "b", []byte("3"))
	require.NoError(t, err)
	for _, e := range []jetstream.KeyValueEntry{<-w.Updates(), <-w2.Updates()} {
		require.NotNil(t, e)
		assert.Equal(t, rev, e.Revision())
		assert.Equal(t, "b", e.Key())
		assert.Equal(t, []byte("3"), e.Value())
		assert.Equal(t, uint64(0), e.Delta())
		assert.Equal(t, time.Local, e.Created().Location())
	}
	g, err = kv.Get(ctx, "b")
	require.NoError(t, err)
	assert.Equal(t, rev, g.Revision())
	assert.Equal(t, time.UTC, g.Created().Location())

	// A deleted key's shared entry is a delete marker: Get says not found.
	require.NoError(t, kv.Delete(ctx, "b"))
	e := <-w.Updates()
	assert.Equal(t, jetstream.KeyValueDelete, e.Operation())
	_, err = kv.Get(ctx, "b")
	require.ErrorIs(t, err, jetstream.ErrKeyNotFound)
	_, err = kv.Get(ctx, "b")
	require.ErrorIs(t, err, jetstream.ErrKeyNotFound, "a second Get of the marker")
}

// TestGetAllocations: a Get of a key read before allocates nothing; the
// entry is the stored message's shared one.
func TestGetAllocations(t *testing.T) {
	ctx := context.Background()
	kv := copyBucket(t)
	_, err := kv.Put(ctx, "k", []byte("v"))
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := kv.Get(ctx, "k"); err != nil {
			panic(err)
		}
	})
	assert.Zero(t, allocs)
}
