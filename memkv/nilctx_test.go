package memkv_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/memkv"
)

// errTree prints an error's type and, recursively, the types it wraps,
// so that two errors with the same text but other types differ.
func errTree(err error) string {
	if err == nil {
		return "nil"
	}
	s := fmt.Sprintf("%T", err)
	switch e := err.(type) {
	case interface{ Unwrap() error }:
		s += "(" + errTree(e.Unwrap()) + ")"
	case interface{ Unwrap() []error }:
		var parts []string
		for _, x := range e.Unwrap() {
			parts = append(parts, errTree(x))
		}
		s += "[" + strings.Join(parts, " ") + "]"
	}
	return s
}

// fidErr prints an error's text, its type tree, what errors.As finds
// among both packages' API errors, and the stream-not-found sentinels
// it is (errors.Is) or equals.
func fidErr(err error) string {
	if err == nil {
		return "<nil>"
	}
	var ja *jetstream.APIError
	var na *nats.APIError
	return fmt.Sprintf("%q %s as(js=%v nats=%v) is(js=%v nats=%v) ==(js=%v nats=%v)", err.Error(), errTree(err),
		errors.As(err, &ja), errors.As(err, &na),
		errors.Is(err, jetstream.ErrStreamNotFound), errors.Is(err, nats.ErrStreamNotFound),
		err == jetstream.ErrStreamNotFound, err == nats.ErrStreamNotFound)
}

// call runs f and prints "panic" if it panics, or its error.
func call(f func() error) (out string) {
	defer func() {
		if recover() != nil {
			out = "panic"
		}
	}()
	return fidErr(f())
}

// TestNilContextLikeClient checks that a nil context fails loudly where
// the client's does: every call that panics in nats.go v1.56.0 panics in
// memkv too, the checks that come before the client's first use of the
// context still return their errors, and the listings report
// nats.ErrInvalidContext. nats.Context(nil) panics in the legacy API.
func TestNilContextLikeClient(t *testing.T) {
	runLegacyDiff(t, func(t *testing.T, tg lgTarget, r *lgTranscript) {
		ctx := context.Background()
		var nilCtx context.Context
		kv, err := tg.js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "N"})
		require.NoError(t, err)
		_, err = kv.PutString(ctx, "a", "1")
		require.NoError(t, err)
		lkv, err := tg.kvm.KeyValue("N")
		require.NoError(t, err)
		nilOpt := nats.Context(nilCtx)
		stop := func(w interface{ Stop() error }) {
			if w != nil {
				_ = w.Stop()
			}
		}
		cfg := func(bucket string, history uint8) jetstream.KeyValueConfig {
			return jetstream.KeyValueConfig{Bucket: bucket, History: history}
		}
		cancelled, cancel := context.WithCancel(ctx)
		cancel()

		for _, c := range []struct {
			name string
			f    func() error
		}{
			{"KeyValue", func() error { _, err := tg.js.KeyValue(nilCtx, "N"); return err }},
			{"KeyValue bad name", func() error { _, err := tg.js.KeyValue(nilCtx, "a.b"); return err }},
			{"CreateKeyValue", func() error { _, err := tg.js.CreateKeyValue(nilCtx, cfg("C", 0)); return err }},
			{"CreateKeyValue bad name", func() error { _, err := tg.js.CreateKeyValue(nilCtx, cfg("a.b", 0)); return err }},
			{"CreateKeyValue history 100", func() error { _, err := tg.js.CreateKeyValue(nilCtx, cfg("C", 100)); return err }},
			{"CreateKeyValue history 100 cancelled", func() error { _, err := tg.js.CreateKeyValue(cancelled, cfg("C", 100)); return err }},
			{"UpdateKeyValue", func() error { _, err := tg.js.UpdateKeyValue(nilCtx, cfg("N", 0)); return err }},
			{"UpdateKeyValue bad name", func() error { _, err := tg.js.UpdateKeyValue(nilCtx, cfg("a.b", 0)); return err }},
			{"CreateOrUpdateKeyValue", func() error { _, err := tg.js.CreateOrUpdateKeyValue(nilCtx, cfg("C", 0)); return err }},
			{"DeleteKeyValue", func() error { return tg.js.DeleteKeyValue(nilCtx, "C") }},
			{"DeleteKeyValue bad name", func() error { return tg.js.DeleteKeyValue(nilCtx, "a.b") }},
			{"KeyValueStoreNames", func() error {
				l := tg.js.KeyValueStoreNames(nilCtx)
				for range l.Name() {
				}
				return l.Error()
			}},
			{"KeyValueStores", func() error {
				l := tg.js.KeyValueStores(nilCtx)
				for range l.Status() {
				}
				return l.Error()
			}},
			{"Get", func() error { _, err := kv.Get(nilCtx, "a"); return err }},
			{"Get bad key", func() error { _, err := kv.Get(nilCtx, "a b"); return err }},
			{"GetRevision", func() error { _, err := kv.GetRevision(nilCtx, "a", 1); return err }},
			{"Put", func() error { _, err := kv.Put(nilCtx, "a", nil); return err }},
			{"Put bad key", func() error { _, err := kv.Put(nilCtx, "a b", nil); return err }},
			{"PutString", func() error { _, err := kv.PutString(nilCtx, "a", ""); return err }},
			{"Create", func() error { _, err := kv.Create(nilCtx, "c", nil); return err }},
			{"Create bad key", func() error { _, err := kv.Create(nilCtx, "a b", nil); return err }},
			{"Update", func() error { _, err := kv.Update(nilCtx, "a", nil, 1); return err }},
			{"Update bad key", func() error { _, err := kv.Update(nilCtx, "a b", nil, 1); return err }},
			{"Delete", func() error { return kv.Delete(nilCtx, "a") }},
			{"Delete bad key", func() error { return kv.Delete(nilCtx, "a b") }},
			{"Delete with PurgeTTL", func() error { return kv.Delete(nilCtx, "a", jetstream.PurgeTTL(1)) }},
			{"Purge", func() error { return kv.Purge(nilCtx, "a") }},
			{"Purge bad key", func() error { return kv.Purge(nilCtx, "a b") }},
			{"Watch", func() error { w, err := kv.Watch(nilCtx, "a"); stop(w); return err }},
			{"Watch bad pattern", func() error { _, err := kv.Watch(nilCtx, "a b"); return err }},
			{"WatchAll", func() error { w, err := kv.WatchAll(nilCtx); stop(w); return err }},
			{"WatchFiltered", func() error { w, err := kv.WatchFiltered(nilCtx, []string{"a"}); stop(w); return err }},
			{"Keys", func() error { _, err := kv.Keys(nilCtx); return err }},
			{"ListKeys", func() error { l, err := kv.ListKeys(nilCtx); stop(l); return err }},
			{"ListKeysFiltered", func() error { l, err := kv.ListKeysFiltered(nilCtx, "a"); stop(l); return err }},
			{"ListKeysFiltered bad pattern", func() error { _, err := kv.ListKeysFiltered(nilCtx, "a b"); return err }},
			{"History", func() error { _, err := kv.History(nilCtx, "a"); return err }},
			{"History bad pattern", func() error { _, err := kv.History(nilCtx, "a b"); return err }},
			{"PurgeDeletes", func() error { return kv.PurgeDeletes(nilCtx) }},
			{"Status", func() error { _, err := kv.Status(nilCtx); return err }},

			{"legacy Watch", func() error { w, err := lkv.Watch("a", nilOpt); stop(w); return err }},
			{"legacy Watch bad pattern", func() error { _, err := lkv.Watch("a b", nilOpt); return err }},
			{"legacy Watch bad options", func() error {
				_, err := lkv.Watch("a", nilOpt, nats.IncludeHistory(), nats.UpdatesOnly())
				return err
			}},
			{"legacy Keys", func() error { _, err := lkv.Keys(nilOpt); return err }},
			{"legacy ListKeys", func() error { l, err := lkv.ListKeys(nilOpt); stop(l); return err }},
			{"legacy History", func() error { _, err := lkv.History("a", nilOpt); return err }},
			{"legacy History bad pattern", func() error { _, err := lkv.History("a b", nilOpt); return err }},
			{"legacy PurgeDeletes", func() error { return lkv.PurgeDeletes(nilOpt) }},
		} {
			r.add("%s: %s", c.name, call(c.f))
		}
		// Nothing was written by the calls that panicked.
		e, err := kv.Get(ctx, "a")
		require.NoError(t, err)
		r.add("a after: %s@%d", e.Value(), e.Revision())
		_, err = kv.Get(ctx, "c")
		r.add("c after: %s", fidErr(err))
	})
}

// TestNilContextPanicMessage checks that memkv's panic says what is
// wrong, and that an injected fault does not hide it.
func TestNilContextPanicMessage(t *testing.T) {
	m := memkv.NewTest(t)
	kv := memBucket(t, m, "n")
	var nilCtx context.Context
	const msg = "memkv: nil context.Context (nats.go panics on it too)"
	require.PanicsWithError(t, msg, func() { _, _ = kv.Get(nilCtx, "a") })
	_, err := m.Inject(memkv.Fault{Err: nats.ErrTimeout})
	require.NoError(t, err)
	require.PanicsWithError(t, msg, func() { _, _ = kv.Put(nilCtx, "a", nil) })
	_, err = m.Legacy().KeyValue("n")
	require.ErrorIs(t, err, nats.ErrTimeout, "legacy calls take no context")
}
