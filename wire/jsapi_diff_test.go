package wire_test

import (
	"encoding/json"
	"errors"
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

// The JetStream API is tested differentially: the same raw requests go to
// an embedded nats-server and to jetsim (memkv over the wire), and the
// replies must be equal once the values that differ between any two runs
// of the server are masked. The server is the oracle.

// apiStep is one request.
type apiStep struct {
	name    string
	subject string
	header  nats.Header
	body    string
}

// masked are the JSON fields whose values differ between runs of the
// server itself: times, the server's id, and names it generates.
var masked = map[string]bool{"created": true, "ts": true, "first_ts": true, "last_ts": true, "time": true, "leader": true, "last_active": true}

// normalize is the comparable form of a reply: its status and headers
// (Nats-Time-Stamp masked), and its JSON body with masked fields replaced.
func normalize(m *nats.Msg, err error) string {
	if errors.Is(err, nats.ErrNoResponders) {
		return "no responders"
	}
	if err != nil {
		return "error: " + err.Error()
	}
	var b strings.Builder
	for _, k := range []string{"Status", "Description", "Nats-Stream", "Nats-Subject", "Nats-Sequence", "KV-Operation", "Nats-TTL"} {
		if v := m.Header.Get(k); v != "" {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	if m.Header.Get("Nats-Time-Stamp") != "" {
		b.WriteString("Nats-Time-Stamp: <time>\n")
	}
	var v any
	if json.Unmarshal(m.Data, &v) != nil {
		fmt.Fprintf(&b, "data %q", m.Data)
		return b.String()
	}
	mask(v)
	out, _ := json.MarshalIndent(v, "", " ")
	b.Write(out)
	return b.String()
}

func mask(v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && masked[k] && s != "0001-01-01T00:00:00Z" {
				x[k] = "<masked>"
				continue
			}
			mask(e)
		}
	case []any:
		for _, e := range x {
			mask(e)
		}
	}
}

func runSteps(t *testing.T, nc *nats.Conn, steps []apiStep) []string {
	t.Helper()
	out := make([]string, len(steps))
	for i, s := range steps {
		msg := nats.NewMsg(s.subject)
		msg.Header = s.header
		msg.Data = []byte(s.body)
		reply, err := nc.RequestMsg(msg, 500*time.Millisecond)
		out[i] = normalize(reply, err)
	}
	return out
}

func diffSteps(t *testing.T, steps []apiStep) {
	t.Helper()
	server := runSteps(t, conformance.StartServer(t), steps)
	m := memkv.New()
	t.Cleanup(m.Close)
	nc, err := nats.Connect("", nats.InProcessServer(m))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	jetsim := runSteps(t, nc, steps)
	for i, s := range steps {
		assert.Equal(t, server[i], jetsim[i], "step %d %s: jetsim (actual) differs from the server (expected)", i, s.name)
	}
}

const orders = `{"name":"ORDERS","subjects":["orders.>"],"storage":"memory"}`

func TestStreamAPIDiff(t *testing.T) {
	diffSteps(t, streamSteps)
}

var streamSteps = []apiStep{
	{name: "account info", subject: "$JS.API.INFO"},
	{name: "create bad json", subject: "$JS.API.STREAM.CREATE.ORDERS", body: `{"name":`},
	{name: "create empty", subject: "$JS.API.STREAM.CREATE.ORDERS"},
	{name: "create name mismatch", subject: "$JS.API.STREAM.CREATE.OTHER", body: orders},
	{name: "create bad name", subject: "$JS.API.STREAM.CREATE.A*B", body: `{"name":"A*B"}`},
	{name: "create negative max age", subject: "$JS.API.STREAM.CREATE.NEG", body: `{"name":"NEG","max_age":-1}`},
	{name: "create", subject: "$JS.API.STREAM.CREATE.ORDERS", body: orders},
	{name: "create again", subject: "$JS.API.STREAM.CREATE.ORDERS", body: orders},
	{name: "create differing", subject: "$JS.API.STREAM.CREATE.ORDERS", body: `{"name":"ORDERS","subjects":["orders.>"],"storage":"memory","max_msgs":5}`},
	{name: "create overlapping", subject: "$JS.API.STREAM.CREATE.O2", body: `{"name":"O2","subjects":["orders.eu.*"],"storage":"memory"}`},
	{name: "create default subjects", subject: "$JS.API.STREAM.CREATE.PLAIN", body: `{"name":"PLAIN","storage":"memory","max_age":60000000000}`},
	{name: "info missing", subject: "$JS.API.STREAM.INFO.NOPE"},
	{name: "publish", subject: "orders.1", body: "one"},
	{name: "publish 2", subject: "orders.2", body: "two"},
	{name: "publish wrong last seq", subject: "orders.1", header: nats.Header{"Nats-Expected-Last-Sequence": {"1"}}, body: "x"},
	{name: "publish wrong last subject seq", subject: "orders.1", header: nats.Header{"Nats-Expected-Last-Subject-Sequence": {"7"}}, body: "x"},
	{name: "publish wrong stream", subject: "orders.1", header: nats.Header{"Nats-Expected-Stream": {"OTHER"}}, body: "x"},
	{name: "publish ttl disabled", subject: "orders.1", header: nats.Header{"Nats-TTL": {"1s"}}, body: "x"},
	{name: "publish msg id", subject: "orders.3", header: nats.Header{"Nats-Msg-Id": {"m1"}}, body: "three"},
	{name: "publish msg id again", subject: "orders.3", header: nats.Header{"Nats-Msg-Id": {"m1"}}, body: "three"},
	{name: "publish with header", subject: "orders.1", header: nats.Header{"K": {"v"}}, body: "uno"},
	{name: "info", subject: "$JS.API.STREAM.INFO.ORDERS"},
	{name: "info subjects", subject: "$JS.API.STREAM.INFO.ORDERS", body: `{"subjects_filter":">"}`},
	{name: "info bad json", subject: "$JS.API.STREAM.INFO.ORDERS", body: `[`},
	{name: "names", subject: "$JS.API.STREAM.NAMES"},
	{name: "names filtered", subject: "$JS.API.STREAM.NAMES", body: `{"subject":"orders.*"}`},
	{name: "names no match", subject: "$JS.API.STREAM.NAMES", body: `{"subject":"nothing"}`},
	{name: "list", subject: "$JS.API.STREAM.LIST", body: `{"offset":0}`},
	{name: "direct get not allowed", subject: "$JS.API.DIRECT.GET.ORDERS", body: `{"seq":1}`},
	{name: "msg get seq", subject: "$JS.API.STREAM.MSG.GET.ORDERS", body: `{"seq":1}`},
	{name: "msg get header", subject: "$JS.API.STREAM.MSG.GET.ORDERS", body: `{"last_by_subj":"orders.1"}`},
	{name: "msg get missing", subject: "$JS.API.STREAM.MSG.GET.ORDERS", body: `{"seq":99}`},
	{name: "msg get next", subject: "$JS.API.STREAM.MSG.GET.ORDERS", body: `{"seq":2,"next_by_subj":"orders.*"}`},
	{name: "msg get bad", subject: "$JS.API.STREAM.MSG.GET.ORDERS", body: `{"seq":1,"last_by_subj":"orders.1"}`},
	{name: "msg get bad json", subject: "$JS.API.STREAM.MSG.GET.ORDERS", body: `x`},
	{name: "purge keep", subject: "$JS.API.STREAM.PURGE.ORDERS", body: `{"filter":"orders.1","keep":1}`},
	{name: "purge all", subject: "$JS.API.STREAM.PURGE.ORDERS"},
	{name: "info purged", subject: "$JS.API.STREAM.INFO.ORDERS"},
	{name: "update", subject: "$JS.API.STREAM.UPDATE.ORDERS", body: `{"name":"ORDERS","subjects":["orders.>"],"storage":"memory","allow_direct":true,"max_msgs_per_subject":3}`},
	{name: "update missing", subject: "$JS.API.STREAM.UPDATE.NOPE", body: `{"name":"NOPE"}`},
	{name: "publish after purge", subject: "orders.9", body: "nine"},
	{name: "direct get seq", subject: "$JS.API.DIRECT.GET.ORDERS", body: `{"seq":7}`},
	{name: "direct get last", subject: "$JS.API.DIRECT.GET.ORDERS.orders.9"},
	{name: "direct get last body", subject: "$JS.API.DIRECT.GET.ORDERS", body: `{"last_by_subj":"orders.9"}`},
	{name: "direct get missing", subject: "$JS.API.DIRECT.GET.ORDERS.orders.nope"},
	{name: "direct get empty", subject: "$JS.API.DIRECT.GET.ORDERS"},
	{name: "direct get malformed", subject: "$JS.API.DIRECT.GET.ORDERS", body: `{`},
	{name: "consumer info missing", subject: "$JS.API.CONSUMER.INFO.ORDERS.nope"},
	{name: "consumer delete missing", subject: "$JS.API.CONSUMER.DELETE.ORDERS.nope"},
	{name: "consumer info no stream", subject: "$JS.API.CONSUMER.INFO.NOPE.x"},
	{name: "consumer create bad json", subject: "$JS.API.CONSUMER.CREATE.ORDERS", body: `{`},
	{name: "consumer create stream mismatch", subject: "$JS.API.CONSUMER.CREATE.ORDERS", body: `{"stream_name":"X","config":{"deliver_subject":"d","ack_policy":"none"}}`},
	{name: "consumer create fc without hb", subject: "$JS.API.CONSUMER.CREATE.ORDERS.c1", body: `{"stream_name":"ORDERS","config":{"deliver_subject":"d","ack_policy":"none","flow_control":true}}`},
	{name: "consumer create filter mismatch", subject: "$JS.API.CONSUMER.CREATE.ORDERS.c1.orders.1", body: `{"stream_name":"ORDERS","config":{"deliver_subject":"d","ack_policy":"none","filter_subject":"orders.2"}}`},
	{name: "consumer create filter outside", subject: "$JS.API.CONSUMER.CREATE.ORDERS.c1", body: `{"stream_name":"ORDERS","config":{"deliver_subject":"d","ack_policy":"none","filter_subject":"other"}}`},
	{name: "unknown api", subject: "$JS.API.NOPE"},
	{name: "delete", subject: "$JS.API.STREAM.DELETE.ORDERS"},
	{name: "delete again", subject: "$JS.API.STREAM.DELETE.ORDERS"},
	{name: "publish without stream", subject: "orders.1", body: "x"},
	{name: "account info after", subject: "$JS.API.INFO"},
}
