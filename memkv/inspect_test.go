package memkv_test

import (
	"context"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/memkv"
)

func TestDump(t *testing.T) {
	m := memkv.NewTest(t)
	ctx := context.Background()
	kv := memBucket(t, m, "dump")
	_, err := kv.PutString(ctx, "a", "hello")
	require.NoError(t, err)
	_, err = kv.Create(ctx, "b", []byte("x"))
	require.NoError(t, err)
	require.NoError(t, kv.Purge(ctx, "a"))

	msgs, err := m.Dump("dump")
	require.NoError(t, err)
	require.Len(t, msgs, 2, "the purge rolled up a's history")
	assert.Equal(t, uint64(2), msgs[0].Revision)
	assert.Equal(t, "b", msgs[0].Key)
	assert.Equal(t, jetstream.KeyValuePut, msgs[0].Operation)
	assert.Equal(t, "0", msgs[0].Header.Get("Nats-Expected-Last-Subject-Sequence"))
	assert.Equal(t, 1, msgs[0].ValueSize)
	assert.Equal(t, "a", msgs[1].Key)
	assert.Equal(t, jetstream.KeyValuePurge, msgs[1].Operation)
	assert.Equal(t, "sub", msgs[1].Header.Get("Nats-Rollup"))

	_, err = m.Dump("nope")
	require.ErrorIs(t, err, jetstream.ErrBucketNotFound)
}

func TestWatchersAndSync(t *testing.T) {
	m := memkv.NewTest(t)
	ctx := context.Background()
	kv := memBucket(t, m, "sync")
	assert.Zero(t, m.Watchers(""))
	var ws []jetstream.KeyWatcher
	for i := 0; i < 3; i++ {
		w, err := kv.WatchAll(ctx, jetstream.UpdatesOnly())
		require.NoError(t, err)
		ws = append(ws, w)
	}
	assert.Equal(t, 3, m.Watchers("sync"))
	for i := 0; i < 100; i++ {
		_, err := kv.PutString(ctx, "k", "v")
		require.NoError(t, err)
	}
	require.NoError(t, m.Sync(ctx))
	for _, w := range ws {
		assert.Len(t, w.Updates(), 100, "Sync returns once every entry is in every channel")
		require.NoError(t, w.Stop())
	}
	for _, w := range ws {
		for range w.Updates() {
		}
	}
	assert.Zero(t, m.Watchers(""))
}
