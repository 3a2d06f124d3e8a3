package stream_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/jetsim/jetsim/stream"
)

// data90 is a value that, with no overhead and one-digit numbers in the
// ack reply, counts 93 bytes against a window.
var data90 = strings.Repeat("v", 90)

// windowed returns a consumer whose window starts at 1000 bytes (a
// sixteenth of its limit) and counts no overhead.
func windowed(t *testing.T, s *stream.Stream, policy stream.DeliverPolicy) *stream.Consumer {
	t.Helper()
	c, err := s.NewConsumer(stream.ConsumerConfig{FilterSubjects: w(">"), DeliverPolicy: policy, MaxPendingBytes: 16_000})
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

// TestConsumerWindow follows server/consumer.go's flow control with a
// reader that takes nothing: messages 1-9 count 93 bytes each and 10-11
// count 95 (two-digit sequences), so the request follows message 6
// (558 > 500) and the window (1000) is full after 11. Past it the consumer
// takes no more; once the reader has taken message 6 the window doubles,
// frees 558 bytes and the consumer resumes from the stream, which holds
// only the newest message of the key (history 1), pending counted from
// the stream.
func TestConsumerWindow(t *testing.T) {
	s := newStream(t, kvConfig("W", 1), newFakeClock())
	c := windowed(t, s, stream.DeliverNew)
	for range 100 {
		mustStore(t, s, "$KV.W.k", nil, data90)
	}
	assert.Equal(t, 1, s.NumConsumers(), "a stalled consumer is still open")
	var want []delivery
	for seq := range uint64(11) {
		want = append(want, delivery{seq + 1, 0})
	}
	want = append(want, delivery{100, 0})
	assert.Equal(t, want, drain(t, c))
	// Caught up: live again.
	mustStore(t, s, "$KV.W.k", nil, data90)
	assert.Equal(t, []delivery{{101, 0}}, drain(t, c))
}

// TestConsumerWindowResumePending: after a stall the consumer counts
// num_pending as the server does when it resumes, what the stream holds
// beyond each message, and delivers in order what it still holds.
func TestConsumerWindowResumePending(t *testing.T) {
	s := newStream(t, kvConfig("W", 2), newFakeClock())
	c := windowed(t, s, stream.DeliverNew)
	for i := range 40 {
		mustStore(t, s, "$KV.W.k"+string(rune('a'+i%3)), nil, data90) // 1-40
	}
	got := drain(t, c)
	require.Len(t, got, 17)
	for i, d := range got[:11] {
		assert.Equal(t, delivery{uint64(i + 1), 0}, d, "pushed before the window filled")
	}
	// The stream holds 35-40, two of each key; 12-34 are gone: 35 is
	// the first it holds after 11.
	for i, d := range got[11:] {
		assert.Equal(t, delivery{uint64(35 + i), uint64(5 - i)}, d, "read from the stream on resuming")
	}
}

// TestConsumerWindowInitial: a consumer stalled in its initial values
// (last per subject) skips those replaced while it was stalled, then
// delivers what the stream holds from its start, pending counted down to
// 0 at the last.
func TestConsumerWindowInitial(t *testing.T) {
	s := newStream(t, kvConfig("W", 1), newFakeClock())
	for i := range 20 {
		mustStore(t, s, "$KV.W.k"+string(rune('a'+i)), nil, data90) // 1-20
	}
	c := windowed(t, s, stream.DeliverLastPerSubject)
	for i := range 20 {
		mustStore(t, s, "$KV.W.k"+string(rune('a'+i)), nil, data90) // 21-40, replacing 1-20
	}
	got := drain(t, c)
	// Replacing 1 pushes it, replacing 2 pushes 2, and so on: 94 bytes
	// each (pending 19-10 has two digits), 96 for 10 and 95 for 11, which
	// fills the window (1037 > 1000); 12-20 go before they are pushed.
	// After 11, the stream holds 21-40.
	require.Len(t, got, 31)
	for i, d := range got[:11] {
		assert.Equal(t, delivery{uint64(i + 1), uint64(19 - i)}, d)
	}
	for i, d := range got[11:] {
		assert.Equal(t, delivery{uint64(21 + i), uint64(19 - i)}, d)
	}
}

// TestConsumerWindowClose: a stalled consumer is closed with its stream
// (Ready signalled) and by Close.
func TestConsumerWindowClose(t *testing.T) {
	s, err := stream.New(kvConfig("W", 1), newFakeClock())
	require.NoError(t, err)
	c := windowed(t, s, stream.DeliverNew)
	for range 50 {
		mustStore(t, s, "$KV.W.k", nil, data90)
	}
	select {
	case <-c.Ready(): // drain a signal of the stores
	default:
	}
	s.Close()
	select {
	case <-c.Ready():
	case <-time.After(time.Second):
		t.Fatal("a stalled consumer was not signalled when its stream closed")
	}
	_, _, err = c.Next()
	require.ErrorIs(t, err, stream.ErrClosed)
	c.Close()
}

// TestConsumerWindowRampsUp: each acknowledgement doubles the window up
// to the limit (processFlowControl), so that a consumer whose reader kept
// up before it stopped holds more than a new one (11 messages at first,
// TestConsumerWindow): 16,000 bytes here, less what the reader still owed
// when it stopped (under half the window: the request goes out past it).
func TestConsumerWindowRampsUp(t *testing.T) {
	s := newStream(t, kvConfig("W", 1), newFakeClock())
	c := windowed(t, s, stream.DeliverNew)
	for range 2000 {
		mustStore(t, s, "$KV.W.k", nil, data90)
		require.Len(t, drain(t, c), 1)
	}
	for range 1000 {
		mustStore(t, s, "$KV.W.k", nil, data90) // 2001-3000
	}
	got := drain(t, c)
	// 99 bytes each (4 + 4 digits of sequence, 1 of pending).
	pushed := len(got) - 1
	assert.Greater(t, pushed, 8000/99, "more than half the full window")
	assert.LessOrEqual(t, pushed, 16000/99+1, "at most the full window")
	for i, d := range got[:pushed] {
		require.Equal(t, uint64(2001+i), d.Seq)
	}
	assert.Equal(t, uint64(3000), got[pushed].Seq, "then the latest")
}

// TestConsumerWindowProperty drives a consumer with a small window
// through random stores, purges and reads of random lengths, against a
// second consumer without a window on the same stream. Whatever the
// window skipped: deliveries increase, are a subset of what the consumer
// without a window delivers (every matching message), and miss none that
// the stream still holds.
func TestConsumerWindowProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s, err := stream.New(kvConfig("W", int64(rapid.IntRange(1, 3).Draw(t, "history"))), newFakeClock())
		require.NoError(t, err)
		defer s.Close()
		keys := []string{"a", "b", "c.x", "c.y"}
		filter := rapid.SampledFrom([]string{">", "a", "c.*"}).Draw(t, "filter")
		policy := rapid.SampledFrom([]stream.DeliverPolicy{stream.DeliverAll, stream.DeliverLastPerSubject, stream.DeliverNew}).Draw(t, "policy")
		store := func(t *rapid.T) {
			k := rapid.SampledFrom(keys).Draw(t, "key")
			_, err := s.Store("$KV.W."+k, nil, []byte(strings.Repeat("v", rapid.IntRange(0, 200).Draw(t, "size"))))
			require.NoError(t, err)
		}
		for range rapid.IntRange(0, 20).Draw(t, "before") {
			store(t)
		}
		cfg := stream.ConsumerConfig{FilterSubjects: w(filter), DeliverPolicy: policy}
		all, err := s.NewConsumer(cfg)
		require.NoError(t, err)
		cfg.MaxPendingBytes = 16 * 500 // a window of 500 bytes at first
		c, err := s.NewConsumer(cfg)
		require.NoError(t, err)
		var every, got []uint64
		take := func(c *stream.Consumer, out *[]uint64, n int) {
			for ; n > 0; n-- {
				m, _, err := c.Next()
				require.NoError(t, err)
				if m.Seq == 0 {
					return
				}
				if len(*out) > 0 {
					require.Greater(t, m.Seq, (*out)[len(*out)-1], "in order, once")
				}
				*out = append(*out, m.Seq)
			}
		}
		for range rapid.IntRange(0, 200).Draw(t, "ops") {
			switch rapid.IntRange(0, 9).Draw(t, "op") {
			case 0:
				_, err := s.Purge(stream.PurgeRequest{Subject: "$KV.W." + rapid.SampledFrom(keys).Draw(t, "purged")})
				require.NoError(t, err)
			case 1, 2:
				take(c, &got, rapid.IntRange(1, 50).Draw(t, "read"))
			default:
				store(t)
			}
			take(all, &every, 1<<30)
		}
		take(c, &got, 1<<30)
		take(all, &every, 1<<30)
		require.Equal(t, 2, s.NumConsumers())
		for _, seq := range got {
			_, found := slices.BinarySearch(every, seq)
			require.True(t, found, "delivered %d, which the consumer without a window did not", seq)
		}
		// Everything the stream still holds of what every delivered.
		for _, seq := range every {
			if _, err := s.GetMsg(seq); err != nil {
				continue
			}
			_, found := slices.BinarySearch(got, seq)
			require.True(t, found, "missed %d, still stored", seq)
		}
	})
}
