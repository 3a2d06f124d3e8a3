package wire_test

import (
	"bufio"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/conformance"
	"github.com/jetsim/jetsim/memkv"
)

// A push consumer routes its deliveries a batch at a time when one
// subscription is all that listens on its deliver subject. A client
// subscribed to the deliver subject two ways must still get each message's
// two copies together, in the server's order.
func TestPushTwoSubscriptionsDiff(t *testing.T) {
	server := conformance.StartServer(t)
	u, err := url.Parse(server.ConnectedUrl())
	require.NoError(t, err)
	want := twoSubscriptions(t, server, func() (net.Conn, error) { return net.Dial("tcp", u.Host) })

	m := memkv.New()
	t.Cleanup(m.Close)
	nc, err := nats.Connect("", nats.InProcessServer(m))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	got := twoSubscriptions(t, nc, m.InProcessConn)
	require.Equal(t, want, got, "jetsim (actual) against the server (expected)")
}

var ackTime = regexp.MustCompile(`(\$JS\.ACK(\.[^.]+){5})\.\d+\.`)

// twoSubscriptions subscribes a raw connection to d.x and d.*, has a push
// consumer deliver four stored messages to d.x, and returns the MSG lines
// the raw connection reads (the ack subject's time token masked).
func twoSubscriptions(t *testing.T, nc *nats.Conn, dial func() (net.Conn, error)) []string {
	raw, err := dial()
	require.NoError(t, err)
	t.Cleanup(func() { raw.Close() })
	r := bufio.NewReader(raw)
	_ = raw.SetDeadline(time.Now().Add(10 * time.Second))
	go func() {
		_, _ = raw.Write([]byte("CONNECT {\"verbose\":false,\"protocol\":1,\"headers\":true}\r\nSUB d.x 1\r\nSUB d.* 2\r\nPING\r\n"))
	}()
	for {
		l, err := r.ReadString('\n')
		require.NoError(t, err)
		if l == "PONG\r\n" {
			break
		}
	}
	_, err = nc.Request("$JS.API.STREAM.CREATE.S", []byte(`{"name":"S","subjects":["s.>"],"storage":"memory"}`), time.Second)
	require.NoError(t, err)
	for _, subj := range []string{"s.a", "s.b", "s.a", "s.c"} {
		_, err := nc.Request(subj, []byte(subj), time.Second)
		require.NoError(t, err)
	}
	_, err = nc.Request("$JS.API.CONSUMER.CREATE.S", []byte(`{"stream_name":"S","config":{"name":"c","deliver_policy":"all","ack_policy":"none","deliver_subject":"d.x"}}`), time.Second)
	require.NoError(t, err)
	var out []string
	for len(out) < 8 {
		l, err := r.ReadString('\n')
		require.NoError(t, err)
		if !strings.HasPrefix(l, "MSG ") {
			continue
		}
		f := strings.Fields(l)
		n, err := strconv.Atoi(f[len(f)-1])
		require.NoError(t, err)
		_, err = r.Discard(n + 2)
		require.NoError(t, err)
		out = append(out, ackTime.ReplaceAllString(l, "$1.<ts>."))
	}
	return out
}
