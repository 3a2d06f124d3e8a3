package wire

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"
)

// clientCases are nats.go programs run against nats-server and against
// wire; each returns what it observed, which must be equal on both.
var clientCases = []struct {
	name string
	run  func(t *testing.T, p provider) any
}{
	{"pub sub wildcards", func(t *testing.T, p provider) any {
		nc := connect(t, p)
		filters := []string{"a.b.c", "a.*.c", "a.>", "*.b.*", ">", "a.b", "x.*"}
		subs := make([]*nats.Subscription, len(filters))
		for i, f := range filters {
			subs[i] = must(nc.SubscribeSync(f))
		}
		for _, s := range []string{"a.b.c", "a.b", "a.x.c", "x.y", "x", "a.b.c.d"} {
			require.NoError(t, nc.Publish(s, []byte(s)))
		}
		require.NoError(t, nc.Flush())
		got := map[string][]string{}
		for i, s := range subs {
			got[filters[i]] = drain(t, s)
		}
		return got
	}},
	{"queue groups", func(t *testing.T, p provider) any {
		nc, pub := connect(t, p), connect(t, p)
		var mu sync.Mutex
		seen := map[string]int{}
		perGroup := map[string]int{}
		for _, q := range []string{"q1", "q1", "q1", "q2", "q2"} {
			_, err := nc.QueueSubscribe("work.*", q, func(m *nats.Msg) {
				mu.Lock()
				seen[q+" "+string(m.Data)]++
				perGroup[q]++
				mu.Unlock()
			})
			require.NoError(t, err)
		}
		plain := must(nc.SubscribeSync("work.>"))
		require.NoError(t, nc.Flush())
		for i := range 50 {
			require.NoError(t, pub.Publish(fmt.Sprintf("work.%d", i), []byte(fmt.Sprint(i))))
		}
		require.NoError(t, pub.Flush())
		n := len(drain(t, plain))
		require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return perGroup["q1"]+perGroup["q2"] == 100 }, 5*time.Second, time.Millisecond)
		mu.Lock()
		defer mu.Unlock()
		for k, v := range seen {
			require.Equal(t, 1, v, k)
		}
		return []int{n, len(seen), perGroup["q1"], perGroup["q2"]}
	}},
	{"request reply", func(t *testing.T, p provider) any {
		nc, svc := connect(t, p), connect(t, p)
		_, err := svc.Subscribe("svc.>", func(m *nats.Msg) { _ = m.Respond([]byte(m.Subject + ":" + string(m.Data))) })
		require.NoError(t, err)
		require.NoError(t, svc.Flush())
		var out []string
		for i := range 5 {
			r, err := nc.Request(fmt.Sprintf("svc.%d", i), []byte("x"), 5*time.Second)
			require.NoError(t, err)
			out = append(out, string(r.Data), strings.Split(r.Subject, ".")[0])
		}
		// The old style: a fresh inbox per request.
		old := connect(t, p, nats.UseOldRequestStyle())
		r, err := old.Request("svc.old", []byte("y"), 5*time.Second)
		require.NoError(t, err)
		return append(out, string(r.Data))
	}},
	{"headers", func(t *testing.T, p provider) any {
		nc := connect(t, p)
		s := must(nc.SubscribeSync("h"))
		m := nats.NewMsg("h")
		m.Header.Set("A", "1")
		m.Header.Add("B", "2")
		m.Header.Add("B", "3")
		m.Data = []byte("body")
		require.NoError(t, nc.PublishMsg(m))
		r, err := s.NextMsg(5 * time.Second)
		require.NoError(t, err)
		return []any{r.Header, string(r.Data), nc.HeadersSupported()}
	}},
	{"no responders", func(t *testing.T, p provider) any {
		nc := connect(t, p)
		_, err := nc.Request("nobody", []byte("x"), 5*time.Second)
		_, err2 := connect(t, p, nats.UseOldRequestStyle()).Request("nobody", []byte("x"), 5*time.Second)
		m, err3 := nc.RequestMsg(&nats.Msg{Subject: "nobody.h", Header: nats.Header{"A": {"b"}}}, 5*time.Second)
		return []any{errors.Is(err, nats.ErrNoResponders), errors.Is(err2, nats.ErrNoResponders), errors.Is(err3, nats.ErrNoResponders), m == nil}
	}},
	{"max payload", func(t *testing.T, p provider) any {
		nc := connect(t, p)
		err := nc.Publish("big", make([]byte, nc.MaxPayload()+1))
		s := must(nc.SubscribeSync("big"))
		require.NoError(t, nc.Publish("big", make([]byte, nc.MaxPayload())))
		m, err2 := s.NextMsg(5 * time.Second)
		require.NoError(t, err2)
		return []any{nc.MaxPayload(), errors.Is(err, nats.ErrMaxPayload), len(m.Data)}
	}},
	{"auto unsubscribe", func(t *testing.T, p provider) any {
		nc := connect(t, p)
		s := must(nc.SubscribeSync("u"))
		require.NoError(t, s.AutoUnsubscribe(3))
		for i := range 6 {
			require.NoError(t, nc.Publish("u", []byte(fmt.Sprint(i))))
		}
		require.NoError(t, nc.Flush())
		got := drain(t, s)
		// A second subscription, ended with UNSUB at once.
		s2 := must(nc.SubscribeSync("u"))
		require.NoError(t, s2.Unsubscribe())
		require.NoError(t, nc.Publish("u", nil))
		require.NoError(t, nc.Flush())
		return got
	}},
	{"no echo", func(t *testing.T, p provider) any {
		nc := connect(t, p, nats.NoEcho())
		other := connect(t, p)
		s := must(nc.SubscribeSync("e"))
		require.NoError(t, nc.Flush())
		require.NoError(t, nc.Publish("e", []byte("self")))
		require.NoError(t, other.Publish("e", []byte("other")))
		require.NoError(t, other.Flush())
		require.NoError(t, nc.Flush())
		return drain(t, s)
	}},
	{"verbose and pedantic", func(t *testing.T, p provider) any {
		verbose := func(o *nats.Options) error { o.Verbose, o.Pedantic = true, true; return nil }
		nc := connect(t, p, verbose)
		s := must(nc.SubscribeSync("v.*"))
		require.NoError(t, nc.Publish("v.1", []byte("a")))
		// The subscription must be in place before another connection
		// publishes to it.
		require.NoError(t, nc.Flush())
		// The server answers a wildcard publish with -ERR 'Invalid Publish
		// Subject' and still routes it; nats.go closes on that error.
		wild := connect(t, p, verbose, nats.NoReconnect())
		require.NoError(t, wild.Publish("v.*", []byte("b")))
		flushErr := wild.Flush()
		_, err := nc.Request("w.nobody", nil, 5*time.Second)
		// Wait for both messages rather than for 50 ms of quiet: nats-server
		// routes "b" on the publisher's read loop after it has queued the
		// -ERR, so the request's 503 may overtake it.
		return []any{drainAtLeast(t, s, 2), fmt.Sprint(flushErr), fmt.Sprint(wild.LastError()), wild.IsClosed(), errors.Is(err, nats.ErrNoResponders)}
	}},
	{"server info", func(t *testing.T, p provider) any {
		nc := connect(t, p)
		return []any{nc.ConnectedServerVersion(), nc.HeadersSupported(), nc.MaxPayload(), len(nc.ConnectedServerId()), nc.ConnectedServerId()[0], nc.ConnectedServerId() == nc.ConnectedServerName()}
	}},
	{"many messages in order", func(t *testing.T, p provider) any {
		nc, pub := connect(t, p), connect(t, p)
		s := must(nc.SubscribeSync("seq"))
		require.NoError(t, nc.Flush())
		for i := range 2000 {
			require.NoError(t, pub.Publish("seq", []byte(fmt.Sprint(i, strings.Repeat("x", i%300)))))
		}
		require.NoError(t, pub.Flush())
		got := drain(t, s)
		for i, d := range got {
			require.True(t, strings.HasPrefix(d, fmt.Sprint(i)), "message %d is %q", i, d)
		}
		return len(got)
	}},
}

// TestClientDifferential runs each nats.go program against nats-server
// and wire and requires the same observations.
func TestClientDifferential(t *testing.T) {
	for _, tc := range clientCases {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.run(t, realServer(t))
			require.Equal(t, want, tc.run(t, wireServer(t)))
		})
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// drain returns the data of every message s has pending, in order, after
// a round trip so that everything published before was delivered.
// drainAtLeast waits up to 5 s for each of the first n messages, then
// drains the rest as drain does.
func drainAtLeast(t *testing.T, s *nats.Subscription, n int) []string {
	t.Helper()
	var out []string
	for len(out) < n {
		m, err := s.NextMsg(5 * time.Second)
		if err != nil {
			return out
		}
		out = append(out, string(m.Data))
	}
	return append(out, drain(t, s)...)
}

func drain(t *testing.T, s *nats.Subscription) []string {
	t.Helper()
	var out []string
	for {
		m, err := s.NextMsg(50 * time.Millisecond)
		if errors.Is(err, nats.ErrTimeout) || errors.Is(err, nats.ErrMaxMessages) {
			return out
		}
		require.NoError(t, err)
		out = append(out, string(m.Data))
	}
}
