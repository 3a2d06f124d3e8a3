package memkv_test

import (
	"context"
	"fmt"
	"maps"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/memkv"
)

// TestWireStress runs many connections, each writing its own keys and
// watching all of them, while the server drops every connection now and
// then. Every watcher must end with every key's last value, and Close must
// leave no goroutine of the server behind (the clients' goroutines are
// nats.go's, and other tests in the package may leave some). Run it with
// -race. It takes under a second, and about 20 s in the rare run where a
// drop loses a watcher's request to recreate its consumer (see below).
func TestWireStress(t *testing.T) {
	const conns, keys, drops = 6, 5, 3
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	m := memkv.New()
	type client struct {
		nc *nats.Conn
		kv jetstream.KeyValue
		w  jetstream.KeyWatcher
	}
	clients := make([]client, conns)
	for i := range clients {
		nc, err := nats.Connect("", nats.InProcessServer(m), nats.ReconnectWait(time.Millisecond), nats.MaxReconnects(-1),
			nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}))
		require.NoError(t, err)
		js, err := jetstream.New(nc)
		require.NoError(t, err)
		kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "stress", History: 3})
		require.NoError(t, err)
		w, err := kv.WatchAll(ctx)
		require.NoError(t, err)
		clients[i] = client{nc, kv, w}
	}

	// Writers write round after round until the server has dropped every
	// connection drops times. The drops are far enough apart for the
	// requests a reconnect brings (a watcher recreating its consumer after
	// a gap) to be answered: one lost in a drop leaves the watcher to the
	// client's next activity check, 2 × 5 s later, as with nats-server.
	stop := make(chan struct{})
	var dropper sync.WaitGroup
	dropper.Go(func() {
		defer close(stop)
		for range drops {
			time.Sleep(50 * time.Millisecond)
			m.DropConnections()
		}
	})
	rounds := make([]int, conns)
	var writers sync.WaitGroup
	for i, c := range clients {
		writers.Go(func() {
			for r := 0; ; r++ {
				select {
				case <-stop:
					return
				default:
				}
				rounds[i] = r
				for k := range keys {
					key := fmt.Sprintf("c%d.k%d", i, k)
					// A put lost with its connection is retried, as an
					// application would.
					for {
						pctx, cancel := context.WithTimeout(ctx, 250*time.Millisecond)
						_, err := c.kv.PutString(pctx, key, fmt.Sprint(r))
						cancel()
						if err == nil {
							break
						}
						if ctx.Err() != nil {
							t.Errorf("put %s: %v", key, err)
							return
						}
					}
				}
			}
		})
	}
	writers.Wait()
	dropper.Wait()
	// Messages in flight when a connection drops are lost, as with the
	// server; a watcher notices the gap at its next message (or heartbeat,
	// 5 s later) and recreates its consumer. One more put shows it at once.
	for {
		pctx, cancel := context.WithTimeout(ctx, 250*time.Millisecond)
		_, err := clients[0].kv.PutString(pctx, "done", "")
		cancel()
		if err == nil {
			break
		}
		require.NoError(t, ctx.Err())
	}

	want := map[string]string{}
	for i, r := range rounds {
		for k := range keys {
			want[fmt.Sprintf("c%d.k%d", i, k)] = fmt.Sprint(r)
		}
	}
	for i, c := range clients {
		seen := map[string]string{}
		for !maps.Equal(seen, want) {
			select {
			case e := <-c.w.Updates():
				if e != nil && e.Key() != "done" {
					seen[e.Key()] = string(e.Value())
				}
			case <-ctx.Done():
				t.Fatalf("watcher %d: saw %v, want %v", i, seen, want)
			}
		}
	}
	for _, c := range clients {
		require.NoError(t, c.w.Stop())
		c.nc.Close()
	}
	m.Close()
	var stacks string
	if !assert.Eventually(t, func() bool {
		buf := make([]byte, 1<<20)
		stacks = string(buf[:runtime.Stack(buf, true)])
		return !strings.Contains(stacks, "jetsim/jetsim/wire.")
	}, 5*time.Second, 10*time.Millisecond) {
		t.Logf("goroutines left:\n%s", stacks)
	}
}
