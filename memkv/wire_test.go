package memkv_test

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/memkv"
	"github.com/jetsim/jetsim/wire"
)

// An application connected through nats.InProcessServer(memkv.New()) runs
// inside a testing/synctest bubble: a one-hour TTL expires in a
// time.Sleep(time.Hour) that takes no real time, while idle heartbeats
// keep the client's watcher alive for the whole hour.
func TestWireSynctestTTL(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		m := memkv.New()
		nc, err := nats.Connect("", nats.InProcessServer(m))
		require.NoError(t, err)
		js, err := jetstream.New(nc)
		require.NoError(t, err)
		kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "s", TTL: time.Hour, LimitMarkerTTL: time.Minute, Storage: jetstream.MemoryStorage})
		require.NoError(t, err)
		w := expireInBubble(t, kv)

		_, err = kv.PutString(ctx, "k2", "v")
		require.NoError(t, err)
		assert.Equal(t, "k2@3 PUT", brief(<-w.Updates()), "the watcher's consumer is the same one after an hour")
		require.NoError(t, w.Stop())
		nc.Close()
		m.Close()
	})
}

// Watchers survive DropConnections: the client reconnects through
// InProcessConn, resubscribes, and the push consumer carries on.
func TestWireReconnect(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	m := memkv.New()
	defer m.Close()
	reconnected := make(chan struct{}, 10)
	nc, err := nats.Connect("", nats.InProcessServer(m), nats.ReconnectWait(10*time.Millisecond),
		nats.ReconnectHandler(func(*nats.Conn) { reconnected <- struct{}{} }))
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "r", History: 5})
	require.NoError(t, err)
	_, err = kv.PutString(ctx, "a", "1")
	require.NoError(t, err)
	w, err := kv.WatchAll(ctx)
	require.NoError(t, err)
	defer w.Stop()
	assert.Equal(t, "a@1 PUT", brief(<-w.Updates()))
	assert.Nil(t, <-w.Updates())

	direct, err := m.KeyValue(ctx, "r")
	require.NoError(t, err)
	for i := range 3 {
		m.DropConnections()
		// A write while the client is away reaches the watcher once it is back.
		_, err = direct.PutString(ctx, "b", "x")
		require.NoError(t, err)
		select {
		case <-reconnected:
		case <-ctx.Done():
			t.Fatalf("no reconnect after drop %d", i)
		}
		_, err = kv.PutString(ctx, "c", "y")
		require.NoError(t, err, "the KV handle works after the reconnect")
		for _, want := range []string{"b@" + itoa(uint64(2+2*i)) + " PUT", "c@" + itoa(uint64(3+2*i)) + " PUT"} {
			select {
			case e := <-w.Updates():
				assert.Equal(t, want, brief(e))
			case <-ctx.Done():
				t.Fatalf("watcher got nothing after drop %d, want %s", i, want)
			}
		}
	}
}

// memkv.Inject applies to requests over the wire, each injected error
// arriving as the wire event that makes the client produce it.
func TestWireFaults(t *testing.T) {
	ctx := context.Background()
	m := memkv.New()
	kv := wireBucket(t, m, "f")
	_, err := kv.PutString(ctx, "a", "1")
	require.NoError(t, err)

	apiErr := &jetstream.APIError{Code: 503, ErrorCode: 10077, Description: "maximum bytes exceeded"}
	_, err = m.Inject(memkv.Fault{Bucket: "f", Ops: []memkv.Op{memkv.OpPut}, Err: apiErr, Times: 1})
	require.NoError(t, err)
	_, err = kv.PutString(ctx, "a", "2")
	require.ErrorIs(t, err, apiErr, "an API error comes back as the server's error JSON")

	// The client retries a publish that met no responders twice
	// (jetstream.DefaultPubRetryAttempts), so three answers make the error.
	_, err = m.Inject(memkv.Fault{Bucket: "f", Ops: []memkv.Op{memkv.OpPut}, Err: jetstream.ErrNoStreamResponse, Times: 3})
	require.NoError(t, err)
	_, err = kv.PutString(ctx, "a", "2")
	require.ErrorIs(t, err, jetstream.ErrNoStreamResponse, "no responders")

	h, err := m.Inject(memkv.Fault{Bucket: "f", Ops: []memkv.Op{memkv.OpGet}, Keys: "a", Err: nats.ErrTimeout, Times: 1})
	require.NoError(t, err)
	tctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	_, err = kv.Get(tctx, "a")
	require.ErrorIs(t, err, context.DeadlineExceeded, "a timeout is no reply at all")
	require.Equal(t, 1, h.Hits())

	e, err := kv.Get(ctx, "a")
	require.NoError(t, err, "Times: 1 is spent")
	require.Equal(t, "1", string(e.Value()))
}

// wireBucket connects nats.go's jetstream client to m and creates bucket.
func wireBucket(t *testing.T, m *memkv.Manager, bucket string) jetstream.KeyValue {
	t.Helper()
	js := wireManager(t, m)
	kv, err := js.CreateKeyValue(context.Background(), jetstream.KeyValueConfig{Bucket: bucket, History: 5})
	require.NoError(t, err)
	return kv
}

// A Close after connections, watchers and reconnects leaves no goroutine
// of the server behind. (nats.go's are the client's: other tests in the
// package may leave some, so only wire's are looked for.)
func TestWireCloseLeavesNoGoroutine(t *testing.T) {
	ctx := context.Background()
	m := memkv.New()
	var conns []*nats.Conn
	var watchers []jetstream.KeyWatcher
	for range 4 {
		nc, err := nats.Connect("", nats.InProcessServer(m), nats.ReconnectWait(time.Millisecond))
		require.NoError(t, err)
		conns = append(conns, nc)
		js, err := jetstream.New(nc)
		require.NoError(t, err)
		kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "g"})
		require.NoError(t, err)
		w, err := kv.WatchAll(ctx)
		require.NoError(t, err)
		watchers = append(watchers, w)
		_, err = kv.PutString(ctx, "k", "v")
		require.NoError(t, err)
	}
	m.DropConnections()
	require.Eventually(t, func() bool {
		for _, nc := range conns {
			if !nc.IsConnected() {
				return false
			}
		}
		return true
	}, 5*time.Second, time.Millisecond, "every client reconnects")
	// The client's own goroutine per watcher ends with Stop, not Close.
	for _, w := range watchers {
		_ = w.Stop()
	}
	for _, nc := range conns {
		nc.Close()
	}
	m.Close()
	var stacks string
	if !assert.Eventually(t, func() bool {
		buf := make([]byte, 1<<20)
		stacks = string(buf[:runtime.Stack(buf, true)])
		return !strings.Contains(stacks, "jetsim/jetsim/wire.")
	}, 5*time.Second, 10*time.Millisecond) {
		t.Logf("goroutines left:\n%s", stacks)
	}
}

// Streams are one registry for both doors: a bucket made through memkv's
// API is the client's, one made by the client is memkv's, and a stream
// that is not a bucket is listed by neither's KV listings.
func TestWireSharedStreams(t *testing.T) {
	ctx := context.Background()
	m := memkv.New()
	js := wireManager(t, m)
	direct, err := m.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "d", History: 3})
	require.NoError(t, err)
	_, err = direct.PutString(ctx, "k", "from memkv")
	require.NoError(t, err)
	kv, err := js.KeyValue(ctx, "d")
	require.NoError(t, err)
	e, err := kv.Get(ctx, "k")
	require.NoError(t, err)
	require.Equal(t, "from memkv", string(e.Value()))

	nc, err := nats.Connect("", nats.InProcessServer(m))
	require.NoError(t, err)
	defer nc.Close()
	plain, err := jetstream.New(nc)
	require.NoError(t, err)
	_, err = plain.CreateStream(ctx, jetstream.StreamConfig{Name: "ORDERS", Subjects: []string{"orders.>"}, Storage: jetstream.MemoryStorage})
	require.NoError(t, err)
	_, err = plain.Publish(ctx, "orders.1", []byte("x"))
	require.NoError(t, err)
	_, err = plain.CreateStream(ctx, jetstream.StreamConfig{Name: "KV_clash", Subjects: []string{"orders.eu"}})
	require.ErrorContains(t, err, "subjects overlap with an existing stream")

	var names []string
	for n := range m.KeyValueStoreNames(ctx).Name() {
		names = append(names, n)
	}
	require.Equal(t, []string{"d"}, names, "ORDERS is a stream, not a bucket")
	names = nil
	for n := range js.KeyValueStoreNames(ctx).Name() {
		names = append(names, n)
	}
	require.Equal(t, []string{"d"}, names)

	// memkv's Get and the client's fault for a direct get.
	_, err = m.Inject(memkv.Fault{Bucket: "d", Ops: []memkv.Op{memkv.OpGet}, Err: &jetstream.APIError{Code: 500, ErrorCode: 10077, Description: "store failed"}, Times: 1})
	require.NoError(t, err)
	_, err = kv.Get(ctx, "k")
	require.ErrorContains(t, err, "store failed")

	require.NoError(t, m.DeleteKeyValue(ctx, "d"))
	_, err = js.KeyValue(ctx, "d")
	require.ErrorIs(t, err, jetstream.ErrBucketNotFound, "deleted through memkv, gone for the client")
}

// The Manager's method set is the user's: the engine's door for the wire
// server (wire.Backend) is not part of it, while the in-process connection
// is.
func TestWireManagerAPI(t *testing.T) {
	var m any = memkv.New()
	_, isBackend := m.(wire.Backend)
	assert.False(t, isBackend, "*memkv.Manager exports wire.Backend's methods")
	_, isProvider := m.(nats.InProcessConnProvider)
	assert.True(t, isProvider)
}

// While the manager refuses connections, nats.Connect fails as it does
// against an in-process nats-server that is down (shut down here: its
// InProcessConn cannot start the connection's goroutine), and succeeds
// again once it accepts.
func TestWireRefuseConnections(t *testing.T) {
	real, err := server.NewServer(&server.Options{DontListen: true, NoLog: true, NoSigs: true})
	require.NoError(t, err)
	go real.Start()
	require.True(t, real.ReadyForConnections(10*time.Second))
	real.Shutdown()
	real.WaitForShutdown()
	_, want := nats.Connect("", nats.InProcessServer(real))
	require.Error(t, want)

	m := memkv.New()
	t.Cleanup(m.Close)
	m.RefuseConnections(-1)
	_, err = nats.Connect("", nats.InProcessServer(m))
	assert.Equal(t, want.Error(), err.Error())
	m.RefuseConnections(0)
	nc, err := nats.Connect("", nats.InProcessServer(m))
	require.NoError(t, err)
	nc.Close()
}
