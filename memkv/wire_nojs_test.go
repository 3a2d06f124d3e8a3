package memkv_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/memkv"
)

// With SetJetStream(false) the manager's connections are served as by a
// nats-server started with JetStream off: the same bytes for each
// JetStream request and KV write (a no-responders status), no "jetstream"
// in INFO, and the same errors from both of nats.go's APIs. On again, the
// buckets are there.
func TestWireJetStreamOff(t *testing.T) {
	real, err := server.NewServer(&server.Options{DontListen: true, NoLog: true, NoSigs: true})
	require.NoError(t, err)
	go real.Start()
	require.True(t, real.ReadyForConnections(10*time.Second))
	t.Cleanup(func() {
		real.Shutdown()
		real.WaitForShutdown()
	})

	ctx := context.Background()
	m := memkv.New()
	t.Cleanup(m.Close)
	kv, err := m.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "b"})
	require.NoError(t, err)
	_, err = kv.PutString(ctx, "k", "v")
	require.NoError(t, err)
	m.SetJetStream(false)

	type provider interface{ InProcessConn() (net.Conn, error) }
	raw := func(p provider) (info map[string]any, lines []string) {
		c, err := p.InProcessConn()
		require.NoError(t, err)
		defer c.Close()
		r := bufio.NewReader(c)
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		l, err := r.ReadString('\n')
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal([]byte(strings.TrimPrefix(l, "INFO ")), &info))
		go func() {
			var b strings.Builder
			b.WriteString("CONNECT {\"verbose\":false,\"pedantic\":false,\"headers\":true,\"no_responders\":true,\"protocol\":1}\r\nSUB _INBOX.> 1\r\n")
			for _, subj := range []string{"$JS.API.INFO", "$JS.API.STREAM.INFO.KV_b", "$JS.API.STREAM.CREATE.KV_c",
				"$JS.API.DIRECT.GET.KV_b.$KV.b.k", "$JS.API.STREAM.MSG.GET.KV_b", "$KV.b.k",
				"$JS.API.CONSUMER.CREATE.KV_b", "$JS.API.CONSUMER.CREATE.KV_b.c.$KV.b.>", "$JS.API.NOPE"} {
				fmt.Fprintf(&b, "PUB %s _INBOX.x 2\r\n{}\r\n", subj)
			}
			b.WriteString("PUB $KV.b.k 1\r\nx\r\nPING\r\n")
			_, _ = c.Write([]byte(b.String()))
		}()
		for {
			l, err := r.ReadString('\n')
			require.NoError(t, err, "after %q", lines)
			lines = append(lines, l)
			if l == "PONG\r\n" && len(lines) > 1 {
				return info, lines
			}
		}
	}
	realInfo, want := raw(real)
	gotInfo, got := raw(m)
	assert.Equal(t, want, got)
	assert.NotContains(t, realInfo, "jetstream")
	assert.NotContains(t, gotInfo, "jetstream")

	calls := func(p provider) []string {
		nc, err := nats.Connect("", nats.InProcessServer(p))
		require.NoError(t, err)
		defer nc.Close()
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		js, err := jetstream.New(nc)
		require.NoError(t, err)
		ljs, err := nc.JetStream()
		require.NoError(t, err)
		var errs []string
		add := func(name string, err error) { errs = append(errs, fmt.Sprintf("%s: %v", name, err)) }
		_, err = js.AccountInfo(ctx)
		assert.ErrorIs(t, err, jetstream.ErrJetStreamNotEnabled)
		add("AccountInfo", err)
		_, err = js.KeyValue(ctx, "b")
		add("KeyValue", err)
		_, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "c"})
		assert.ErrorIs(t, err, jetstream.ErrJetStreamNotEnabled)
		add("CreateKeyValue", err)
		_, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "b"})
		add("CreateOrUpdateKeyValue", err)
		add("DeleteKeyValue", js.DeleteKeyValue(ctx, "b"))
		_, err = js.Publish(ctx, "$KV.b.k", []byte("x"), jetstream.WithRetryAttempts(0)) // the client retries a 503 every 250 ms
		assert.ErrorIs(t, err, jetstream.ErrNoStreamResponse)
		add("Publish", err)
		_, err = js.Stream(ctx, "KV_b")
		add("Stream", err)
		_, err = js.OrderedConsumer(ctx, "KV_b", jetstream.OrderedConsumerConfig{})
		add("OrderedConsumer", err)
		_, err = ljs.AccountInfo()
		assert.ErrorIs(t, err, nats.ErrJetStreamNotEnabled)
		add("legacy AccountInfo", err)
		_, err = ljs.KeyValue("b")
		add("legacy KeyValue", err)
		_, err = ljs.CreateKeyValue(&nats.KeyValueConfig{Bucket: "c"})
		add("legacy CreateKeyValue", err)
		_, err = ljs.Publish("$KV.b.k", []byte("x"), nats.RetryAttempts(0))
		add("legacy Publish", err)
		_, err = ljs.StreamInfo("KV_b")
		add("legacy StreamInfo", err)
		return errs
	}
	assert.Equal(t, calls(real), calls(m))

	m.SetJetStream(true)
	info, lines := raw(m) // its last PUB ("x" to $KV.b.k) is stored now
	assert.Equal(t, true, info["jetstream"])
	assert.NotEqual(t, got, lines)
	nc, err := nats.Connect("", nats.InProcessServer(m))
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	wkv, err := js.KeyValue(ctx, "b")
	require.NoError(t, err)
	e, err := wkv.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, "x", string(e.Value()))
	assert.Equal(t, uint64(3), e.Revision())
}
