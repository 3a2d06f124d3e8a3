package wire

import (
	"fmt"
	"io"
	"net"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"
)

// dialer is a provider that dials a TCP listener, so that the raw harness
// (dialRaw, transcript) and nats.go drive a server over loopback TCP.
type dialer string

func (d dialer) InProcessConn() (net.Conn, error) {
	return net.Dial("tcp", strings.TrimPrefix(string(d), "nats://"))
}

// realTCP starts an embedded nats-server listening on a free port of
// 127.0.0.1, with opts applied to its options.
func realTCP(t testing.TB, opts func(*server.Options)) (*server.Server, dialer) {
	t.Helper()
	o := &server.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true}
	if opts != nil {
		opts(o)
	}
	s, err := server.NewServer(o)
	require.NoError(t, err)
	go s.Start()
	require.True(t, s.ReadyForConnections(10*time.Second), "nats-server not ready")
	t.Cleanup(func() {
		s.Shutdown()
		s.WaitForShutdown()
	})
	return s, dialer(s.ClientURL())
}

// wireTCP starts a wire.Server listening on a free port of 127.0.0.1.
func wireTCP(t testing.TB, opts ...ListenOption) (*Server, dialer) {
	t.Helper()
	s := wireServer(t)
	return s, listen(t, s, opts...)
}

// listen makes s listen on a free port of 127.0.0.1.
func listen(t testing.TB, s *Server, opts ...ListenOption) dialer {
	t.Helper()
	url, err := s.Listen("127.0.0.1:0", opts...)
	require.NoError(t, err)
	return dialer(url)
}

// tcpInfo masks what a listener's INFO says of its own and the client's
// address, which differ between the two servers of a run.
var tcpInfo = regexp.MustCompile(`"port":\d+,`)

func tcpTranscript(c *rawConn, pongs int) []string {
	out := c.transcript(pongs)
	for i, l := range out {
		out[i] = tcpInfo.ReplaceAllString(l, `"port":<port>,`)
	}
	return out
}

// TestListenRawProtocol runs every raw protocol case over loopback TCP:
// nats-server's listener and wire's answer each byte alike, INFO included
// (host, auth_required, client_ip; the port masked).
func TestListenRawProtocol(t *testing.T) {
	real, realD := realTCP(t, nil)
	sim, simD := wireTCP(t)
	for _, tc := range rawCases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in + "PING\r\n"
			pongs := strings.Count(strings.ToUpper(in), "PING")
			run := func(p provider, d dialer) []string {
				c, info := dialRaw(t, d)
				defer quiesce(t, p)
				defer c.close()
				c.send(in)
				return append([]string{tcpInfo.ReplaceAllString(stableInfo(t, info), `"port":<port>,`)}, tcpTranscript(c, pongs)...)
			}
			want := run(real, realD)
			require.Equal(t, want, run(sim, simD))
		})
	}
}

// TestListenAuth: a listener that requires credentials answers CONNECT,
// a first verb that is not CONNECT, and silence as nats-server does with
// --user/--pass or --auth (the timeout shortened to 200 ms on both).
func TestListenAuth(t *testing.T) {
	require.Equal(t, server.AUTH_TIMEOUT, authTimeout, "the default is nats-server's")
	const timeout = 200 * time.Millisecond
	userPass := func(o *server.Options) { o.Username, o.Password, o.AuthTimeout = "u", "p", timeout.Seconds() }
	token := func(o *server.Options) { o.Authorization, o.AuthTimeout = "s3cret", timeout.Seconds() }
	realUser, realUserD := realTCP(t, userPass)
	simUser, simUserD := wireTCP(t, WithUserPassword("u", "p"), WithAuthTimeout(timeout))
	realToken, realTokenD := realTCP(t, token)
	simToken, simTokenD := wireTCP(t, WithToken("s3cret"), WithAuthTimeout(timeout))
	cases := []struct {
		name, in string
		token    bool
	}{
		{name: "right user and password", in: `CONNECT {"verbose":false,"user":"u","pass":"p"}` + "\r\nPING\r\n"},
		{name: "verbose right credentials", in: `CONNECT {"user":"u","pass":"p"}` + "\r\nPING\r\n"},
		{name: "wrong password", in: `CONNECT {"verbose":false,"user":"u","pass":"x"}` + "\r\nPING\r\n"},
		{name: "wrong user", in: `CONNECT {"verbose":false,"user":"x","pass":"p"}` + "\r\nPING\r\n"},
		{name: "no credentials", in: `CONNECT {"verbose":false}` + "\r\nPING\r\n"},
		{name: "token to a user listener", in: `CONNECT {"verbose":false,"auth_token":"p"}` + "\r\nPING\r\n"},
		{name: "ping before connect", in: "PING\r\n"},
		{name: "sub before connect", in: "SUB foo 1\r\n"},
		{name: "lower case connect", in: `connect {"verbose":false,"user":"u","pass":"p"}` + "\r\nPING\r\n"},
		{name: "right token", in: `CONNECT {"verbose":false,"auth_token":"s3cret"}` + "\r\nPING\r\n", token: true},
		{name: "wrong token", in: `CONNECT {"verbose":false,"auth_token":"x"}` + "\r\nPING\r\n", token: true},
		{name: "user to a token listener", in: `CONNECT {"verbose":false,"user":"u","pass":"p"}` + "\r\nPING\r\n", token: true},
		{name: "silence times out", in: ""},
		{name: "half a connect times out", in: "CONN"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ps, ds := []provider{realUser, simUser}, []dialer{realUserD, simUserD}
			if tc.token {
				ps, ds = []provider{realToken, simToken}, []dialer{realTokenD, simTokenD}
			}
			var got [2][]string
			for i, d := range ds {
				c, info := dialRaw(t, d)
				require.Contains(t, info, `"auth_required":true`)
				if tc.in != "" {
					c.send(tc.in)
				}
				got[i] = tcpTranscript(c, 1)
				c.close()
				quiesce(t, ps[i])
			}
			require.Equal(t, got[0], got[1])
		})
	}
}

// TestListenAuthNatsGo: nats.go with a URL's credentials gets in, and with
// wrong ones gets nats.ErrAuthorization from both servers.
func TestListenAuthNatsGo(t *testing.T) {
	_, real := realTCP(t, func(o *server.Options) { o.Username, o.Password = "u", "p" })
	_, sim := wireTCP(t, WithUserPassword("u", "p"))
	for _, d := range []dialer{real, sim} {
		url := string(d)
		nc, err := nats.Connect(url, nats.UserInfo("u", "p"))
		require.NoError(t, err)
		require.NoError(t, nc.Flush())
		nc.Close()
		_, err = nats.Connect(url, nats.UserInfo("u", "wrong"), nats.NoReconnect())
		require.ErrorIs(t, err, nats.ErrAuthorization)
		_, err = nats.Connect(url, nats.NoReconnect())
		require.ErrorIs(t, err, nats.ErrAuthorization)
	}
}

// TestListenSlowConsumer: a TCP subscriber that stops reading is cut off
// once its pending bytes pass the limit (both servers set to 1 MiB, the
// least nats-server takes with the default max payload), with
// no -ERR (server/client.go: queueOutbound marks it closed as
// SlowConsumerPendingBytes); the publisher never blocks.
func TestListenSlowConsumer(t *testing.T) {
	const limit = 1 << 20
	_, real := realTCP(t, func(o *server.Options) { o.MaxPending = limit })
	sim := wireServer(t)
	sim.maxPending = limit // before Listen: a TCP accept is no happens-before edge for -race
	simD := listen(t, sim)
	for _, d := range []dialer{real, simD} {
		slow, _ := dialRaw(t, d)
		slow.send(quiet + "SUB x 1\r\nPING\r\n")
		slow.expect("PONG\r\n")
		nc, err := nats.Connect(string(d))
		require.NoError(t, err)
		published := 0
		done := make(chan error, 1)
		go func() {
			// 32 MiB: more than the limit and both ends' socket buffers
			for range 512 {
				if err := nc.Publish("x", make([]byte, 64<<10)); err != nil {
					done <- err
					return
				}
				published++
			}
			done <- nc.Flush()
		}()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(20 * time.Second):
			t.Fatalf("%s: the publisher blocked on a slow consumer", d)
		}
		nc.Close()
		// the slow client finds the connection closed after what was sent
		_ = slow.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, err := io.Copy(io.Discard, slow.r)
		require.NoError(t, err, "%s: the slow consumer was not closed", d)
		require.Less(t, n, int64(published*(64<<10)), "%s: everything was delivered", d)
	}
}

// TestListenWriteDeadline: a TCP subscriber that stops reading while its
// pending bytes stay under the limit is cut off when one write to it takes
// longer than the write deadline (both servers set to 300 ms), without
// -ERR; the publisher never blocks.
func TestListenWriteDeadline(t *testing.T) {
	require.Equal(t, server.DEFAULT_FLUSH_DEADLINE, writeDeadline, "the default is nats-server's")
	const deadline = 300 * time.Millisecond
	_, real := realTCP(t, func(o *server.Options) { o.WriteDeadline = deadline })
	sim := wireServer(t)
	sim.writeDeadline = deadline
	simD := listen(t, sim)
	for _, d := range []dialer{real, simD} {
		slow, _ := dialRaw(t, d)
		slow.send(quiet + "SUB x 1\r\nPING\r\n")
		slow.expect("PONG\r\n")
		nc, err := nats.Connect(string(d))
		require.NoError(t, err)
		// 24 MiB: more than both ends' socket buffers, less than the
		// 64 MiB pending limit
		for range 384 {
			require.NoError(t, nc.Publish("x", make([]byte, 64<<10)))
		}
		require.NoError(t, nc.Flush())
		nc.Close()
		time.Sleep(2 * deadline) // the slow client reads nothing meanwhile
		_ = slow.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, err := io.Copy(io.Discard, slow.r)
		require.NoError(t, err, "%s: the slow consumer was not closed", d)
		require.Less(t, n, int64(384*(64<<10)), "%s: everything was delivered", d)
	}
}

// TestListenManyConnections: 1000 concurrent TCP clients each subscribe
// and get their message, on nats-server and on wire; when they leave, the
// server has no connection left.
func TestListenManyConnections(t *testing.T) {
	const n = 1000
	real, realD := realTCP(t, nil)
	sim, simD := wireTCP(t)
	count := map[dialer]func() int{realD: real.NumClients, simD: sim.NumConnections}
	for _, d := range []dialer{realD, simD} {
		conns := make([]*rawConn, n)
		for i := range conns {
			c, _ := dialRaw(t, d)
			c.send(fmt.Sprintf(quiet+"SUB many.%d 1\r\nPING\r\n", i))
			conns[i] = c
		}
		for _, c := range conns {
			expectPast(c, "PONG\r\n")
		}
		require.Equal(t, n, count[d](), "%s", d)
		pub, _ := dialRaw(t, d)
		var b strings.Builder
		b.WriteString(quiet)
		for i := range n {
			fmt.Fprintf(&b, "PUB many.%d 3\r\n%03d\r\n", i, i%1000)
		}
		pub.send(b.String() + "PING\r\n")
		pub.expect("PONG\r\n")
		var wg sync.WaitGroup
		for i, c := range conns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				expectPast(c, fmt.Sprintf(`MSG many\.%d 1 3\r\n`, i))
				c.expect(fmt.Sprintf("%03d\r\n", i%1000))
			}()
		}
		wg.Wait()
		for _, c := range append(conns, pub) {
			_ = c.nc.Close()
		}
		require.Eventually(t, func() bool { return count[d]() == 0 }, 10*time.Second, 10*time.Millisecond, "%s", d)
	}
}

// expectPast is expect for a client that may first get the server's PINGs:
// nats-server pings a TCP client soon after it connects
// (server/client.go: setFirstPingTimer), which a slow run gives it time to.
func expectPast(c *rawConn, re string) {
	c.t.Helper()
	for {
		l := c.line()
		if l != "PING\r\n" {
			require.Regexp(c.t, "^"+re+"$", l)
			return
		}
	}
}

// TestListenCloseAndDrop: DropConnections drops TCP clients, which
// reconnect through the listener; RefuseConnections turns new TCP clients
// away; Close closes the listener (a dial is refused) and leaves no
// goroutine.
func TestListenCloseAndDrop(t *testing.T) {
	s := New(nil)
	url, err := s.Listen("127.0.0.1:0")
	require.NoError(t, err)
	reconnected := make(chan struct{}, 1)
	nc, err := nats.Connect(url, nats.ReconnectWait(10*time.Millisecond), nats.ReconnectHandler(func(*nats.Conn) {
		reconnected <- struct{}{}
	}))
	require.NoError(t, err)
	defer nc.Close()
	sub, err := nc.SubscribeSync("x")
	require.NoError(t, err)
	require.NoError(t, nc.Flush())

	s.DropConnections()
	select {
	case <-reconnected:
	case <-time.After(10 * time.Second):
		t.Fatal("no reconnect after DropConnections")
	}
	require.NoError(t, nc.Publish("x", []byte("after")))
	m, err := sub.NextMsg(5 * time.Second)
	require.NoError(t, err, "the subscription is back after the reconnect")
	require.Equal(t, "after", string(m.Data))

	s.RefuseConnections(-1)
	_, err = nats.Connect(url, nats.NoReconnect())
	require.Error(t, err, "a refusing server closes a new TCP client at once")
	s.RefuseConnections(0)
	nc2, err := nats.Connect(url)
	require.NoError(t, err, "and takes it again once it accepts")
	nc2.Close()

	require.NoError(t, s.Close())
	_, err = net.Dial("tcp", strings.TrimPrefix(url, "nats://"))
	require.Error(t, err, "the listener is closed")
	requireNoConnGoroutines(t)
	require.Eventually(t, func() bool {
		buf := make([]byte, 1<<20)
		return !strings.Contains(string(buf[:runtime.Stack(buf, true)]), "wire.(*Server).accept")
	}, time.Second, time.Millisecond, "the accept loop ended with Close")
	_, err = s.Listen("127.0.0.1:0")
	require.ErrorIs(t, err, errRefused, "a closed server does not listen again")
}
