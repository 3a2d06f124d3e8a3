package wire_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/memkv"
)

// What jetsim does not serve is answered with an API error that names it,
// never left to time out.
func TestNotServed(t *testing.T) {
	m := memkv.New()
	t.Cleanup(m.Close)
	nc, err := nats.Connect("", nats.InProcessServer(m))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	_, err = nc.Request("$JS.API.STREAM.CREATE.S", []byte(`{"name":"S","subjects":["s.>"],"storage":"memory"}`), time.Second)
	require.NoError(t, err)
	for _, tc := range []struct{ name, subject, body, want string }{
		{"pull consumer", "$JS.API.CONSUMER.CREATE.S.p", `{"stream_name":"S","config":{"ack_policy":"explicit"}}`, "pull consumers"},
		{"acks", "$JS.API.CONSUMER.CREATE.S.p", `{"stream_name":"S","config":{"deliver_subject":"d","ack_policy":"explicit"}}`, "acknowledged consumers"},
		{"durable", "$JS.API.CONSUMER.DURABLE.CREATE.S.d", `{"stream_name":"S","config":{"durable_name":"d","deliver_subject":"d"}}`, "durable consumers"},
		{"mirror", "$JS.API.STREAM.CREATE.M", `{"name":"M","mirror":{"name":"S"}}`, "mirrors"},
		{"retention", "$JS.API.STREAM.CREATE.W", `{"name":"W","subjects":["w"],"retention":"workqueue"}`, "retention"},
		{"message delete", "$JS.API.STREAM.MSG.DELETE.S", `{"seq":1}`, "STREAM.MSG.DELETE"},
		{"snapshot", "$JS.API.STREAM.SNAPSHOT.S", `{}`, "STREAM.SNAPSHOT"},
		{"pull request", "$JS.API.CONSUMER.MSG.NEXT.S.p", `{"batch":1}`, "CONSUMER.MSG.NEXT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := nc.Request(tc.subject, []byte(tc.body), time.Second)
			require.NoError(t, err, "answered, not timed out")
			var resp struct {
				Error struct {
					Code        int    `json:"code"`
					Description string `json:"description"`
				} `json:"error"`
			}
			require.NoError(t, json.Unmarshal(r.Data, &resp))
			require.Equal(t, 501, resp.Error.Code)
			require.Contains(t, resp.Error.Description, tc.want)
			require.Contains(t, resp.Error.Description, "not implemented")
		})
	}
}
