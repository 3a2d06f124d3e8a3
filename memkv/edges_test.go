package memkv_test

import (
	"context"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/memkv"
)

// TestLongBucketName checks the server's limit on stream names: a bucket
// whose stream name (KV_ + bucket) passes 255 bytes is refused with
// 10052 by create and update alike (the update checks the config before
// it looks the stream up); 255 bytes are accepted.
func TestLongBucketName(t *testing.T) {
	runLegacyDiff(t, func(t *testing.T, tg lgTarget, r *lgTranscript) {
		ctx := context.Background()
		long := strings.Repeat("b", 253) // stream name 256 bytes
		_, err := tg.js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: long})
		r.add("create 256: %s", fidErr(err))
		_, err = tg.js.UpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: long})
		r.add("update 256: %s", fidErr(err))
		_, err = tg.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: long})
		r.add("create or update 256: %s", fidErr(err))
		_, err = tg.js.KeyValue(ctx, long)
		r.add("open 256: %s", fidErr(err))
		r.add("delete 256: %s", fidErr(tg.js.DeleteKeyValue(ctx, long)))
		_, err = tg.kvm.CreateKeyValue(&nats.KeyValueConfig{Bucket: long})
		r.add("legacy create 256: %s", fidErr(err))

		kv, err := tg.js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: long[:252]})
		r.add("create 255: %s", fidErr(err))
		require.NoError(t, err)
		_, err = kv.PutString(ctx, "k", "v")
		r.add("put 255: %s", fidErr(err))
		s, err := kv.Status(ctx)
		require.NoError(t, err)
		r.add("status 255: %d values, stream %d bytes", s.Values(), len(s.(*jetstream.KeyValueBucketStatus).StreamInfo().Config.Name))
	})
}

// TestDeletedBucketErrorTypes checks that on a deleted bucket each call's
// error has the client's text and type, so that errors.Is and errors.As
// find what they find in the client's: the legacy package's
// ErrStreamNotFound itself from the calls made through a watcher, the
// jetstream one from Status.
func TestDeletedBucketErrorTypes(t *testing.T) {
	runLegacyDiff(t, func(t *testing.T, tg lgTarget, r *lgTranscript) {
		ctx := context.Background()
		kv, err := tg.js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "D"})
		require.NoError(t, err)
		lkv, err := tg.kvm.KeyValue("D")
		require.NoError(t, err)
		_, err = kv.PutString(ctx, "a", "1")
		require.NoError(t, err)
		w, err := kv.WatchAll(ctx)
		require.NoError(t, err)
		require.Nil(t, <-nextEntry(t, w), "a@1, then the nil marker")
		require.NoError(t, tg.js.DeleteKeyValue(ctx, "D"))

		_, err = kv.Keys(ctx)
		r.add("keys: %s", fidErr(err))
		_, err = kv.History(ctx, "a")
		r.add("history: %s", fidErr(err))
		_, err = kv.Watch(ctx, "a")
		r.add("watch: %s", fidErr(err))
		_, err = kv.ListKeys(ctx)
		r.add("list keys: %s", fidErr(err))
		r.add("purge deletes: %s", fidErr(kv.PurgeDeletes(ctx)))
		_, err = kv.Status(ctx)
		r.add("status: %s", fidErr(err))
		_, err = kv.Get(ctx, "a")
		r.add("get: %s", fidErr(err))
		_, err = kv.Put(ctx, "a", nil)
		r.add("put: %s", fidErr(err))
		r.add("delete bucket again: %s", fidErr(tg.js.DeleteKeyValue(ctx, "D")))
		r.add("old watcher stop: %s", fidErr(w.Stop()))

		_, err = lkv.Keys()
		r.add("legacy keys: %s", fidErr(err))
		_, err = lkv.History("a")
		r.add("legacy history: %s", fidErr(err))
		_, err = lkv.Watch("a")
		r.add("legacy watch: %s", fidErr(err))
		r.add("legacy purge deletes: %s", fidErr(lkv.PurgeDeletes()))
		_, err = lkv.Status()
		r.add("legacy status: %s", fidErr(err))
	})
}

// nextEntry skips to the nil marker of a watcher's initial values and
// returns a channel holding it.
func nextEntry(t *testing.T, w jetstream.KeyWatcher) <-chan jetstream.KeyValueEntry {
	t.Helper()
	out := make(chan jetstream.KeyValueEntry, 1)
	for e := range w.Updates() {
		if e == nil {
			out <- nil
			return out
		}
	}
	t.Fatal("Updates closed before the nil marker")
	return nil
}

// TestStopAfterDropLikeConnectionClosed checks that a watcher ended by
// DropWatchers answers Stop as the client's does after nc.Close:
// nats.ErrConnectionClosed, every time, in both APIs; its Updates channel
// closes after the entries already delivered.
func TestStopAfterDropLikeConnectionClosed(t *testing.T) {
	runLegacyDiff(t, func(t *testing.T, tg lgTarget, r *lgTranscript) {
		ctx := context.Background()
		kv, err := tg.js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "W"})
		require.NoError(t, err)
		lkv, err := tg.kvm.KeyValue("W")
		require.NoError(t, err)
		w, err := kv.WatchAll(ctx)
		require.NoError(t, err)
		lw, err := lkv.WatchAll()
		require.NoError(t, err)
		require.Nil(t, <-nextEntry(t, w))
		require.Nil(t, <-lw.Updates())

		tg.drop()
		r.add("stop: %s", fidErr(w.Stop()))
		r.add("second stop: %s", fidErr(w.Stop()))
		r.add("legacy stop: %s", fidErr(lw.Stop()))
		r.add("legacy second stop: %s", fidErr(lw.Stop()))
		n := 0
		for range w.Updates() {
			n++
		}
		for range lw.Updates() {
			n++
		}
		r.add("entries after the drop: %d", n)
	})
}

// TestMirrorsRefused checks the documented limit: a bucket config with
// Mirror or Sources is refused by every call that takes a config, in both
// APIs, and nothing is created.
func TestMirrorsRefused(t *testing.T) {
	m := memkv.NewTest(t)
	ctx := context.Background()
	const want = "memkv: bucket mirrors and sources are not supported"
	mirror := jetstream.KeyValueConfig{Bucket: "M", Mirror: &jetstream.StreamSource{Name: "KV_X"}}
	sources := jetstream.KeyValueConfig{Bucket: "M", Sources: []*jetstream.StreamSource{{Name: "KV_X"}}}
	for _, cfg := range []jetstream.KeyValueConfig{mirror, sources} {
		_, err := m.CreateKeyValue(ctx, cfg)
		require.EqualError(t, err, want)
		_, err = m.CreateOrUpdateKeyValue(ctx, cfg)
		require.EqualError(t, err, want)
	}
	_, err := m.Legacy().CreateKeyValue(&nats.KeyValueConfig{Bucket: "M", Mirror: &nats.StreamSource{Name: "KV_X"}})
	require.EqualError(t, err, want)
	_, err = m.Legacy().CreateKeyValue(&nats.KeyValueConfig{Bucket: "M", Sources: []*nats.StreamSource{{Name: "KV_X"}}})
	require.EqualError(t, err, want)
	_, err = m.KeyValue(ctx, "M")
	require.ErrorIs(t, err, jetstream.ErrBucketNotFound, "nothing was created")

	memBucket(t, m, "M")
	_, err = m.UpdateKeyValue(ctx, mirror)
	require.EqualError(t, err, want)
}
