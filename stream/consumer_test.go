package stream_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/stream"
)

func w(keys ...string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = "$KV.W." + k
	}
	return out
}

// TestConsumerStandardDataSet checks the condensed table of SEMANTICS
// §6.3 (seq and num_pending of every initial delivery).
func TestConsumerStandardDataSet(t *testing.T) {
	lps, all, start := stream.DeliverLastPerSubject, stream.DeliverAll, stream.DeliverByStartSequence
	for _, tc := range []struct {
		name    string
		filters []string
		policy  stream.DeliverPolicy
		start   uint64
		want    []delivery
	}{
		{"default", w(">"), lps, 0, []delivery{{5, 4}, {6, 3}, {7, 2}, {8, 1}, {9, 0}}},
		{"IncludeHistory", w(">"), all, 0, []delivery{{1, 7}, {2, 6}, {3, 5}, {5, 4}, {6, 3}, {7, 2}, {8, 1}, {9, 0}}},
		{"ResumeFromRevision(5)", w(">"), start, 5, []delivery{{5, 4}, {6, 3}, {7, 2}, {8, 1}, {9, 0}}},
		{"ResumeFromRevision(4), 4 purged", w(">"), start, 4, []delivery{{5, 4}, {6, 3}, {7, 2}, {8, 1}, {9, 0}}},
		{"ResumeFromRevision(9)", w(">"), start, 9, []delivery{{9, 0}}},
		{"ResumeFromRevision(10)", w(">"), start, 10, nil},
		{"Watch a", w("a"), lps, 0, []delivery{{6, 0}}},
		{"Watch a IncludeHistory", w("a"), all, 0, []delivery{{1, 2}, {3, 1}, {6, 0}}},
		{"Watch *", w("*"), lps, 0, []delivery{{5, 2}, {6, 1}, {8, 0}}},
		{"Watch d.*", w("d.*"), lps, 0, []delivery{{7, 1}, {9, 0}}},
		{"Watch d.>", w("d.>"), lps, 0, []delivery{{7, 1}, {9, 0}}},
		{"Watch nothere", w("nothere"), lps, 0, nil},
		{"WatchFiltered [a d.x]", w("a", "d.x"), lps, 0, []delivery{{6, 1}, {7, 0}}},
		{"WatchFiltered [c b] IncludeHistory", w("c", "b"), all, 0, []delivery{{2, 2}, {5, 1}, {8, 0}}},
		{"DeliverLast", nil, stream.DeliverLast, 0, []delivery{{9, 0}}},
		{"DeliverLast filtered", w("a", "b"), stream.DeliverLast, 0, []delivery{{6, 0}}},
		{"DeliverNew", w(">"), stream.DeliverNew, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := standardDataSet(t)
			c, err := s.NewConsumer(stream.ConsumerConfig{FilterSubjects: tc.filters, DeliverPolicy: tc.policy, OptStartSeq: tc.start})
			require.NoError(t, err)
			defer c.Close()
			assert.Equal(t, uint64(len(tc.want)), c.InitialPending())
			assert.Equal(t, tc.want, drain(t, c))
			assert.Equal(t, uint64(len(tc.want)), c.Delivered())
		})
	}
	t.Run("history 1 bucket", func(t *testing.T) {
		s := newStream(t, kvConfig("W", 1), nil)
		for _, k := range []string{"a", "b", "a", "c", "b"} {
			mustStore(t, s, "$KV.W."+k, nil, "x")
		}
		mustStore(t, s, "$KV.W.c", hdrDel, "")
		c, err := s.NewConsumer(stream.ConsumerConfig{FilterSubjects: w(">"), DeliverPolicy: lps})
		require.NoError(t, err)
		assert.Equal(t, []delivery{{3, 2}, {5, 1}, {6, 0}}, drain(t, c))
	})
	t.Run("empty bucket", func(t *testing.T) {
		s := newStream(t, kvConfig("W", 1), nil)
		c, err := s.NewConsumer(stream.ConsumerConfig{FilterSubjects: w(">"), DeliverPolicy: lps})
		require.NoError(t, err)
		assert.Zero(t, c.InitialPending())
		assert.Empty(t, drain(t, c))
	})
}

func TestConsumerLive(t *testing.T) {
	// A live message is pending 0: the consumer reports what a client
	// sees when the server pushes each message as soon as it is stored
	// (SEMANTICS §6.3.3).
	t.Run("live phase after the initial set", func(t *testing.T) {
		s := standardDataSet(t)
		c, err := s.NewConsumer(stream.ConsumerConfig{FilterSubjects: w(">"), DeliverPolicy: stream.DeliverLastPerSubject})
		require.NoError(t, err)
		require.Len(t, drain(t, c), 5)
		mustStore(t, s, "$KV.W.a", nil, "live")  // 10
		mustStore(t, s, "$KV.W.d.x", hdrDel, "") // 11
		assert.Equal(t, []delivery{{10, 0}, {11, 0}}, drain(t, c))
	})
	t.Run("by start sequence beyond the end", func(t *testing.T) {
		// SEMANTICS §6.3.4: ResumeFromRevision(11) with last 9: rev 10 is
		// never delivered but counted, so rev 11 comes with delta 1.
		s := standardDataSet(t)
		c, err := s.NewConsumer(stream.ConsumerConfig{FilterSubjects: w(">"), DeliverPolicy: stream.DeliverByStartSequence, OptStartSeq: 11})
		require.NoError(t, err)
		assert.Empty(t, drain(t, c))
		mustStore(t, s, "$KV.W.a", nil, "live")  // 10
		mustStore(t, s, "$KV.W.d.x", hdrDel, "") // 11
		assert.Equal(t, []delivery{{11, 1}}, drain(t, c))
	})
	t.Run("by start sequence at the next", func(t *testing.T) {
		s := standardDataSet(t)
		c, err := s.NewConsumer(stream.ConsumerConfig{FilterSubjects: w(">"), DeliverPolicy: stream.DeliverByStartSequence, OptStartSeq: 10})
		require.NoError(t, err)
		mustStore(t, s, "$KV.W.a", nil, "live")
		mustStore(t, s, "$KV.W.d.x", hdrDel, "")
		assert.Equal(t, []delivery{{10, 0}, {11, 0}}, drain(t, c))
	})
	t.Run("messages dropped after creation are still delivered", func(t *testing.T) {
		// SEMANTICS §6.5.2: delivering every revision in order is a valid
		// subset of what the server's push consumer does.
		s := standardDataSet(t)
		c, err := s.NewConsumer(stream.ConsumerConfig{FilterSubjects: w("a"), DeliverPolicy: stream.DeliverAll})
		require.NoError(t, err)
		m, p, err := c.Next()
		require.NoError(t, err)
		assert.Equal(t, uint64(1), m.Seq)
		assert.Equal(t, uint64(2), p)
		mustStore(t, s, "$KV.W.a", hdrPurge, "") // 10: removes 3 and 6
		assert.Equal(t, []delivery{{3, 1}, {6, 0}, {10, 0}}, drain(t, c))
	})
	t.Run("lagging consumer skips evicted messages", func(t *testing.T) {
		// Beyond RetainLimit dropped messages the oldest are skipped, as
		// the client's ordered consumer skips when it falls behind.
		s := newStream(t, kvConfig("W", 1), nil)
		c, err := s.NewConsumer(stream.ConsumerConfig{FilterSubjects: w(">"), DeliverPolicy: stream.DeliverAll})
		require.NoError(t, err)
		const n = stream.RetainLimit + 28
		for i := range n {
			mustStore(t, s, "$KV.W.k"+uitoa(uint64(i%10)), nil, "x")
		}
		got := drain(t, c)
		require.Len(t, got, stream.RetainLimit+10)
		assert.Equal(t, uint64(n-10-stream.RetainLimit+1), got[0].Seq, "the oldest evicted are skipped")
		for i := 1; i < len(got); i++ {
			require.Equal(t, got[i-1].Seq+1, got[i].Seq)
		}
		assert.Equal(t, uint64(n), got[len(got)-1].Seq)
		assert.Equal(t, uint64(10), s.State().Msgs)
	})
	t.Run("filtered consumer ignores other subjects", func(t *testing.T) {
		s := standardDataSet(t)
		c, err := s.NewConsumer(stream.ConsumerConfig{FilterSubjects: w("d.>"), DeliverPolicy: stream.DeliverNew})
		require.NoError(t, err)
		mustStore(t, s, "$KV.W.a", nil, "x")   // 10
		mustStore(t, s, "$KV.W.d.z", nil, "x") // 11
		mustStore(t, s, "$KV.W.b", nil, "x")   // 12
		mustStore(t, s, "$KV.W.d.x", nil, "x") // 13
		assert.Equal(t, []delivery{{11, 0}, {13, 0}}, drain(t, c))
	})
}

func TestConsumerFilters(t *testing.T) {
	s := standardDataSet(t)
	for _, tc := range []struct {
		name    string
		filters []string
		ok      bool
	}{
		{"disjoint", w("a", "b", "d.*"), true},
		{"same twice", w("a", "a"), false},
		{"wildcard covers literal", w("d.x", "d.*"), false},
		{"full wildcard covers all", w(">", "a"), false},
		{"star and tail overlap", w("*.x", "d.>"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := s.NewConsumer(stream.ConsumerConfig{FilterSubjects: tc.filters})
			if tc.ok {
				require.NoError(t, err)
				c.Close()
				return
			}
			requireAPIError(t, err, stream.CodeOverlappingFilters, "consumer subject filters cannot overlap")
		})
	}
}

func TestConsumerHeadersOnly(t *testing.T) {
	s := standardDataSet(t)
	c, err := s.NewConsumer(stream.ConsumerConfig{FilterSubjects: w("a", "b"), DeliverPolicy: stream.DeliverLastPerSubject, HeadersOnly: true})
	require.NoError(t, err)
	m, _, err := c.Next()
	require.NoError(t, err)
	assert.Equal(t, uint64(5), m.Seq)
	assert.Nil(t, m.Data)
	op, _ := stream.HeaderValue(m.Header, stream.KVOperation)
	assert.Equal(t, "DEL", op)
	m, _, err = c.Next()
	require.NoError(t, err)
	assert.Equal(t, uint64(6), m.Seq)
	assert.Nil(t, m.Data)
	stored, err := s.GetMsg(6)
	require.NoError(t, err)
	assert.Equal(t, "3", string(stored.Data), "the stored message is untouched")
	assert.Nil(t, stored.Header)
}

func TestConsumerSignals(t *testing.T) {
	s := standardDataSet(t)
	c, err := s.NewConsumer(stream.ConsumerConfig{FilterSubjects: w("a"), DeliverPolicy: stream.DeliverNew})
	require.NoError(t, err)
	ready := func() bool {
		select {
		case <-c.Ready():
			return true
		default:
			return false
		}
	}
	assert.False(t, ready())
	mustStore(t, s, "$KV.W.a", nil, "w")
	assert.False(t, ready(), "not armed: the reader will look anyway")
	assert.Len(t, drain(t, c), 1)
	armed, err := c.NextBatch(nil, 1) // finds nothing, so arms
	require.NoError(t, err)
	require.Empty(t, armed)
	mustStore(t, s, "$KV.W.b", nil, "x")
	assert.False(t, ready(), "no signal for other subjects")
	mustStore(t, s, "$KV.W.a", nil, "x")
	mustStore(t, s, "$KV.W.a", nil, "y")
	assert.True(t, ready(), "a matching store signals an armed consumer")
	assert.False(t, ready(), "once: arming is spent")
	assert.Len(t, drain(t, c), 2)

	c.Close()
	assert.True(t, ready(), "Close signals")
	_, _, err = c.Next()
	require.ErrorIs(t, err, stream.ErrClosed)
	mustStore(t, s, "$KV.W.a", nil, "z")
	assert.False(t, ready(), "a closed consumer is no longer signalled")
	c.Close() // idempotent

	c2, err := s.NewConsumer(stream.ConsumerConfig{})
	require.NoError(t, err)
	s.Close()
	select {
	case <-c2.Ready():
	default:
		t.Fatal("closing the stream signals its consumers")
	}
	_, _, err = c2.Next()
	require.ErrorIs(t, err, stream.ErrClosed)
}
