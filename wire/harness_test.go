package wire

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"
)

// provider hands out in-process connections: a wire.Server or an embedded
// nats-server.
type provider interface {
	InProcessConn() (net.Conn, error)
}

// realServer starts an embedded nats-server without a listener (JetStream
// off) and shuts it down when the test ends.
func realServer(t testing.TB) *server.Server {
	t.Helper()
	s, err := server.NewServer(&server.Options{DontListen: true, NoLog: true, NoSigs: true})
	require.NoError(t, err)
	go s.Start()
	require.True(t, s.ReadyForConnections(10*time.Second), "nats-server not ready")
	t.Cleanup(func() {
		s.Shutdown()
		s.WaitForShutdown()
	})
	return s
}

// wireServer starts a wire.Server without JetStream and closes it when the
// test ends.
func wireServer(t testing.TB) *Server {
	t.Helper()
	s := New(nil)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

// targets are the two servers a differential test runs against.
func targets(t *testing.T) map[string]provider {
	return map[string]provider{"nats-server": realServer(t), "wire": wireServer(t)}
}

// connect returns a nats.go connection to p, closed when the test ends.
func connect(t testing.TB, p provider, opts ...nats.Option) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect("", append([]nats.Option{nats.InProcessServer(p)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	return nc
}

// rawConn is a byte-level client, as nats-server's test/test.go drives the
// server: send protocol text, read what comes back.
type rawConn struct {
	t   testing.TB
	nc  net.Conn
	r   *bufio.Reader
	out chan string
}

// dialRaw opens a raw connection to p and reads the server's INFO, which
// it returns.
func dialRaw(t testing.TB, p provider) (*rawConn, string) {
	t.Helper()
	nc, err := p.InProcessConn()
	require.NoError(t, err)
	c := &rawConn{t: t, nc: nc, r: bufio.NewReaderSize(nc, 1<<16), out: make(chan string, 64)}
	// Writes happen in order on their own goroutine, so that a server that
	// answers before it has read everything (as over a pipe it must)
	// cannot deadlock the test; a write to a closed connection is ignored.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for s := range c.out {
			_, _ = nc.Write([]byte(s))
		}
	}()
	t.Cleanup(func() {
		nc.Close()
		close(c.out)
		<-done
	})
	return c, c.line()
}

// close closes the client's end; the server notices on its own time.
func (c *rawConn) close() { c.nc.Close() }

// quiesce waits until p has no client connection left, so that a case's
// subscriptions cannot take the next case's messages (nats-server notices
// a closed pipe asynchronously).
func quiesce(t testing.TB, p provider) {
	t.Helper()
	count := func() int {
		switch s := p.(type) {
		case *server.Server:
			return s.NumClients()
		case *Server:
			return s.NumConnections()
		}
		panic("unknown provider")
	}
	require.Eventually(t, func() bool { return count() == 0 }, 5*time.Second, time.Millisecond, "connections left")
}

// send queues s to be written.
func (c *rawConn) send(s string) { c.out <- s }

// line reads one protocol line, with its CRLF.
func (c *rawConn) line() string {
	c.t.Helper()
	_ = c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	s, err := c.r.ReadString('\n')
	require.NoError(c.t, err, "read after %q", s)
	return s
}

// payload reads a message's payload of the given size, with its CRLF.
func (c *rawConn) payload(size string) string {
	c.t.Helper()
	n, err := strconv.Atoi(size)
	require.NoError(c.t, err)
	buf := make([]byte, n+2)
	_, err = io.ReadFull(c.r, buf)
	require.NoError(c.t, err)
	return string(buf)
}

// expect reads one line and checks it against the regular expression re.
func (c *rawConn) expect(re string) string {
	c.t.Helper()
	l := c.line()
	require.Regexp(c.t, "^"+re+"$", l)
	return l
}

// transcript reads everything the server sends until the pongs-th PONG
// (the caller's closing PING's answer) or until the server closes the
// connection. INFO lines are reduced to their stable fields.
func (c *rawConn) transcript(pongs int) []string {
	c.t.Helper()
	var out []string
	for {
		_ = c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		l, err := c.r.ReadString('\n')
		if err != nil {
			require.NotContains(c.t, err.Error(), "timeout", "transcript so far: %q", out)
			return append(out, "<closed>")
		}
		if strings.HasPrefix(l, "INFO ") {
			l = stableInfo(c.t, l)
		}
		out = append(out, l)
		if l == "PONG\r\n" {
			if pongs--; pongs == 0 {
				return out
			}
		}
	}
}

var volatile = regexp.MustCompile(`"(server_id|server_name|go|client_id|xkey)":("[^"]*"|\d+),?`)

// stableInfo keeps an INFO line's fields, minus those that differ between
// two servers or runs, and checks that the volatile ones are present.
func stableInfo(t testing.TB, l string) string {
	t.Helper()
	var m map[string]any
	js := strings.TrimSuffix(strings.TrimPrefix(l, "INFO "), " \r\n")
	require.NoError(t, json.Unmarshal([]byte(js), &m), "INFO %q", l)
	for _, k := range []string{"server_id", "server_name", "go", "client_id"} {
		require.Contains(t, m, k, "INFO %q", l)
	}
	require.True(t, strings.HasSuffix(l, "} \r\n"), "INFO ends with a space before CRLF: %q", l)
	return "INFO " + strings.Replace(volatile.ReplaceAllString(js, ""), ",}", "}", 1) + "\r\n"
}
