package memkv_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/conformance"
	"github.com/jetsim/jetsim/memkv"
)

// The legacy API is tested differentially: each case body drives a
// nats.KeyValueManager (and, for cross-API cases, the jetstream one over
// the same buckets) and records what it observes in a transcript. The
// body runs on memkv and on an embedded nats-server; the transcripts must
// be equal. The server is the oracle.

// lgTarget is one side of the comparison: the legacy API and the
// jetstream API over the same buckets.
type lgTarget struct {
	kvm  nats.KeyValueManager
	js   jetstream.KeyValueManager
	drop func() // loses the connection: memkv's DropWatchers, the server's nc.Close
}

func lgMemkv(*testing.T) lgTarget {
	m := memkv.New()
	return lgTarget{kvm: m.Legacy(), js: m, drop: func() { m.DropWatchers("", "") }}
}

// lgWire is memkv seen through nats.go's own clients over the NATS
// protocol (nats.InProcessServer): both APIs on one connection.
func lgWire(t *testing.T) lgTarget {
	m := memkv.New()
	nc, err := nats.Connect("", nats.InProcessServer(m))
	require.NoError(t, err)
	t.Cleanup(func() {
		nc.Close()
		m.Close()
	})
	legacy, err := nc.JetStream()
	require.NoError(t, err)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	return lgTarget{kvm: legacy, js: js, drop: nc.Close}
}

func lgServer(t *testing.T) lgTarget {
	nc := conformance.StartServer(t)
	legacy, err := nc.JetStream()
	require.NoError(t, err)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	return lgTarget{kvm: legacy, js: js, drop: nc.Close}
}

// lgTranscript is what a case body observed, one line per observation.
type lgTranscript struct{ lines []string }

func (r *lgTranscript) add(format string, args ...any) {
	r.lines = append(r.lines, fmt.Sprintf(format, args...))
}

// runLegacyDiff runs body on memkv, on memkv over the wire and on the
// server and requires equal transcripts.
func runLegacyDiff(t *testing.T, body func(t *testing.T, tg lgTarget, r *lgTranscript)) {
	t.Helper()
	var got [3]lgTranscript
	for i, target := range []struct {
		name string
		make func(*testing.T) lgTarget
	}{{"memkv", lgMemkv}, {"wire", lgWire}, {"server", lgServer}} {
		if !t.Run(target.name, func(t *testing.T) { body(t, target.make(t), &got[i]) }) {
			return
		}
	}
	require.Equal(t, got[2].lines, got[0].lines, "memkv (actual) differs from the server (expected)")
	require.Equal(t, got[2].lines, got[1].lines, "memkv over the wire (actual) differs from the server (expected)")
	for _, l := range got[0].lines {
		t.Log(l)
	}
}

// lgErrValues are the error values whose errors.Is and == results the
// transcripts record.
var lgErrValues = []struct {
	name string
	err  error
}{
	{"ConfigRequired", nats.ErrKeyValueConfigRequired},
	{"InvalidBucketName", nats.ErrInvalidBucketName},
	{"HistoryToLarge", nats.ErrHistoryToLarge},
	{"BucketNotFound", nats.ErrBucketNotFound},
	{"StreamNotFound", nats.ErrStreamNotFound},
	{"StreamNameAlreadyInUse", nats.ErrStreamNameAlreadyInUse},
	{"InvalidKey", nats.ErrInvalidKey},
	{"KeyNotFound", nats.ErrKeyNotFound},
	{"KeyDeleted", nats.ErrKeyDeleted},
	{"KeyExists", nats.ErrKeyExists},
	{"KeyRevisionMismatch", nats.ErrKeyRevisionMismatch},
	{"NoKeysFound", nats.ErrNoKeysFound},
	{"BadSubscription", nats.ErrBadSubscription},
	{"NoStreamResponse", nats.ErrNoStreamResponse},
	{"NoResponders", nats.ErrNoResponders},
	{"MaxPayload", nats.ErrMaxPayload},
	{"Canceled", context.Canceled},
}

// lgErr prints an error's text, the values it Is, the one it is (==),
// and its APIError code if any.
func lgErr(err error) string {
	if err == nil {
		return "<nil>"
	}
	var is []string
	same := "-"
	for _, e := range lgErrValues {
		if errors.Is(err, e.err) {
			is = append(is, e.name)
		}
		if err == e.err {
			same = e.name
		}
	}
	s := fmt.Sprintf("%q is=%v ==%s", err.Error(), is, same)
	var ae *nats.APIError
	if errors.As(err, &ae) {
		s += fmt.Sprintf(" api=%d/%d", ae.Code, ae.ErrorCode)
	}
	return s
}

func lgEntry(e nats.KeyValueEntry) string {
	if e == nil {
		return "nil"
	}
	return fmt.Sprintf("{%s %s rev=%d op=%s delta=%d val=%q nilval=%t utc=%t}", e.Bucket(), e.Key(), e.Revision(),
		e.Operation(), e.Delta(), e.Value(), e.Value() == nil, e.Created().Location() == time.UTC)
}

func lgEntries(es []nats.KeyValueEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = lgEntry(e)
	}
	return out
}

func lgGet(e nats.KeyValueEntry, err error) string {
	return lgEntry(e) + " err=" + lgErr(err)
}

func lgRev(rev uint64, err error) string { return fmt.Sprintf("rev=%d err=%s", rev, lgErr(err)) }

// lgStatus prints a status's figures, its Config() and the stream info
// behind it, without the times.
func lgStatus(t *testing.T, s nats.KeyValueStatus, err error) string {
	if err != nil {
		return "err=" + lgErr(err)
	}
	bs, ok := s.(*nats.KeyValueBucketStatus)
	require.True(t, ok, "status is %T", s)
	si := bs.StreamInfo()
	cfg, err := json.Marshal(si.Config)
	require.NoError(t, err)
	st := si.State
	return fmt.Sprintf("bucket=%s values=%d bytes=%d history=%d ttl=%s store=%s compressed=%t config=%+v\n"+
		"  stream=%s\n  state=msgs:%d bytes:%d first:%d last:%d subjects:%d deleted:%d",
		s.Bucket(), s.Values(), s.Bytes(), s.History(), s.TTL(), s.BackingStore(), s.IsCompressed(), s.Config(),
		cfg, st.Msgs, st.Bytes, st.FirstSeq, st.LastSeq, st.NumSubjects, st.NumDeleted)
}

const lgWait = 5 * time.Second

// lgNext returns the watcher's next entry; it fails the test if none
// comes or the channel is closed.
func lgNext(t *testing.T, w nats.KeyWatcher) nats.KeyValueEntry {
	t.Helper()
	select {
	case e, ok := <-w.Updates():
		require.True(t, ok, "updates closed")
		return e
	case <-time.After(lgWait):
		t.Fatal("no update")
		return nil
	}
}

// lgInitial returns the lgInitial entries up to and without the nil marker.
func lgInitial(t *testing.T, w nats.KeyWatcher) []string {
	t.Helper()
	var out []string
	for {
		e := lgNext(t, w)
		if e == nil {
			return out
		}
		out = append(out, lgEntry(e))
	}
}

// lgDrainClosed reads the watcher's updates until the channel is closed and
// returns what was left in it.
func lgDrainClosed(t *testing.T, w nats.KeyWatcher) []string {
	t.Helper()
	var out []string
	timeout := time.After(lgWait)
	for {
		select {
		case e, ok := <-w.Updates():
			if !ok {
				return out
			}
			out = append(out, lgEntry(e))
		case <-timeout:
			t.Fatal("updates not closed")
		}
	}
}

// lgErrClosed waits for the watcher's Error() channel to close and returns
// what it carried.
func lgErrClosed(t *testing.T, ch <-chan error) []string {
	t.Helper()
	var out []string
	timeout := time.After(lgWait)
	for {
		select {
		case err, ok := <-ch:
			if !ok {
				return out
			}
			out = append(out, lgErr(err))
		case <-timeout:
			t.Fatal("Error() not closed")
		}
	}
}

func lgListed(t *testing.T, kl nats.KeyLister, err error) string {
	t.Helper()
	if err != nil {
		return "err=" + lgErr(err)
	}
	var keys []string
	timeout := time.After(lgWait)
	for {
		select {
		case k, ok := <-kl.Keys():
			if !ok {
				return fmt.Sprintf("%v", keys)
			}
			keys = append(keys, k)
		case <-timeout:
			t.Fatal("key lister not closed")
		}
	}
}

func lgCreate(t *testing.T, tg lgTarget, cfg nats.KeyValueConfig) nats.KeyValue {
	t.Helper()
	cfg.Storage = nats.MemoryStorage
	kv, err := tg.kvm.CreateKeyValue(&cfg)
	require.NoError(t, err)
	return kv
}

func lgPut(t *testing.T, kv nats.KeyValue, key, value string) uint64 {
	t.Helper()
	rev, err := kv.PutString(key, value)
	require.NoError(t, err)
	return rev
}

func TestLegacyManage(t *testing.T) {
	runLegacyDiff(t, func(t *testing.T, tg lgTarget, r *lgTranscript) {
		kvm := tg.kvm
		create := func(cfg *nats.KeyValueConfig) string {
			kv, err := kvm.CreateKeyValue(cfg)
			if err != nil {
				return "err=" + lgErr(err)
			}
			return "bucket=" + kv.Bucket()
		}
		r.add("create nil: %s", create(nil))
		r.add("create a.b: %s", create(&nats.KeyValueConfig{Bucket: "a.b"}))
		r.add("create empty name: %s", create(&nats.KeyValueConfig{}))
		r.add("create history 65: %s", create(&nats.KeyValueConfig{Bucket: "H", History: 65}))
		r.add("create replicas 3: %s", create(&nats.KeyValueConfig{Bucket: "R", Replicas: 3, Storage: nats.MemoryStorage}))
		cfg := nats.KeyValueConfig{Bucket: "B", Description: "desc", History: 3, TTL: time.Hour, MaxBytes: 1 << 20,
			MaxValueSize: 1024, Storage: nats.MemoryStorage}
		r.add("create B: %s", create(&cfg))
		r.add("create B again: %s", create(&cfg))
		other := cfg
		other.History = 4
		r.add("create B other history: %s", create(&other))
		r.add("create A: %s", create(&nats.KeyValueConfig{Bucket: "A", Storage: nats.MemoryStorage, Compression: true}))

		// A bucket made with the jetstream API, with and without limit markers.
		ctx := context.Background()
		_, err := tg.js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "J", Storage: jetstream.MemoryStorage})
		require.NoError(t, err)
		r.add("legacy create over jetstream J: %s", create(&nats.KeyValueConfig{Bucket: "J", Storage: nats.MemoryStorage}))
		_, err = tg.js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "L", Storage: jetstream.MemoryStorage, LimitMarkerTTL: time.Minute})
		require.NoError(t, err)
		r.add("legacy create over jetstream L: %s", create(&nats.KeyValueConfig{Bucket: "L", Storage: nats.MemoryStorage}))

		for _, name := range []string{"missing", "a.b", "", "B", "L"} {
			kv, err := kvm.KeyValue(name)
			if err != nil {
				r.add("KeyValue(%q): err=%s", name, lgErr(err))
				continue
			}
			s, err := kv.Status()
			r.add("KeyValue(%q): bucket=%s status: %s", name, kv.Bucket(), lgStatus(t, s, err))
		}
		var names []string
		for n := range kvm.KeyValueStoreNames() {
			names = append(names, n)
		}
		r.add("names: %v", names)
		for s := range kvm.KeyValueStores() {
			r.add("stores: %s", lgStatus(t, s, nil))
		}
		r.add("delete missing: %s", lgErr(kvm.DeleteKeyValue("missing")))
		r.add("delete a.b: %s", lgErr(kvm.DeleteKeyValue("a.b")))
		r.add("delete A: %s", lgErr(kvm.DeleteKeyValue("A")))
		r.add("delete A again: %s", lgErr(kvm.DeleteKeyValue("A")))
		_, err = kvm.KeyValue("A")
		r.add("KeyValue(A) after delete: %s", lgErr(err))
		names = nil
		for n := range kvm.KeyValueStoreNames() {
			names = append(names, n)
		}
		r.add("names: %v", names)
	})
}

func TestLegacyCRUD(t *testing.T) {
	runLegacyDiff(t, func(t *testing.T, tg lgTarget, r *lgTranscript) {
		kv := lgCreate(t, tg, nats.KeyValueConfig{Bucket: "C", History: 5})
		r.add("put a: %s", lgRev(kv.Put("a", []byte("1"))))
		r.add("put b: %s", lgRev(kv.PutString("b", "2")))
		r.add("put e empty: %s", lgRev(kv.Put("e", nil)))
		r.add("get a: %s", lgGet(kv.Get("a")))
		r.add("get e: %s", lgGet(kv.Get("e")))
		r.add("get a@1: %s", lgGet(kv.GetRevision("a", 1)))
		r.add("get a@2 (b's): %s", lgGet(kv.GetRevision("a", 2)))
		r.add("get a@99: %s", lgGet(kv.GetRevision("a", 99)))
		r.add("get missing: %s", lgGet(kv.Get("missing")))
		for _, key := range []string{"", ".a", "a.", "a..b", "a*", "a>", "a b"} {
			r.add("invalid key %q: get=%s put=%s create=%s update=%s delete=%s purge=%s", key,
				lgErr(lgSecondErr(kv.Get(key))), lgErr(lgSecondErr(kv.PutString(key, "x"))), lgErr(lgSecondErr(kv.Create(key, nil))),
				lgErr(lgSecondErr(kv.Update(key, nil, 1))), lgErr(kv.Delete(key)), lgErr(kv.Purge(key)))
		}
		r.add("create a (exists): %s", lgRev(kv.Create("a", []byte("x"))))
		r.add("create c: %s", lgRev(kv.Create("c", []byte("c1"))))
		r.add("update c stale: %s", lgRev(kv.Update("c", []byte("c2"), 1)))
		r.add("update c 0: %s", lgRev(kv.Update("c", []byte("c2"), 0)))
		r.add("update c: %s", lgRev(kv.Update("c", []byte("c2"), 4)))
		r.add("delete c: %s", lgErr(kv.Delete("c")))
		r.add("get c (deleted): %s", lgGet(kv.Get("c")))
		r.add("get c@6 (marker): %s", lgGet(kv.GetRevision("c", 6)))
		r.add("get c@5: %s", lgGet(kv.GetRevision("c", 5)))
		r.add("update c 0 over DEL: %s", lgRev(kv.Update("c", []byte("c3"), 0)))
		r.add("create c over DEL: %s", lgRev(kv.Create("c", []byte("c3"))))
		r.add("delete c stale: %s", lgErr(kv.Delete("c", nats.LastRevision(1))))
		r.add("purge c stale: %s", lgErr(kv.Purge("c", nats.LastRevision(1))))
		r.add("purge c: %s", lgErr(kv.Purge("c", nats.LastRevision(7))))
		r.add("get c (purged): %s", lgGet(kv.Get("c")))
		r.add("create c over PURGE: %s", lgRev(kv.Create("c", []byte("c4"))))
		r.add("delete missing key: %s", lgErr(kv.Delete("zz")))

		for _, pattern := range []string{"a", "c", ">", "*", "zz", "", "a.>"} {
			h, err := kv.History(pattern)
			r.add("history %q: %v err=%s", pattern, lgEntries(h), lgErr(err))
		}
		_, err := kv.History("a", nats.UpdatesOnly())
		r.add("history UpdatesOnly: %s", lgErr(err))
		keys, err := kv.Keys()
		r.add("keys: %v err=%s", keys, lgErr(err))
		kl, err := kv.ListKeys()
		r.add("list keys: %s", lgListed(t, kl, err))
		s, err := kv.Status()
		r.add("status: %s", lgStatus(t, s, err))

		empty := lgCreate(t, tg, nats.KeyValueConfig{Bucket: "E"})
		keys, err = empty.Keys()
		r.add("empty keys: %v err=%s", keys, lgErr(err))
		kl, err = empty.ListKeys()
		r.add("empty list keys: %s", lgListed(t, kl, err))
		_, err = empty.History(">")
		r.add("empty history: %s", lgErr(err))

		small := lgCreate(t, tg, nats.KeyValueConfig{Bucket: "S", MaxValueSize: 8, MaxBytes: 200})
		r.add("put 8: %s", lgRev(small.PutString("k", "12345678")))
		r.add("put 9: %s", lgRev(small.PutString("k", "123456789")))
		r.add("create 8: %s", lgRev(small.Create("n", []byte("12345678"))))
		for i := range 8 {
			r.add("fill %d: %s", i, lgRev(small.PutString(fmt.Sprintf("f%d", i), "1234")))
		}
		r.add("payload > 1MiB: %s", lgRev(kv.Put("big", make([]byte, 1<<20+1))))
	})
}

func TestLegacyWatch(t *testing.T) {
	runLegacyDiff(t, func(t *testing.T, tg lgTarget, r *lgTranscript) {
		kv := lgCreate(t, tg, nats.KeyValueConfig{Bucket: "W", History: 10})

		w, err := kv.WatchAll()
		require.NoError(t, err)
		r.add("empty bucket: first=%s", lgEntry(lgNext(t, w)))
		require.NoError(t, w.Stop())

		lgPut(t, kv, "a", "1")
		lgPut(t, kv, "b", "2")
		lgPut(t, kv, "a", "3")
		require.NoError(t, kv.Delete("b"))
		lgPut(t, kv, "c.x", "4")
		lgPut(t, kv, "e", "")

		w, err = kv.WatchAll()
		require.NoError(t, err)
		r.add("context: %v", w.Context())
		r.add("all: %v", lgInitial(t, w))
		lgPut(t, kv, "d", "5")
		r.add("live put: %s", lgEntry(lgNext(t, w)))
		require.NoError(t, kv.Delete("a"))
		r.add("live delete: %s", lgEntry(lgNext(t, w)))
		require.NoError(t, kv.Purge("c.x"))
		r.add("live purge: %s", lgEntry(lgNext(t, w)))
		r.add("stop: %s", lgErr(w.Stop()))
		r.add("after stop: %v", lgDrainClosed(t, w))
		r.add("error chan: %v", lgErrClosed(t, w.Error()))
		r.add("stop again: %s", lgErr(w.Stop()))

		opts := map[string][]nats.WatchOpt{
			"history":  {nats.IncludeHistory()},
			"ignore":   {nats.IgnoreDeletes()},
			"meta":     {nats.MetaOnly()},
			"history+": {nats.IncludeHistory(), nats.IgnoreDeletes(), nats.MetaOnly()},
			"nil opt":  {nil},
		}
		for _, name := range []string{"history", "ignore", "meta", "history+", "nil opt"} {
			w, err := kv.WatchAll(opts[name]...)
			require.NoError(t, err)
			r.add("%s: %v", name, lgInitial(t, w))
			require.NoError(t, w.Stop())
		}

		w, err = kv.WatchAll(nats.UpdatesOnly())
		require.NoError(t, err)
		lgPut(t, kv, "u", "6")
		r.add("updates only: first=%s", lgEntry(lgNext(t, w)))
		require.NoError(t, w.Stop())

		w, err = kv.Watch("c.*", nats.IncludeHistory())
		require.NoError(t, err)
		r.add("watch c.*: %v", lgInitial(t, w))
		require.NoError(t, w.Stop())

		filters := []string{"a", "d"}
		w, err = kv.WatchFiltered(filters)
		require.NoError(t, err)
		r.add("filtered %v: %v", filters, lgInitial(t, w))
		require.NoError(t, w.Stop())
		w, err = kv.WatchFiltered(nil)
		require.NoError(t, err)
		r.add("filtered none: %v", lgInitial(t, w))
		require.NoError(t, w.Stop())

		_, err = kv.WatchFiltered([]string{"c.*", "c.x"})
		r.add("overlapping: %s", lgErr(err))
		_, err = kv.Watch("")
		r.add("empty pattern: %s", lgErr(err))
		_, err = kv.Watch("a..b")
		r.add("bad pattern: %s", lgErr(err))
		_, err = kv.WatchAll(nats.IncludeHistory(), nats.UpdatesOnly())
		r.add("history+updates: %s", lgErr(err))
		_, err = kv.WatchAll(nats.UpdatesOnly(), nats.IncludeHistory())
		r.add("updates+history: %s", lgErr(err))

		// nats.Context bounds the watcher.
		ctx, cancel := context.WithCancel(context.Background())
		w, err = kv.WatchAll(nats.Context(ctx))
		require.NoError(t, err)
		r.add("ctx watcher has context: %t", w.Context() != nil)
		r.add("ctx initial: %d entries", len(lgInitial(t, w)))
		cancel()
		r.add("ctx after cancel: %v", lgDrainClosed(t, w))
		r.add("ctx error chan: %v", lgErrClosed(t, w.Error()))
		r.add("ctx stop: %s", lgErr(w.Stop()))
	})
}

func TestLegacyContextAndPurgeDeletes(t *testing.T) {
	runLegacyDiff(t, func(t *testing.T, tg lgTarget, r *lgTranscript) {
		kv := lgCreate(t, tg, nats.KeyValueConfig{Bucket: "P", History: 5})
		lgPut(t, kv, "a", "1")
		lgPut(t, kv, "a", "2")
		lgPut(t, kv, "b", "3")
		require.NoError(t, kv.Delete("a"))
		lgPut(t, kv, "c", "4")
		require.NoError(t, kv.Purge("c"))

		done, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := kv.Keys(nats.Context(done))
		r.add("keys canceled: %s", lgErr(err))
		_, err = kv.History("a", nats.Context(done))
		r.add("history canceled: %s", lgErr(err))
		_, err = kv.WatchAll(nats.Context(done))
		r.add("watch canceled: %s", lgErr(err))
		_, err = kv.ListKeys(nats.Context(done))
		r.add("list keys canceled: %s", lgErr(err))
		r.add("purge deletes canceled: %s", lgErr(kv.PurgeDeletes(nats.Context(done))))

		live := context.Background()
		keys, err := kv.Keys(nats.Context(live))
		r.add("keys with context: %v err=%s", keys, lgErr(err))

		r.add("purge deletes: %s", lgErr(kv.PurgeDeletes()))
		for _, key := range []string{"a", "b", "c"} {
			h, err := kv.History(key)
			r.add("history %s: %v err=%s", key, lgEntries(h), lgErr(err))
		}
		r.add("purge deletes all: %s", lgErr(kv.PurgeDeletes(nats.DeleteMarkersOlderThan(-1), nats.Context(live))))
		for _, key := range []string{"a", "b", "c"} {
			h, err := kv.History(key)
			r.add("history %s: %v err=%s", key, lgEntries(h), lgErr(err))
		}
		s, err := kv.Status()
		r.add("status: %s", lgStatus(t, s, err))
	})
}

func TestLegacyDeletedBucket(t *testing.T) {
	runLegacyDiff(t, func(t *testing.T, tg lgTarget, r *lgTranscript) {
		kv := lgCreate(t, tg, nats.KeyValueConfig{Bucket: "D"})
		lgPut(t, kv, "a", "1")
		w, err := kv.WatchAll()
		require.NoError(t, err)
		r.add("watch: %v", lgInitial(t, w))
		require.NoError(t, tg.kvm.DeleteKeyValue("D"))

		r.add("put: %s", lgRev(kv.PutString("a", "2")))
		r.add("create: %s", lgRev(kv.Create("b", nil)))
		r.add("update: %s", lgRev(kv.Update("a", nil, 1)))
		r.add("delete: %s", lgErr(kv.Delete("a")))
		r.add("purge: %s", lgErr(kv.Purge("a")))
		r.add("get: %s", lgGet(kv.Get("a")))
		r.add("get rev: %s", lgGet(kv.GetRevision("a", 1)))
		s, err := kv.Status()
		r.add("status: %s", lgStatus(t, s, err))
		r.add("watch: %s", lgErr(lgSecondErr(kv.WatchAll())))
		r.add("keys: %s", lgErr(lgSecondErr(kv.Keys())))
		r.add("list keys: %s", lgErr(lgSecondErr(kv.ListKeys())))
		r.add("history: %s", lgErr(lgSecondErr(kv.History("a"))))
		r.add("purge deletes: %s", lgErr(kv.PurgeDeletes()))
		r.add("old watcher stop: %s", lgErr(w.Stop()))
		r.add("old watcher after stop: %v", lgDrainClosed(t, w))

		// A bucket of the same name serves the old handle again.
		lgCreate(t, tg, nats.KeyValueConfig{Bucket: "D"})
		r.add("put after re-create: %s", lgRev(kv.PutString("a", "3")))
		r.add("get after re-create: %s", lgGet(kv.Get("a")))
	})
}

// TestLegacyDeletedBucketContext checks that the end of a legacy
// watcher's nats.Context closes its channels after its bucket was deleted,
// as the client's unsubscribe on ctx.Done does (nats.go js.go: subscribe).
func TestLegacyDeletedBucketContext(t *testing.T) {
	runLegacyDiff(t, func(t *testing.T, tg lgTarget, r *lgTranscript) {
		kv := lgCreate(t, tg, nats.KeyValueConfig{Bucket: "D"})
		lgPut(t, kv, "a", "1")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		w, err := kv.WatchAll(nats.Context(ctx))
		require.NoError(t, err)
		r.add("watch: %v", lgInitial(t, w))
		require.NoError(t, tg.kvm.DeleteKeyValue("D"))
		select {
		case e, ok := <-w.Updates():
			r.add("after delete: %s ok=%v", lgEntry(e), ok)
		case <-time.After(300 * time.Millisecond):
			r.add("after delete: nothing")
		}
		cancel()
		r.add("after cancel: %v", lgDrainClosed(t, w))
		r.add("errors: %v", lgErrClosed(t, w.Error()))
		r.add("stop: %s", lgErr(w.Stop()))
	})
}

func lgSecondErr[T any](_ T, err error) error { return err }

// TestLegacyLimitMarker checks that the legacy API does not recognise a
// server limit marker (SEMANTICS §8.4): it is a PUT with an empty value.
// The legacy API cannot make a bucket with limit markers, and the server
// would need wall time, so this runs on memkv only, with the bucket made
// through the jetstream API and time driven by a FakeClock; the
// expected values are the recorded observations of §8.4.
func TestLegacyLimitMarker(t *testing.T) {
	clock := memkv.NewFakeClock(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC))
	m := memkv.New(memkv.WithClock(clock))
	ctx := context.Background()
	jkv, err := m.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "M", Storage: jetstream.MemoryStorage,
		TTL: time.Second, LimitMarkerTTL: time.Minute})
	require.NoError(t, err)
	kv, err := m.Legacy().KeyValue("M")
	require.NoError(t, err)

	_, err = kv.PutString("a", "1")
	require.NoError(t, err)
	_, err = kv.PutString("b", "2")
	require.NoError(t, err)
	clock.Advance(time.Second) // a and b expire; each leaves a MaxAge marker
	_, err = kv.PutString("c", "3")
	require.NoError(t, err)

	e, err := kv.Get("a")
	require.NoError(t, err)
	require.Equal(t, "{M a rev=3 op=KeyValuePutOp delta=0 val=\"\" nilval=false utc=true}", lgEntry(e))
	_, err = jkv.Get(ctx, "a")
	require.Same(t, jetstream.ErrKeyNotFound, err)

	w, err := kv.WatchAll()
	require.NoError(t, err)
	got := lgInitial(t, w)
	require.NoError(t, w.Stop())
	require.Equal(t, []string{
		"{M a rev=3 op=KeyValuePutOp delta=2 val=\"\" nilval=false utc=false}",
		"{M b rev=4 op=KeyValuePutOp delta=1 val=\"\" nilval=false utc=false}",
		"{M c rev=5 op=KeyValuePutOp delta=0 val=\"3\" nilval=false utc=false}",
	}, got)
	w, err = kv.WatchAll(nats.IgnoreDeletes())
	require.NoError(t, err)
	require.Len(t, lgInitial(t, w), 3, "limit markers are not deletes to the legacy watcher")
	require.NoError(t, w.Stop())

	keys, err := kv.Keys()
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b", "c"}, keys)
	jkeys, err := jkv.Keys(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"c"}, jkeys)
	kl, err := kv.ListKeys()
	require.Equal(t, "[a b c]", lgListed(t, kl, err))

	h, err := kv.History("a")
	require.NoError(t, err)
	require.Equal(t, []string{"{M a rev=3 op=KeyValuePutOp delta=0 val=\"\" nilval=false utc=false}"}, lgEntries(h))

	// Create over the marker: the legacy client sees a value.
	_, err = kv.Create("a", []byte("x"))
	require.EqualError(t, err, "nats: wrong last sequence: 3: key exists")
	require.ErrorIs(t, err, nats.ErrKeyExists)
	rev, err := jkv.Create(ctx, "b", []byte("y"))
	require.NoError(t, err, "the jetstream client creates over a marker")
	require.Equal(t, uint64(6), rev)

	// PurgeDeletes leaves limit markers alone: they are not DEL/PURGE.
	require.NoError(t, kv.PurgeDeletes(nats.DeleteMarkersOlderThan(-1)))
	e, err = kv.Get("a")
	require.NoError(t, err)
	require.Equal(t, uint64(3), e.Revision())

	// Both APIs report the same status.
	ls, err := kv.Status()
	require.NoError(t, err)
	js, err := jkv.Status(ctx)
	require.NoError(t, err)
	require.Equal(t, js.Values(), ls.Values())
	require.Equal(t, js.Bytes(), ls.Bytes())
	require.Equal(t, js.History(), ls.History())
	require.Equal(t, js.TTL(), ls.TTL())
	require.True(t, ls.(*nats.KeyValueBucketStatus).StreamInfo().Config.AllowMsgTTL)
}

// TestLegacyFaultsAndWatchers checks that legacy calls go through the
// manager's faults, with their errors in the legacy client's values, and
// that legacy watchers are counted, synced and dropped like jetstream ones.
func TestLegacyFaultsAndWatchers(t *testing.T) {
	m := memkv.NewTest(t)
	kv, err := m.Legacy().CreateKeyValue(&nats.KeyValueConfig{Bucket: "F", Storage: nats.MemoryStorage})
	require.NoError(t, err)

	h, err := m.Inject(memkv.Fault{Bucket: "F", Ops: []memkv.Op{memkv.OpPut}, Err: jetstream.ErrNoStreamResponse, Times: 1})
	require.NoError(t, err)
	_, err = kv.PutString("a", "1")
	require.Same(t, nats.ErrNoStreamResponse, err, "a jetstream sentinel comes out as the legacy one")
	require.Equal(t, 1, h.Hits())
	lgPut(t, kv, "a", "1")
	_, err = m.Inject(memkv.Fault{Ops: []memkv.Op{memkv.OpGet, memkv.OpWatch, memkv.OpKeys}, Keys: "a", Err: nats.ErrTimeout, Times: 3})
	require.NoError(t, err)
	_, err = kv.Get("a")
	require.Same(t, nats.ErrTimeout, err)
	_, err = kv.Watch("a")
	require.Same(t, nats.ErrTimeout, err)
	_, err = kv.Keys()
	require.Same(t, nats.ErrTimeout, err, "Keys watches all keys, which overlaps a")

	w, err := kv.WatchAll()
	require.NoError(t, err)
	require.Len(t, lgInitial(t, w), 1)
	require.Equal(t, 1, m.Watchers("F"))
	kl, err := kv.ListKeys()
	require.Equal(t, "[a]", lgListed(t, kl, err))
	require.Equal(t, 1, m.Watchers("F"), "ListKeys's watcher ends with its listing")

	lgPut(t, kv, "b", "2")
	require.NoError(t, m.Sync(context.Background()))
	require.Len(t, w.Updates(), 1, "Sync waits for legacy watchers too")
	require.Equal(t, 1, m.DropWatchers("F", ""))
	require.Len(t, lgDrainClosed(t, w), 1)
	require.Empty(t, lgErrClosed(t, w.Error()))
	require.Same(t, nats.ErrConnectionClosed, w.Stop(), "as after nc.Close")
	require.Zero(t, m.Watchers(""))
}
