package memkv_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/memkv"
)

// A latency fault holds back its request only: the connection's other
// requests are answered meanwhile, as nats-server answers them while one
// is slow. Advance releases the held-back ones, in the order they arrived.
func TestWireLatencyAsync(t *testing.T) {
	ctx := context.Background()
	fc := memkv.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	m := memkv.New(memkv.WithClock(fc))
	t.Cleanup(m.Close)
	kv := wireBucket(t, m, "l")
	_, err := kv.PutString(ctx, "slow", "0")
	require.NoError(t, err)
	_, err = kv.PutString(ctx, "fast", "1")
	require.NoError(t, err)
	_, err = m.Inject(memkv.Fault{Bucket: "l", Keys: "slow", Latency: time.Second})
	require.NoError(t, err)

	slow := make(chan string, 1)
	go func() {
		e, err := kv.Get(ctx, "slow")
		if err != nil {
			slow <- err.Error()
			return
		}
		slow <- string(e.Value())
	}()
	require.Eventually(t, func() bool { return fc.Pending() > 0 }, 5*time.Second, time.Millisecond, "the slow Get is held back")

	// Two puts to the slow key, published without waiting, so both are
	// held back at once, due at the same time.
	nc, err := nats.Connect("", nats.InProcessServer(m))
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	a1, err := js.PublishAsync("$KV.l.slow", []byte("a"))
	require.NoError(t, err)
	a2, err := js.PublishAsync("$KV.l.slow", []byte("b"))
	require.NoError(t, err)

	tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	e, err := kv.Get(tctx, "fast")
	require.NoError(t, err, "the undelayed Get on the same connection is answered")
	assert.Equal(t, "1", string(e.Value()))
	select {
	case v := <-slow:
		t.Fatalf("the slow Get was answered before its time: %s", v)
	default:
	}

	require.Eventually(t, func() bool { return fc.Pending() >= 3 }, 5*time.Second, time.Millisecond)
	fc.Advance(time.Second)
	select {
	case v := <-slow:
		assert.Equal(t, "0", v, "served after the latency, before the puts it came ahead of")
	case <-time.After(5 * time.Second):
		t.Fatal("Advance did not release the slow Get")
	}
	var seqs []uint64
	for _, a := range []jetstream.PubAckFuture{a1, a2} {
		select {
		case ack := <-a.Ok():
			seqs = append(seqs, ack.Sequence)
		case err := <-a.Err():
			t.Fatal(err)
		case <-time.After(5 * time.Second):
			t.Fatal("Advance did not release the puts")
		}
	}
	assert.Equal(t, []uint64{3, 4}, seqs, "stored in the order they were published")
}

// Close drops the requests a latency fault holds back and stops their
// timers: it returns at once, and leaves no goroutine or timer behind.
func TestWireLatencyClose(t *testing.T) {
	ctx := context.Background()
	fc := memkv.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	m := memkv.New(memkv.WithClock(fc))
	kv := wireBucket(t, m, "c")
	_, err := m.Inject(memkv.Fault{Bucket: "c", Latency: time.Hour})
	require.NoError(t, err)
	before := fc.Pending()
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		_, err := kv.PutString(ctx, "k", "v")
		done <- err
	}()
	require.Eventually(t, func() bool { return fc.Pending() > before }, 5*time.Second, time.Millisecond)

	closed := make(chan struct{})
	go func() {
		m.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close waits for a held-back request")
	}
	assert.Equal(t, before, fc.Pending(), "the held-back request's timer is stopped")
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.DeadlineExceeded, "the put was never served")
	case <-time.After(10 * time.Second):
		t.Fatal("the client did not give up")
	}
}
