package memkv_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/memkv"
	"github.com/jetsim/jetsim/wire"
)

// Code that only takes a URL reaches the manager's buckets through Listen:
// a bucket made over TCP is the one memkv's API sees and the other way
// round, a watcher over TCP survives DropConnections, and NewTest closes
// the listener with the test.
func TestListen(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var url string
	t.Run("serve", func(t *testing.T) {
		kvm := memkv.NewTest(t)
		var err error
		url, err = kvm.Listen("127.0.0.1:0")
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(url, "nats://127.0.0.1:"), url)

		nc, err := nats.Connect(url, nats.ReconnectWait(10*time.Millisecond))
		require.NoError(t, err)
		defer nc.Close()
		js, err := jetstream.New(nc)
		require.NoError(t, err)
		remote, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "tcp", Storage: jetstream.MemoryStorage})
		require.NoError(t, err)
		_, err = remote.PutString(ctx, "k", "over tcp")
		require.NoError(t, err)

		local, err := kvm.KeyValue(ctx, "tcp")
		require.NoError(t, err)
		e, err := local.Get(ctx, "k")
		require.NoError(t, err)
		require.Equal(t, "over tcp", string(e.Value()))

		w, err := remote.Watch(ctx, "k", jetstream.UpdatesOnly())
		require.NoError(t, err)
		defer func() { require.NoError(t, w.Stop()) }()
		kvm.DropConnections()
		_, err = local.PutString(ctx, "k", "after the drop")
		require.NoError(t, err)
		select {
		case e := <-w.Updates():
			require.Equal(t, "after the drop", string(e.Value()))
		case <-ctx.Done():
			t.Fatal("the TCP watcher did not survive DropConnections")
		}
	})
	_, err := net.Dial("tcp", strings.TrimPrefix(url, "nats://"))
	require.Error(t, err, "NewTest's clean-up closed the listener")
}

// A listener with credentials refuses nats.go without them, with the
// client's nats.ErrAuthorization.
func TestListenAuth(t *testing.T) {
	kvm := memkv.NewTest(t)
	url, err := kvm.Listen("127.0.0.1:0", wire.WithUserPassword("app", "secret"))
	require.NoError(t, err)
	_, err = nats.Connect(url, nats.NoReconnect())
	require.ErrorIs(t, err, nats.ErrAuthorization)
	nc, err := nats.Connect(url, nats.UserInfo("app", "secret"))
	require.NoError(t, err)
	nc.Close()
}
