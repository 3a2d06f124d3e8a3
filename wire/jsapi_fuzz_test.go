package wire_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/memkv"
)

// FuzzJetStreamAPI sends an arbitrary request to the JetStream API or to a
// stream's subjects, on a fresh manager holding one bucket with two keys
// (one with a malformed header block):
// whatever the subject, header and body, the server neither panics nor
// stops answering the connection, still answers $JS.API.INFO with the
// account info, and Close ends every goroutine it started. Seeded with the
// differential test's requests.
func FuzzJetStreamAPI(f *testing.F) {
	for _, s := range streamSteps {
		var k, v string
		for hk, hv := range s.header {
			k, v = hk, hv[0]
		}
		f.Add(s.subject, k, v, []byte(s.body))
	}
	f.Add("$JS.API.STREAM.CREATE.A", "", "", []byte(`{"name":"A","subjects":["$JS.API.>"]}`))
	f.Add("$JS.API.STREAM.UPDATE.KV_b", "", "", []byte(`{"name":"KV_b","subjects":["$KV.b.>"],"max_msgs_per_subject":1,"allow_direct":true}`))
	f.Add("$KV.b.k", "Nats-TTL", "1s", []byte("v"))
	f.Add("$KV.b.k", "Nats-Rollup", "sub", []byte(""))
	f.Add("$KV.b.k", "Nats-Expected-Last-Subject-Sequence", "1", []byte("v"))
	f.Add("$JS.API.CONSUMER.CREATE.KV_b.c.$KV.b.>", "", "", []byte(`{"stream_name":"KV_b","config":{"deliver_subject":"_INBOX.d","ack_policy":"none","flow_control":true,"idle_heartbeat":5000000000,"deliver_policy":"last_per_subject","headers_only":true,"filter_subjects":["$KV.b.>"]}}`))
	f.Add("$JS.API.DIRECT.GET.KV_b", "", "", []byte(`{"multi_last":["$KV.b.>"],"batch":3}`))
	f.Add("$JS.API.DIRECT.GET.KV_b.$KV.b.k", "", "", []byte(""))
	f.Add("$JS.API.DIRECT.GET.KV_b.$KV.b.odd", "", "", []byte(""))
	f.Add("$JS.API.STREAM.PURGE.KV_b", "", "", []byte(`{"filter":"$KV.b.>","keep":-1}`))

	f.Add("$KV.b.k", "raw", "X", []byte("y"))
	f.Add("$KV.b.k", "raw", "NATS/1.0\r\nKV-Operation: PURGE\r\nNats-Rollup: sub\r\n\r\n", []byte(""))
	f.Add("$JS.API.DIRECT.GET.KV_b.$KV.b.k", "raw", "NATS/1.0\r\n\r\n", []byte(""))

	f.Fuzz(func(t *testing.T, subj, hk, hv string, body []byte) {
		// A subject or header the protocol cannot carry is the parser's
		// business (FuzzParse), not the API's.
		if subj == "" || strings.ContainsAny(subj, " \t\r\n") || len(body) > 64<<10 {
			return
		}
		ctx := context.Background()
		m := memkv.New()
		kv, err := m.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "b", History: 3})
		require.NoError(t, err)
		_, err = kv.PutString(ctx, "k", "v")
		require.NoError(t, err)
		// And one stored with a header block nats.go would never send.
		rawHPUB(t, m, "$KV.b.odd", "X", []byte("y"))
		nc, err := nats.Connect("", nats.InProcessServer(m), nats.MaxReconnects(0))
		require.NoError(t, err)
		_, err = nc.Subscribe("_INBOX.>", func(*nats.Msg) {})
		require.NoError(t, err)

		if hk == "raw" {
			// hv is the header block as HPUB carries it: any bytes, which
			// nats.go would never send.
			rawHPUB(t, m, subj, hv, body)
		} else {
			msg := &nats.Msg{Subject: subj, Reply: nats.NewInbox(), Data: body}
			if hk != "" && !strings.ContainsAny(hk, " \t\r\n:") && !strings.ContainsAny(hv, "\r\n") {
				msg.Header = nats.Header{hk: {hv}}
			}
			if nc.PublishMsg(msg) == nil { // else nats.go does not send it (a header it cannot encode)
				require.NoError(t, nc.FlushTimeout(5*time.Second), "the server stopped answering")
			}
		}
		r, err := nc.Request("$JS.API.INFO", nil, 5*time.Second)
		require.NoError(t, err, "account info")
		require.Contains(t, string(r.Data), `"type":"io.nats.jetstream.api.v1.account_info_response"`)
		nc.Close()
		closed := make(chan struct{})
		go func() {
			m.Close()
			close(closed)
		}()
		select {
		case <-closed:
		case <-time.After(5 * time.Second):
			t.Fatal("Close hangs")
		}
	})
}

// rawHPUB sends "HPUB subj <inbox> ..." with hdr as the header block over a
// connection of its own, then a PING, and requires the PONG, or the
// server's close of a connection that broke the protocol, in time.
func rawHPUB(t *testing.T, m *memkv.Manager, subj, hdr string, body []byte) {
	c, err := m.InProcessConn()
	require.NoError(t, err)
	defer c.Close()
	go func() {
		_, _ = fmt.Fprintf(c, "CONNECT {\"verbose\":false,\"pedantic\":false,\"headers\":true,\"protocol\":1}\r\nSUB _INBOX.> 1\r\nHPUB %s _INBOX.r %d %d\r\n%s%s\r\nPING\r\n",
			subj, len(hdr), len(hdr)+len(body), hdr, body)
	}()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	r := bufio.NewReader(c)
	for {
		l, err := r.ReadString('\n')
		if errors.Is(err, io.EOF) {
			return
		}
		require.NoError(t, err, "no PONG")
		if l == "PONG\r\n" {
			return
		}
	}
}
