package memkv_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/memkv"
)

// Close does not wait for a fault's latency on a clock that nobody moves:
// a request over the wire that a Latency fault holds on a FakeClock is
// dropped with its connection, and Close returns.
func TestCloseDuringWireLatency(t *testing.T) {
	ctx := context.Background()
	m := memkv.New(memkv.WithClock(memkv.NewFakeClock(epoch)))
	kv := wireBucket(t, m, "lat")
	_, err := m.Inject(memkv.Fault{Ops: []memkv.Op{memkv.OpGet}, Latency: time.Hour})
	require.NoError(t, err)

	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	_, err = kv.Get(short, "k")
	require.ErrorIs(t, err, context.DeadlineExceeded, "the request waits for the fake clock")

	closed := make(chan struct{})
	go func() {
		m.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close waits for a latency on a fake clock nobody advances")
	}
}
