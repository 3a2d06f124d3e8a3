package main

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNatsSystems runs the store calls of the scenarios on the NATS
// systems through the same client code: jetsim's wire door and
// nats-server in process give the same revisions, counts and watch
// deliveries; the wire limit answers the five calls it serves.
func TestNatsSystems(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, name := range []string{"wire", "server-inproc"} {
		t.Run(name, func(t *testing.T) {
			sys, err := kinds[kindIndex(name)].start()
			require.NoError(t, err)
			defer func() { assert.NoError(t, sys.Close()) }()
			st, err := sys.Open(ctx, 5)
			require.NoError(t, err)
			require.NoError(t, st.fill(ctx, []string{"a", "b"}, sameValue))
			w, err := st.watch(ctx, ">")
			require.NoError(t, err)
			var revs []uint64
			for range 3 { // a, b, then the marker
				rev, ok := w.next()
				require.True(t, ok)
				revs = append(revs, rev)
			}
			assert.Equal(t, []uint64{1, 2, 0}, revs, "initial values, then the marker")

			rev, err := st.put(ctx, "a", value)
			require.NoError(t, err)
			assert.Equal(t, uint64(3), rev)
			got, ok := w.next()
			assert.True(t, ok)
			assert.Equal(t, uint64(3), got, "the watcher sees the put")
			v, rev, err := st.get(ctx, "a")
			require.NoError(t, err)
			assert.Equal(t, uint64(3), rev)
			assert.Len(t, v, valueSize)
			rev, err = st.create(ctx, "c", value)
			require.NoError(t, err)
			assert.Equal(t, uint64(4), rev)
			_, err = st.create(ctx, "c", value)
			assert.Error(t, err, "c exists")
			rev, err = st.update(ctx, "c", value, 4)
			require.NoError(t, err)
			assert.Equal(t, uint64(5), rev)
			require.NoError(t, st.del(ctx, "b"))
			n, err := st.history(ctx, "a")
			require.NoError(t, err)
			assert.Equal(t, 2, n)
			n, err = st.keys(ctx)
			require.NoError(t, err)
			assert.Equal(t, 2, n, "a and c")
			w.stop()
			require.NoError(t, st.close())
		})
	}
	t.Run("wire-limit", func(t *testing.T) {
		k := kinds[kindIndex("wire-limit")]
		for _, sc := range allScenarios(sizes{keys: 10, watchers: []int{1}}) {
			assert.Equal(t, sc.name == "Setup" || sc.name == "Put" || sc.name == "Get" || sc.name == "Create" || sc.name == "Update" || sc.name == "Delete",
				k.serves(sc.name), sc.name)
		}
		sys, err := k.start()
		require.NoError(t, err)
		defer func() { assert.NoError(t, sys.Close()) }()
		st, err := sys.Open(ctx, 1)
		require.NoError(t, err)
		require.NoError(t, st.fill(ctx, []string{"a", "b"}, sameValue), "PublishAsync gets its acks")
		_, err = st.put(ctx, "a", value)
		require.NoError(t, err)
		v, _, err := st.get(ctx, "a")
		require.NoError(t, err)
		assert.Len(t, v, valueSize, "the canned direct get carries a value of the bench's size")
		_, err = st.create(ctx, "c", value)
		require.NoError(t, err)
		_, err = st.update(ctx, "c", value, 1)
		require.NoError(t, err)
		require.NoError(t, st.del(ctx, "a"))
		require.NoError(t, st.close())
	})
}
