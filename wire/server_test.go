package wire

import (
	"bytes"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"
)

// requireNoConnGoroutines fails if a goroutine of a wire connection is
// left after Close. One that has called wg.Done may still be returning, so
// the check looks again for a while, as goleak does; that Close waited is
// checked by NumConnections being 0 as soon as it returns (a connection
// leaves the registry just before its read loop ends).
func requireNoConnGoroutines(t *testing.T) {
	t.Helper()
	left := func() string {
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		for _, g := range bytes.Split(buf[:n], []byte("\n\n")) {
			if bytes.Contains(g, []byte("jetsim/wire.(*conn)")) {
				return string(g)
			}
		}
		return ""
	}
	deadline := time.Now().Add(time.Second)
	for left() != "" && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	require.Empty(t, left(), "goroutine left after Close")
}

func TestInProcessConnIsNewEachCall(t *testing.T) {
	s := wireServer(t)
	a, infoA := dialRaw(t, s)
	b, infoB := dialRaw(t, s)
	require.NotEqual(t, infoA, infoB, "client_id differs")
	a.send(quiet + "SUB x 1\r\nPING\r\n")
	a.expect("PONG\r\n")
	b.send(quiet + "PUB x 2\r\nhi\r\n")
	a.expect(`MSG x 1 2\r\n`)
	a.expect("hi\r\n")
	require.Equal(t, 2, s.NumConnections())
}

func TestCloseWaitsForEveryGoroutine(t *testing.T) {
	s := New(nil)
	var ncs []*nats.Conn
	for range 5 {
		nc, err := nats.Connect("", nats.InProcessServer(s), nats.NoReconnect())
		require.NoError(t, err)
		_, err = nc.SubscribeSync("x")
		require.NoError(t, err)
		ncs = append(ncs, nc)
	}
	// A raw client that never reads holds its writer in a Write.
	raw, err := s.InProcessConn()
	require.NoError(t, err)
	defer raw.Close()
	require.NoError(t, ncs[0].Publish("x", make([]byte, 1000)))
	require.NoError(t, s.Close())
	require.Equal(t, 0, s.NumConnections(), "Close waited for the connections to end")
	requireNoConnGoroutines(t)
	_, err = s.InProcessConn()
	require.EqualError(t, err, "failed to create connection")
	for _, nc := range ncs {
		require.Eventually(t, nc.IsClosed, 5*time.Second, time.Millisecond)
	}
	require.NoError(t, s.Close(), "a second Close does nothing")
}

func TestRefuseConnections(t *testing.T) {
	s := wireServer(t)
	s.RefuseConnections(-1)
	_, err := nats.Connect("", nats.InProcessServer(s))
	require.Error(t, err)
	_, err = s.InProcessConn()
	require.EqualError(t, err, "failed to create connection")
	s.RefuseConnections(0)
	nc := connect(t, s)
	require.True(t, nc.IsConnected())

	s.RefuseConnections(50 * time.Millisecond)
	_, err = s.InProcessConn()
	require.Error(t, err)
	require.Eventually(t, func() bool {
		c, err := s.InProcessConn()
		if err == nil {
			c.Close()
		}
		return err == nil
	}, 5*time.Second, 5*time.Millisecond)
}

// TestDropConnectionsReconnects drops every connection while the server
// refuses new ones for a while, as a restart would: the client reconnects,
// resubscribes and works again.
func TestDropConnectionsReconnects(t *testing.T) {
	s := wireServer(t)
	reconnected := make(chan struct{}, 1)
	nc := connect(t, s, nats.ReconnectWait(10*time.Millisecond), nats.MaxReconnects(-1),
		nats.ReconnectHandler(func(*nats.Conn) { reconnected <- struct{}{} }))
	sub := must(nc.SubscribeSync("r"))
	require.NoError(t, nc.Flush())

	s.RefuseConnections(30 * time.Millisecond)
	s.DropConnections()
	select {
	case <-reconnected:
	case <-time.After(5 * time.Second):
		t.Fatal("no reconnect")
	}
	require.NoError(t, nc.Publish("r", []byte("after")))
	m, err := sub.NextMsg(5 * time.Second)
	require.NoError(t, err)
	require.Equal(t, "after", string(m.Data))
	require.Equal(t, 1, s.NumConnections())
}

// TestSlowConsumerIsClosed: a subscriber that stops reading is closed once
// its pending bytes pass the limit, and the publisher never blocks.
func TestSlowConsumerIsClosed(t *testing.T) {
	s := wireServer(t)
	s.maxPending = 64 << 10
	slow, _ := dialRaw(t, s)
	slow.send(quiet + "SUB x 1\r\n")
	nc := connect(t, s)
	require.Eventually(t, func() bool { return s.hasInterest("x") }, 5*time.Second, time.Millisecond)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 200 {
			_ = nc.Publish("x", make([]byte, 1024))
		}
		_ = nc.Flush()
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("publisher blocked on a slow consumer")
	}
	require.Eventually(t, func() bool { return s.NumConnections() == 1 }, 5*time.Second, time.Millisecond)
	require.False(t, s.hasInterest("x"), "the slow consumer's subscription ended with it")
}

// TestInternalSubscriptions exercises the seam the JetStream layer uses:
// an internal handler answers a client's request through publish, counts
// as interest, and ends with cancel; capture takes messages before
// subscriptions and counts as interest for no-responders.
func TestInternalSubscriptions(t *testing.T) {
	s := wireServer(t)
	var captured atomic.Int32
	s.capture = func(m *Msg) bool {
		if m.Subject != "cap.x" {
			return false
		}
		captured.Add(1)
		s.publish(&Msg{Subject: m.Reply, Data: []byte("stored")})
		return true
	}
	cancel := s.subscribeInternal("api.>", func(m *Msg) {
		s.publish(&Msg{Subject: m.Reply, Header: []byte("NATS/1.0 404 Not Found\r\n\r\n"), Data: append([]byte("re:"), m.Data...)})
	})
	require.True(t, s.hasInterest("api.a.b"))
	require.False(t, s.hasInterest("api"))
	require.False(t, s.hasInterest("other"))

	nc := connect(t, s)
	r, err := nc.Request("api.info", []byte("q"), 5*time.Second)
	require.NoError(t, err)
	require.Equal(t, "re:q", string(r.Data))
	require.Equal(t, "404", r.Header.Get("Status"))

	r, err = nc.Request("cap.x", nil, 5*time.Second)
	require.NoError(t, err)
	require.Equal(t, "stored", string(r.Data))
	require.Equal(t, int32(1), captured.Load())

	cancel()
	require.False(t, s.hasInterest("api.a.b"))
	_, err = nc.Request("api.info", nil, 5*time.Second)
	require.ErrorIs(t, err, nats.ErrNoResponders)

	// publish reports interest, and reaches a client.
	sub := must(nc.SubscribeSync("to.client"))
	require.NoError(t, nc.Flush())
	require.True(t, s.publish(&Msg{Subject: "to.client", Data: []byte("hi")}))
	require.False(t, s.publish(&Msg{Subject: "to.nobody"}))
	m, err := sub.NextMsg(5 * time.Second)
	require.NoError(t, err)
	require.Equal(t, "hi", string(m.Data))
}

// TestStress has many clients publish and subscribe at once while the
// server drops every connection several times; the clients reconnect, and
// after Close no connection goroutine is left. Run it with -race.
func TestStress(t *testing.T) {
	s := New(nil)
	const clients, msgs = 8, 300
	var wg sync.WaitGroup
	var received atomic.Int64
	var ncs []*nats.Conn
	for i := range clients {
		nc, err := nats.Connect("", nats.InProcessServer(s), nats.ReconnectWait(time.Millisecond), nats.MaxReconnects(-1), nats.ReconnectBufSize(-1))
		require.NoError(t, err)
		ncs = append(ncs, nc)
		_, err = nc.Subscribe(fmt.Sprintf("s.%d.*", i), func(*nats.Msg) { received.Add(1) })
		require.NoError(t, err)
		_, err = nc.QueueSubscribe("s.>", "q", func(m *nats.Msg) {
			if m.Reply != "" {
				_ = m.Respond(m.Data)
			}
		})
		require.NoError(t, err)
	}
	for i, nc := range ncs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range msgs {
				_ = nc.Publish(fmt.Sprintf("s.%d.%d", (i+j)%clients, j), []byte("x"))
				if j%50 == 0 {
					_, _ = nc.Request(fmt.Sprintf("s.%d.r", i), []byte("r"), time.Second)
				}
			}
		}()
	}
	for range 3 {
		time.Sleep(5 * time.Millisecond)
		s.DropConnections()
	}
	wg.Wait()
	require.NoError(t, s.Close())
	require.Equal(t, 0, s.NumConnections(), "Close waited for the connections to end")
	for _, nc := range ncs {
		nc.Close()
	}
	requireNoConnGoroutines(t)
	require.Positive(t, received.Load())
}
