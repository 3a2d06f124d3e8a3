package memkv_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/memkv"
)

// copyValues are the values the copy tests use: small ones may be kept
// inline in an entry, large ones not.
var copyValues = map[string][]byte{
	"small": []byte("hello"),
	"large": bytes.Repeat([]byte("0123456789"), 20),
	"empty": {},
}

func copyBucket(t *testing.T) jetstream.KeyValue {
	t.Helper()
	kv, err := memkv.New().CreateKeyValue(context.Background(), jetstream.KeyValueConfig{Bucket: "C", History: 5, Storage: jetstream.MemoryStorage})
	require.NoError(t, err)
	return kv
}

// scribble overwrites every byte of b and appends to it, as careless
// callers do with a slice they were handed.
func scribble(b []byte) {
	for i := range b {
		b[i] = '#'
	}
	_ = append(b, "tail"...)
}

// TestValuesCopiedIn checks that the slice passed to Put, Create or Update
// belongs to the caller again once the call returns.
func TestValuesCopiedIn(t *testing.T) {
	ctx := context.Background()
	writes := map[string]func(kv jetstream.KeyValue, key string, v []byte) (uint64, error){
		"Put": func(kv jetstream.KeyValue, key string, v []byte) (uint64, error) { return kv.Put(ctx, key, v) },
		"Create": func(kv jetstream.KeyValue, key string, v []byte) (uint64, error) {
			return kv.Create(ctx, key, v)
		},
		"Update": func(kv jetstream.KeyValue, key string, v []byte) (uint64, error) {
			rev, err := kv.PutString(ctx, key, "first")
			if err != nil {
				return 0, err
			}
			return kv.Update(ctx, key, v, rev)
		},
	}
	for wname, write := range writes {
		for vname, val := range copyValues {
			t.Run(wname+"/"+vname, func(t *testing.T) {
				kv := copyBucket(t)
				w, err := kv.Watch(ctx, "k", jetstream.UpdatesOnly())
				require.NoError(t, err)
				defer w.Stop()
				in := bytes.Clone(val)
				rev, err := write(kv, "k", in)
				require.NoError(t, err)
				scribble(in)

				e, err := kv.Get(ctx, "k")
				require.NoError(t, err)
				require.Equal(t, val, e.Value(), "Get")
				e, err = kv.GetRevision(ctx, "k", rev)
				require.NoError(t, err)
				require.Equal(t, val, e.Value(), "GetRevision")
				h, err := kv.History(ctx, "k")
				require.NoError(t, err)
				require.Equal(t, val, h[len(h)-1].Value(), "History")
				for {
					select {
					case we := <-w.Updates():
						if we.Revision() < rev {
							continue
						}
						require.Equal(t, val, we.Value(), "watch entry")
					case <-time.After(stressWait):
						require.FailNow(t, "no watch entry")
					}
					break
				}
			})
		}
	}
}

// TestValuesCopiedOut checks that the slice Value() returns belongs to the
// caller: scribbling on it changes neither what is stored nor what any
// other read returns, whichever read it came from.
func TestValuesCopiedOut(t *testing.T) {
	ctx := context.Background()
	recvOne := func(t *testing.T, w jetstream.KeyWatcher) jetstream.KeyValueEntry {
		t.Helper()
		select {
		case e := <-w.Updates():
			require.NotNil(t, e)
			return e
		case <-time.After(stressWait):
			require.FailNow(t, "no watch entry")
			return nil
		}
	}
	reads := map[string]func(t *testing.T, kv jetstream.KeyValue, rev uint64) jetstream.KeyValueEntry{
		"Get": func(t *testing.T, kv jetstream.KeyValue, _ uint64) jetstream.KeyValueEntry {
			e, err := kv.Get(ctx, "k")
			require.NoError(t, err)
			return e
		},
		"GetRevision": func(t *testing.T, kv jetstream.KeyValue, rev uint64) jetstream.KeyValueEntry {
			e, err := kv.GetRevision(ctx, "k", rev)
			require.NoError(t, err)
			return e
		},
		"History": func(t *testing.T, kv jetstream.KeyValue, _ uint64) jetstream.KeyValueEntry {
			h, err := kv.History(ctx, "k")
			require.NoError(t, err)
			return h[len(h)-1]
		},
		"Watch": func(t *testing.T, kv jetstream.KeyValue, _ uint64) jetstream.KeyValueEntry {
			w, err := kv.Watch(ctx, "k")
			require.NoError(t, err)
			t.Cleanup(func() { _ = w.Stop() })
			return recvOne(t, w)
		},
		"WatchIncludeHistory": func(t *testing.T, kv jetstream.KeyValue, _ uint64) jetstream.KeyValueEntry {
			w, err := kv.WatchAll(ctx, jetstream.IncludeHistory())
			require.NoError(t, err)
			t.Cleanup(func() { _ = w.Stop() })
			return recvOne(t, w)
		},
	}
	for rname, read := range reads {
		for vname, val := range copyValues {
			t.Run(rname+"/"+vname, func(t *testing.T) {
				kv := copyBucket(t)
				// A live watcher receives the same revision as the reads.
				live, err := kv.Watch(ctx, "k", jetstream.UpdatesOnly())
				require.NoError(t, err)
				defer live.Stop()
				rev, err := kv.Put(ctx, "k", bytes.Clone(val))
				require.NoError(t, err)

				e := read(t, kv, rev)
				require.Equal(t, rev, e.Revision())
				require.Equal(t, val, e.Value())
				scribble(e.Value())
				// Each call copies: entries may be shared between readers.
				require.Equal(t, val, e.Value(), "%s's entry after scribbling on its value", rname)

				for name, again := range reads {
					require.Equal(t, val, again(t, kv, rev).Value(), "%s after scribbling on a %s value", name, rname)
				}
				require.Equal(t, val, recvOne(t, live).Value(), "a live watcher's entry")
			})
		}
	}
}
