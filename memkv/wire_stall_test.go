package memkv

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"
)

// A push consumer whose client stops answering flow control stalls, as the
// server's does, and then holds nothing: it lets go of its stream
// consumer, so writers go on at no cost however long the client takes.
// Once the client answers, it resumes from the stream after its last
// delivery, with no gap in either sequence. (In package memkv, to see
// the stream through the wire backend.)
func TestPushConsumerStallParks(t *testing.T) {
	m := New()
	t.Cleanup(m.Close)
	nc, err := nats.Connect("", nats.InProcessServer(m))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	_, err = nc.Request("$JS.API.STREAM.CREATE.S", []byte(`{"name":"S","subjects":["s.>"],"storage":"memory"}`), time.Second)
	require.NoError(t, err)
	sub, err := nc.SubscribeSync("dlv")
	require.NoError(t, err)
	require.NoError(t, sub.SetPendingLimits(-1, -1))
	r, err := nc.Request("$JS.API.CONSUMER.CREATE.S.c.s.>", []byte(`{"stream_name":"S","config":{"deliver_policy":"all","ack_policy":"none","filter_subject":"s.>","flow_control":true,"idle_heartbeat":5000000000,"deliver_subject":"dlv"}}`), time.Second)
	require.NoError(t, err)
	require.NotContains(t, string(r.Data), `"error"`)

	big := make([]byte, 100_000)
	publish := func(n int) {
		for range n {
			_, err := nc.Request("s.x", big, time.Second)
			require.NoError(t, err)
		}
	}
	e, ok := wireBackend{m}.Stream("S")
	require.True(t, ok)

	// 30 × 100 KB pass the first window (2 MiB): the consumer stalls with
	// a flow-control request outstanding, and parks.
	publish(30)
	var fc *nats.Msg
	data := 0
	var seqs []string
	for fc == nil || !parked(e.Stream.NumConsumers) {
		msg, err := sub.NextMsg(2 * time.Second)
		require.NoError(t, err, "after %d messages", data)
		switch {
		case strings.HasPrefix(msg.Reply, "$JS.FC."):
			fc = msg
		case msg.Header.Get("Status") == "":
			data++
			seqs = append(seqs, ackSeqs(msg.Reply))
		}
	}
	require.Less(t, data, 30, "the window stops the consumer")
	publish(20)
	require.Zero(t, e.Stream.NumConsumers(), "still parked: writers pay nothing")

	require.NoError(t, fc.Respond(nil))
	for data < 50 {
		msg, err := sub.NextMsg(2 * time.Second)
		require.NoError(t, err, "after %d messages", data)
		switch {
		case strings.HasPrefix(msg.Reply, "$JS.FC."):
			require.NoError(t, msg.Respond(nil))
		case msg.Header.Get("Status") == "":
			data++
			seqs = append(seqs, ackSeqs(msg.Reply))
		}
	}
	for i, s := range seqs {
		require.Equal(t, strings.Repeat(strconv.Itoa(i+1)+".", 2), s, "stream and consumer sequences of delivery %d", i+1)
	}
}

// parked reports, after a moment for the stall to take effect, whether
// the stream has no consumer.
func parked(n func() int) bool {
	time.Sleep(time.Millisecond)
	return n() == 0
}

// ackSeqs returns "<stream seq>.<consumer seq>." from an ack subject.
func ackSeqs(reply string) string {
	toks := strings.Split(reply, ".")
	return toks[5] + "." + toks[6] + "."
}
