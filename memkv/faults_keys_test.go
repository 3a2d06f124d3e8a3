package memkv_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/memkv"
)

// A fault scoped by Keys hits the calls that name a key. Over the wire a
// GetRevision names none: the client asks for the sequence alone
// (jetstream/kv.go: get calls GetMsg(revision)), so the server side cannot
// tell its key and the fault does not hit it there, while memkv's own
// GetRevision is hit. Calls without a key (Status) are not hit either.
func TestFaultKeysOverTheWire(t *testing.T) {
	m := memkv.NewTest(t)
	ctx := context.Background()
	wkv := wireBucket(t, m, "fk")
	kv, err := m.KeyValue(ctx, "fk")
	require.NoError(t, err)
	_, err = kv.PutString(ctx, "a", "1")
	require.NoError(t, err)

	inject(t, m, memkv.Fault{Bucket: "fk", Keys: "a", Err: nats.ErrTimeout})
	short := func() context.Context {
		c, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		t.Cleanup(cancel)
		return c
	}

	_, err = kv.GetRevision(ctx, "a", 1)
	require.ErrorIs(t, err, nats.ErrTimeout, "memkv's GetRevision names its key")
	_, err = wkv.Get(short(), "a")
	require.ErrorIs(t, err, context.DeadlineExceeded, "a Get over the wire names its key")
	_, err = wkv.GetRevision(short(), "a", 1)
	require.NoError(t, err, "a GetRevision over the wire names no key")
	_, err = kv.Status(ctx)
	require.NoError(t, err, "Status names no key")
}
