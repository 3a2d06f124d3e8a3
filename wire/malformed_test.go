package wire_test

import (
	"bufio"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/memkv"
)

// A message stored with a header block too short to end in a blank line
// (HPUB takes any bytes as the header) is read back by a direct get and
// delivered headers-only without a panic: before, both sliced the block
// at len-2 and the server process crashed.
func TestShortHeaderBlock(t *testing.T) {
	m := memkv.New()
	t.Cleanup(m.Close)
	c, err := m.InProcessConn()
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	var in strings.Builder
	pub := func(subj, reply, body string) {
		fmt.Fprintf(&in, "PUB %s %s %d\r\n%s\r\n", subj, reply, len(body), body)
	}
	in.WriteString("CONNECT {\"verbose\":false,\"pedantic\":false,\"headers\":true,\"protocol\":1}\r\nSUB _INBOX.> 1\r\nSUB d 2\r\n")
	pub("$JS.API.STREAM.CREATE.S", "_INBOX.1", `{"name":"S","subjects":["s.>"],"allow_direct":true,"storage":"memory"}`)
	in.WriteString("HPUB s.1 _INBOX.2 1 2\r\nXy\r\n")
	pub("$JS.API.DIRECT.GET.S.s.1", "_INBOX.3", "")
	pub("$JS.API.CONSUMER.CREATE.S", "_INBOX.4", `{"stream_name":"S","config":{"deliver_subject":"d","ack_policy":"none","headers_only":true}}`)
	go func() { _, _ = c.Write([]byte(in.String())) }()

	r := bufio.NewReader(c)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	var direct, delivered string
	for direct == "" || delivered == "" {
		l, err := r.ReadString('\n')
		require.NoError(t, err, "direct %q, delivered %q", direct, delivered)
		switch {
		case strings.HasPrefix(l, "HMSG s.1 2 "):
			delivered = l
		case strings.HasPrefix(l, "HMSG _INBOX.3 "):
			direct = l
		}
	}
}
