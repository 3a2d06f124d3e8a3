package memkv_test

import (
	"bytes"
	"context"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/memkv"
)

// countingConn counts, in what the server sends, the ack replies of
// pushed messages ("$JS.ACK.") and the flow-control requests: WIRE.md §6.
type countingConn struct {
	net.Conn
	mu      sync.Mutex
	acks    int
	fcs     int
	partial []byte // the last bytes read, which may hold a marker's start
}

var (
	ackMark = []byte("$JS.ACK.")
	fcMark  = []byte("100 FlowControl Request")
)

func (c *countingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.mu.Lock()
	buf := append(c.partial, b[:n]...)
	// A marker wholly in partial was counted with the previous read.
	c.acks += bytes.Count(buf, ackMark) - bytes.Count(c.partial, ackMark)
	c.fcs += bytes.Count(buf, fcMark) - bytes.Count(c.partial, fcMark)
	keep := min(len(buf), len(fcMark)-1)
	c.partial = append(c.partial[:0], buf[len(buf)-keep:]...)
	c.mu.Unlock()
	return n, err
}

func (c *countingConn) counts() (acks, fcs int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.acks, c.fcs
}

type tappedServer struct {
	s    *server.Server
	conn *countingConn
}

func (p *tappedServer) InProcessConn() (net.Conn, error) {
	c, err := p.s.InProcessConn()
	p.conn = &countingConn{Conn: c}
	return p.conn, err
}

// tappedManager starts an embedded nats-server and returns the client
// over an in-process connection that counts what the server pushes.
func tappedManager(t *testing.T) (jetstream.KeyValueManager, *tappedServer) {
	s, err := server.NewServer(&server.Options{JetStream: true, StoreDir: t.TempDir(), DontListen: true, NoLog: true, NoSigs: true})
	require.NoError(t, err)
	go s.Start()
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	require.True(t, s.ReadyForConnections(10*time.Second))
	tap := &tappedServer{s: s}
	nc, err := nats.Connect("", nats.InProcessServer(tap))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	return js, tap
}

type seen struct {
	key   string
	rev   uint64
	op    jetstream.KeyValueOp
	delta uint64
}

// stalledRun is the scenario of issue #12 item 9 on kvm: 1000 keys of 100
// bytes, a watcher of them all that is not read while puts go far past
// its flow-control window, then read to the end. It returns what the
// watcher delivered (the nil marker as the zero seen) and the revisions
// the stream still holds. started, when set, runs once the watcher
// exists, and stalled once the puts are done.
func stalledRun(t *testing.T, kvm jetstream.KeyValueManager, history uint8, puts int, started, stalled func()) ([]seen, []uint64) {
	ctx := context.Background()
	kv, err := kvm.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "stall", History: history, Storage: jetstream.MemoryStorage})
	require.NoError(t, err)
	require.NoError(t, fill(ctx, kvm, kv, keys1000, 1))
	w, err := kv.WatchAll(ctx)
	require.NoError(t, err)
	defer w.Stop()
	if started != nil {
		started()
	}
	// Asynchronous publishes on the server: the watcher must be read
	// again before its idle heartbeat (5 s) reopens the window.
	require.NoError(t, fill(ctx, kvm, kv, keys1000, puts/1000))
	if stalled != nil {
		stalled()
	}
	last := uint64(1000 + puts)
	var got []seen
	for len(got) == 0 || got[len(got)-1].rev != last {
		select {
		case e := <-w.Updates():
			if e == nil {
				got = append(got, seen{})
				continue
			}
			got = append(got, seen{e.Key(), e.Revision(), e.Operation(), e.Delta()})
		case <-time.After(5 * time.Second):
			t.Fatalf("no delivery for 5 s after %d, the last %+v", len(got), got[len(got)-1])
		}
	}
	select {
	case e := <-w.Updates():
		t.Fatalf("delivered after the last revision: %v", e)
	case <-time.After(20 * time.Millisecond):
	}
	var held []uint64
	lister, err := kv.WatchAll(ctx, jetstream.IncludeHistory())
	require.NoError(t, err)
	defer lister.Stop()
	for e := range lister.Updates() {
		if e == nil {
			break
		}
		held = append(held, e.Revision())
	}
	return got, held
}

// stalledShape checks what the server guarantees of a resumed watcher
// and returns the number of messages pushed before its window filled:
// revisions increase; the marker follows the 1000 initial values; then
// consecutive revisions up to where the window filled; then every
// revision the stream still holds beyond it, in order, with deltas
// counting down to 0.
func stalledShape(t *testing.T, got []seen, held []uint64) int {
	t.Helper()
	marker := -1
	var prev uint64
	for i, s := range got {
		if s.rev == 0 {
			require.Equal(t, -1, marker, "one marker")
			marker = i
			continue
		}
		require.Greater(t, s.rev, prev, "at %d: revisions increase", i)
		prev = s.rev
		require.Equal(t, "k"+strconv.FormatUint((s.rev-1)%1000, 10), s.key, "rev %d", s.rev)
		require.Equal(t, jetstream.KeyValuePut, s.op)
	}
	require.Equal(t, 1000, marker, "the marker follows the initial values")
	// Past the initial values, revisions are consecutive up to a gap.
	i := marker + 1
	for i+1 < len(got) && got[i+1].rev == got[i].rev+1 {
		i++
	}
	pushed := i // deliveries before the gap, the marker excluded
	wall := got[i].rev
	var tail []uint64
	for _, rev := range held {
		if rev > wall {
			tail = append(tail, rev)
		}
	}
	require.Len(t, got[i+1:], len(tail), "after the gap: what the stream holds")
	for j, rev := range tail {
		s := got[i+1+j]
		require.Equal(t, rev, s.rev)
		require.Equal(t, uint64(len(tail)-1-j), s.delta, "rev %d: pending counted from the stream", rev)
	}
	return pushed
}

// TestStalledWatcherResumes is the differential test of issue #12 item 9:
// on memkv and on nats-server, a watcher stalled far past its window
// delivers what it had before the window filled, then what the stream
// still holds. The tap counts what the server pushed before it stopped:
// memkv's window holds as many messages, within what the server's racing
// pending counts change (their digits count against the window).
func TestStalledWatcherResumes(t *testing.T) {
	const puts = 20_000
	for _, history := range []uint8{1, 5} {
		t.Run("history="+strconv.Itoa(int(history)), func(t *testing.T) {
			kvm, tap := tappedManager(t)
			var acks, fcs int
			// Let the server push the initial values before the puts: a
			// put that overtakes one changes the initial deliveries.
			initial := func() {
				require.Eventually(t, func() bool { n, _ := tap.conn.counts(); return n >= 1000 }, 5*time.Second, time.Millisecond)
			}
			atStall := func() {
				// The server stops at its window and answers no more
				// until the client acknowledges.
				time.Sleep(50 * time.Millisecond)
				acks, fcs = tap.conn.counts()
			}
			sgot, sheld := stalledRun(t, kvm, history, puts, initial, atStall)
			spushed := stalledShape(t, sgot, sheld)
			assert.Equal(t, acks, spushed, "the tap counts the messages delivered before the gap")

			mgot, mheld := stalledRun(t, memkv.New(), history, puts, nil, nil)
			mpushed := stalledShape(t, mgot, mheld)
			t.Logf("pushed before the window filled: server %d (%d flow-control requests), memkv %d", spushed, fcs, mpushed)

			assert.Equal(t, sheld, mheld, "the stream holds the same")
			if fcs != 1 {
				// A stall of more than 5 s: the server's idle heartbeat
				// carried the request, the client answered it and the
				// window opened again (not modelled, see stream/flow.go).
				t.Logf("the server's window reopened (%d flow-control requests): only the shape compares", fcs)
				return
			}
			assert.InEpsilon(t, spushed, mpushed, 0.02, "messages pushed before the window filled")
			assert.Equal(t, sgot[:1001], mgot[:1001], "the initial values and the marker")
			assert.Equal(t, sgot[len(sgot)-len(sheld):], mgot[len(mgot)-len(mheld):], "what the stream still holds, after the gap")
		})
	}
}
