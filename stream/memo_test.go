package stream_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/stream"
)

type memo struct {
	seq  uint64
	data string
}

func buildMemo(builds *int) func(stream.Msg) *memo {
	return func(m stream.Msg) *memo {
		*builds++
		return &memo{m.Seq, string(m.Data)}
	}
}

// TestMemo: every view of one stored message shares its memo, built once;
// a new message on the subject gets its own; headers-only views are never
// cached.
func TestMemo(t *testing.T) {
	s := newStream(t, kvConfig("M", 2), nil)
	mustStore(t, s, "$KV.M.a", nil, "1")
	var builds int
	build := buildMemo(&builds)

	first, err := stream.LastMemo(s, "$KV.M.", "a", build)
	require.NoError(t, err)
	assert.Equal(t, &memo{1, "1"}, first)
	again, err := stream.LastMemo(s, "$KV.M.", "a", build)
	require.NoError(t, err)
	assert.Same(t, first, again)
	m, err := s.GetMsg(1)
	require.NoError(t, err)
	assert.Same(t, first, stream.Memo(m, build))
	c, err := s.NewConsumer(stream.ConsumerConfig{FilterSubjects: []string{"$KV.M.>"}})
	require.NoError(t, err)
	m, _, err = c.Next()
	require.NoError(t, err)
	assert.Same(t, first, stream.Memo(m, build))
	assert.Equal(t, 1, builds)

	mustStore(t, s, "$KV.M.a", nil, "2")
	second, err := stream.LastMemo(s, "$KV.M.", "a", build)
	require.NoError(t, err)
	assert.Equal(t, &memo{2, "2"}, second)
	m, err = s.GetMsg(1)
	require.NoError(t, err)
	assert.Same(t, first, stream.Memo(m, build), "the older revision keeps its memo")

	h, err := s.NewConsumer(stream.ConsumerConfig{FilterSubjects: []string{"$KV.M.>"}, HeadersOnly: true})
	require.NoError(t, err)
	m, _, err = h.Next()
	require.NoError(t, err)
	builds = 0
	assert.Equal(t, &memo{1, ""}, stream.Memo(m, build))
	assert.Equal(t, &memo{1, ""}, stream.Memo(m, build))
	assert.Equal(t, 2, builds, "a headers-only view is built each time")
	m, err = s.GetMsg(1)
	require.NoError(t, err)
	assert.Same(t, first, stream.Memo(m, build), "the headers-only view left the memo alone")

	_, err = stream.LastMemo(s, "$KV.M.", "b", build)
	require.ErrorIs(t, err, stream.ErrNoMessage)
	s.Close()
	_, err = stream.LastMemo(s, "$KV.M.", "a", build)
	require.ErrorIs(t, err, stream.ErrClosed)
}

// TestMemoUnshared: a message that at most one consumer took when stored
// gets no memo from consumers' reads, each read building anew, until a
// Get (LastMemo) caches one; a message two consumers took is cached on
// the first read.
func TestMemoUnshared(t *testing.T) {
	s := newStream(t, kvConfig("M", 5), nil)
	var builds int
	build := buildMemo(&builds)
	consumer := func() *stream.Consumer {
		c, err := s.NewConsumer(stream.ConsumerConfig{FilterSubjects: []string{"$KV.M.a"}, DeliverPolicy: stream.DeliverNew})
		require.NoError(t, err)
		return c
	}
	next := func(c *stream.Consumer) stream.Msg {
		m, _, err := c.Next()
		require.NoError(t, err)
		require.NotZero(t, m.Seq)
		return m
	}

	one := consumer()
	mustStore(t, s, "$KV.M.a", nil, "1")
	m := next(one)
	x, y := stream.Memo(m, build), stream.Memo(m, build)
	assert.NotSame(t, x, y, "taken by one consumer: built on each read")
	cached, err := stream.LastMemo(s, "$KV.M.", "a", build)
	require.NoError(t, err)
	assert.Same(t, cached, stream.Memo(m, build), "a Get cached one")
	assert.Equal(t, 3, builds)

	two := consumer()
	mustStore(t, s, "$KV.M.a", nil, "2")
	m = next(one)
	shared := stream.Memo(m, build)
	assert.Same(t, shared, stream.Memo(next(two), build), "taken by two consumers: shared")
	got, err := stream.LastMemo(s, "$KV.M.", "a", build)
	require.NoError(t, err)
	assert.Same(t, shared, got)
}

// TestMemoConcurrent: readers racing to build a message's memo all get the
// one that won (run with -race).
func TestMemoConcurrent(t *testing.T) {
	s := newStream(t, kvConfig("M", 1), nil)
	for range 2 { // two consumers take each message: memos are shared
		_, err := s.NewConsumer(stream.ConsumerConfig{FilterSubjects: []string{"$KV.M.a"}, DeliverPolicy: stream.DeliverNew})
		require.NoError(t, err)
	}
	for round := range 50 {
		seq := mustStore(t, s, "$KV.M.a", nil, "v")
		m, err := s.GetMsg(seq)
		require.NoError(t, err)
		got := make([]*memo, 8)
		var wg sync.WaitGroup
		for i := range got {
			wg.Go(func() {
				build := func(m stream.Msg) *memo { return &memo{m.Seq, string(m.Data)} }
				if i%2 == 0 {
					got[i], _ = stream.LastMemo(s, "$KV.M.", "a", build)
				} else {
					got[i] = stream.Memo(m, build)
				}
			})
		}
		wg.Wait()
		for i := range got {
			require.Same(t, got[0], got[i], "round %d reader %d", round, i)
		}
	}
}
