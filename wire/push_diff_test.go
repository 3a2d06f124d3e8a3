package wire_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/conformance"
	"github.com/jetsim/jetsim/memkv"
)

// Push consumers are tested differentially too: the same consumer on the
// same stream, on the server and on jetsim, must deliver the same messages
// with the same ack-subject tokens (the time token masked), heartbeats and
// flow-control requests (the random token masked).

// delivered is the comparable form of a message on a deliver subject.
func delivered(m *nats.Msg) string {
	reply := m.Reply
	if strings.HasPrefix(reply, "$JS.ACK.") {
		toks := strings.Split(reply, ".")
		if len(toks) == 9 {
			toks[7] = "<ts>"
		}
		reply = strings.Join(toks, ".")
	}
	if strings.HasPrefix(reply, "$JS.FC.") {
		reply = reply[:strings.LastIndexByte(reply, '.')] + ".<token>"
	}
	var hdr []string
	for k, v := range m.Header {
		if k == "Nats-Consumer-Stalled" {
			v = []string{"<fc>"}
		}
		hdr = append(hdr, fmt.Sprintf("%s=%v", k, v))
	}
	return fmt.Sprintf("%s reply=%s hdr=%v len=%d", m.Subject, reply, sorted(hdr), len(m.Data))
}

func sorted(s []string) []string {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s
}

// pushScenario runs one consumer's life on nc and returns what it saw.
func pushScenario(t *testing.T, nc *nats.Conn) []string {
	t.Helper()
	req := func(subj, body string) string {
		r, err := nc.Request(subj, []byte(body), time.Second)
		require.NoError(t, err)
		return normalize(r, nil)
	}
	var out []string
	out = append(out, req("$JS.API.STREAM.CREATE.S", `{"name":"S","subjects":["s.>"],"storage":"memory","max_msgs_per_subject":2,"allow_direct":true}`))
	for i, subj := range []string{"s.a", "s.b", "s.a", "s.c", "s.a"} {
		m := nats.NewMsg(subj)
		m.Data = []byte(fmt.Sprint(i))
		if i == 3 {
			m.Header.Set("KV-Operation", "DEL")
		}
		_, err := nc.RequestMsg(m, time.Second)
		require.NoError(t, err)
	}
	sub, err := nc.SubscribeSync("dlv")
	require.NoError(t, err)
	out = append(out, req("$JS.API.CONSUMER.CREATE.S.c1.s.>", `{"stream_name":"S","config":{"deliver_policy":"last_per_subject","ack_policy":"none","max_deliver":1,"filter_subject":"s.>","replay_policy":"instant","flow_control":true,"idle_heartbeat":200000000,"deliver_subject":"dlv","num_replicas":1,"mem_storage":true,"headers_only":false}}`))
	next := func(n int) {
		for range n {
			m, err := sub.NextMsg(2 * time.Second)
			require.NoError(t, err)
			out = append(out, delivered(m))
		}
	}
	next(3)
	_, err = nc.Request("s.d", []byte("new"), time.Second)
	require.NoError(t, err)
	next(1)
	next(1) // the idle heartbeat
	// A burst past half the first flow-control window (2 MiB / 2) brings a
	// flow-control request, which this subscriber answers.
	big := make([]byte, 200_000)
	for range 8 {
		_, err = nc.Request("s.big", big, time.Second)
		require.NoError(t, err)
	}
	for i := 0; i < 9; {
		m, err := sub.NextMsg(2 * time.Second)
		require.NoError(t, err)
		if m.Header.Get("Description") == "Idle Heartbeat" {
			continue // a slow run may pause longer than 200 ms
		}
		i++
		out = append(out, delivered(m))
		if strings.HasPrefix(m.Reply, "$JS.FC.") {
			require.NoError(t, m.Respond(nil))
		}
	}
	out = append(out, req("$JS.API.CONSUMER.INFO.S.c1", ""))
	out = append(out, req("$JS.API.CONSUMER.CREATE.S.c1.s.>", `{"stream_name":"S","config":{"deliver_policy":"all","ack_policy":"none","filter_subject":"s.>","flow_control":true,"idle_heartbeat":200000000,"deliver_subject":"other"},"action":"create"}`))
	out = append(out, req("$JS.API.CONSUMER.DELETE.S.c1", ""))
	out = append(out, req("$JS.API.CONSUMER.DELETE.S.c1", ""))
	// Nothing is delivered after the delete. A heartbeat sent before it
	// may still be queued (200 ms apart, and a slow run takes longer than
	// that between the last steps), so statuses are skipped.
	_, err = nc.Request("s.after", []byte("x"), time.Second)
	require.NoError(t, err)
	for {
		m, err := sub.NextMsg(300 * time.Millisecond)
		if err != nil {
			out = append(out, fmt.Sprint("after delete: ", err))
			break
		}
		if m.Header.Get("Status") == "" {
			out = append(out, "after delete: "+delivered(m))
		}
	}
	return out
}

func TestPushConsumerDiff(t *testing.T) {
	server := pushScenario(t, conformance.StartServer(t))
	m := memkv.New()
	t.Cleanup(m.Close)
	nc, err := nats.Connect("", nats.InProcessServer(m))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	jetsim := pushScenario(t, nc)
	require.Len(t, jetsim, len(server))
	for i := range server {
		assert.Equal(t, server[i], jetsim[i], "observation %d: jetsim (actual) differs from the server (expected)", i)
	}
}
