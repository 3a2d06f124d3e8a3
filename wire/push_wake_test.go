package wire

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/stream"
)

// oneStream is a Backend holding one stream made by the test.
type oneStream struct{ e StreamEntry }

func (b oneStream) Clock() stream.Clock { return stream.SystemClock{} }
func (b oneStream) Stream(name string) (StreamEntry, bool) {
	return b.e, name == b.e.Config.Name
}
func (b oneStream) StreamFor(subj string) (StreamEntry, bool) {
	return b.e, strings.HasPrefix(subj, "s.")
}
func (b oneStream) CreateStream(jetstream.StreamConfig) (StreamEntry, error) {
	return StreamEntry{}, errors.New("oneStream: no create")
}
func (b oneStream) UpdateStream(jetstream.StreamConfig) (StreamEntry, error) {
	return StreamEntry{}, errors.New("oneStream: no update")
}
func (b oneStream) DeleteStream(string) error            { return errors.New("oneStream: no delete") }
func (b oneStream) Streams() []StreamEntry               { return []StreamEntry{b.e} }
func (b oneStream) Fault(Request) (time.Duration, error) { return 0, nil }

// TestKickWhileLockHeld stores a message while the push consumer's lock is
// held by someone who does not deliver (its own goroutine reading its
// stream.Consumer, an info request), as a loaded machine interleaves them.
// The writer's kick finds the lock taken and leaves a note; the holder
// must take it up. Before, the message waited for the next heartbeat tick
// (5 s for a KV watcher: the flaky "no entry in 5 s" wire tests); here
// the heartbeat is 30 s, so only the note delivers it.
func TestKickWhileLockHeld(t *testing.T) {
	cfg, err := stream.Config{Name: "S", Subjects: []string{"s.>"}}.Validate()
	require.NoError(t, err)
	st, err := stream.New(cfg, stream.SystemClock{})
	require.NoError(t, err)
	s := New(oneStream{StreamEntry{Config: jetstream.StreamConfig{Name: "S", Subjects: []string{"s.>"}}, Stream: st}})
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	nc := connect(t, s)
	sub, err := nc.SubscribeSync("dlv")
	require.NoError(t, err)
	r, err := nc.Request("$JS.API.CONSUMER.CREATE.S.c1", []byte(`{"stream_name":"S","config":{"name":"c1","deliver_policy":"new","ack_policy":"none","flow_control":true,"idle_heartbeat":30000000000,"deliver_subject":"dlv"}}`), time.Second)
	require.NoError(t, err)
	require.NotContains(t, string(r.Data), `"error"`)
	next := func(want string) {
		t.Helper()
		m, err := sub.NextMsg(time.Second)
		require.NoError(t, err, "waiting for %s", want)
		require.Equal(t, want, m.Subject)
	}
	// A first message shows the consumer delivering and leaves it armed:
	// the next store kicks it from the writer's goroutine.
	_, err = st.Store("s.a", nil, []byte("1"))
	require.NoError(t, err)
	next("s.a")
	s.js.mu.Lock()
	c := s.js.consumers[consumerKey{"S", "c1"}]
	s.js.mu.Unlock()
	require.NotNil(t, c)

	c.mu.Lock() // a holder that does not deliver
	_, err = st.Store("s.b", nil, []byte("2"))
	require.NoError(t, err)
	c.unlock()
	next("s.b")

	// The same through an info request, which takes the lock for its
	// figures: a kick it meets is delivered once it lets go.
	c.mu.Lock()
	_, err = st.Store("s.c", nil, []byte("3"))
	require.NoError(t, err)
	c.mu.Unlock() // as a holder without the fix: the note stays
	_, err = nc.Request("$JS.API.CONSUMER.INFO.S.c1", nil, time.Second)
	require.NoError(t, err)
	next("s.c")
}
