package stream_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/stream"
)

func TestReads(t *testing.T) {
	clock := newFakeClock()
	s := newStream(t, kvConfig("W", 5), clock)
	start := clock.Now()
	mustStore(t, s, "$KV.W.a", nil, "1") // 1
	clock.Advance(time.Second)
	mustStore(t, s, "$KV.W.b", nil, "1")   // 2
	mustStore(t, s, "$KV.W.a", nil, "2")   // 3
	mustStore(t, s, "$KV.W.b", hdrDel, "") // 4

	t.Run("GetMsg", func(t *testing.T) {
		m, err := s.GetMsg(2)
		require.NoError(t, err)
		assert.Equal(t, stream.Msg{Subject: "$KV.W.b", Seq: 2, Time: start.Add(time.Second), Data: []byte("1")}, plain(m))
		assert.Equal(t, time.UTC, m.Time.Location())
		m, err = s.GetMsg(4)
		require.NoError(t, err)
		assert.Equal(t, hdrDel, m.Header)
		assert.Empty(t, m.Data)
		for _, seq := range []uint64{0, 5, 100} {
			_, err = s.GetMsg(seq)
			require.ErrorIs(t, err, stream.ErrNoMessage)
		}
	})
	t.Run("LastMsg", func(t *testing.T) {
		m, err := s.LastMsg("$KV.W.a")
		require.NoError(t, err)
		assert.Equal(t, uint64(3), m.Seq)
		m, err = s.LastMsg("$KV.W.b")
		require.NoError(t, err)
		assert.Equal(t, uint64(4), m.Seq, "markers are messages")
		_, err = s.LastMsg("$KV.W.none")
		require.ErrorIs(t, err, stream.ErrNoMessage)
	})
	t.Run("State", func(t *testing.T) {
		st := s.State()
		assert.Equal(t, stream.State{
			Msgs: 4, Bytes: 7 + 1 + 16 + 7 + 1 + 16 + 7 + 1 + 16 + 7 + 31 + 16,
			FirstSeq: 1, FirstTime: start, LastSeq: 4, LastTime: start.Add(time.Second),
			NumSubjects: 2,
		}, st)
	})
	t.Run("SubjectsState", func(t *testing.T) {
		assert.Equal(t, map[string]stream.SubjectState{
			"$KV.W.a": {Msgs: 2, First: 1, Last: 3},
			"$KV.W.b": {Msgs: 2, First: 2, Last: 4},
		}, s.SubjectsState("$KV.W.>"))
		assert.Equal(t, map[string]stream.SubjectState{"$KV.W.a": {Msgs: 2, First: 1, Last: 3}}, s.SubjectsState("$KV.W.a"))
		assert.Empty(t, s.SubjectsState("$KV.W.x"))
	})
	t.Run("NumPending and LastSeqs", func(t *testing.T) {
		for _, tc := range []struct {
			filter string
			from   uint64
			lps    bool
			want   uint64
		}{
			{">", 1, false, 4},
			{"$KV.W.>", 0, false, 4},
			{"$KV.W.>", 2, false, 3},
			{"$KV.W.a", 2, false, 1},
			{"$KV.W.*", 5, false, 0},
			{"$KV.W.>", 1, true, 2},
			{"$KV.W.>", 4, true, 1},
			{"$KV.W.a", 4, true, 0},
		} {
			assert.Equal(t, tc.want, s.NumPending(tc.filter, tc.from, tc.lps), "%+v", tc)
		}
		assert.Equal(t, []uint64{3, 4}, s.LastSeqs(">"))
		assert.Equal(t, []uint64{4}, s.LastSeqs("$KV.W.b"))
		assert.Empty(t, s.LastSeqs("$KV.W.x"))
	})
	t.Run("empty stream", func(t *testing.T) {
		e := newStream(t, kvConfig("E", 1), nil)
		st := e.State()
		assert.Zero(t, st.Msgs)
		assert.Zero(t, st.LastSeq)
		assert.True(t, st.FirstTime.IsZero())
		_, err := e.LastMsg("$KV.E.a")
		require.ErrorIs(t, err, stream.ErrNoMessage)
	})
	t.Run("closed", func(t *testing.T) {
		c := newStream(t, kvConfig("C", 1), nil)
		c.Close()
		_, err := c.GetMsg(1)
		require.ErrorIs(t, err, stream.ErrClosed)
		_, err = c.LastMsg("$KV.C.a")
		require.ErrorIs(t, err, stream.ErrClosed)
		_, err = c.Purge(stream.PurgeRequest{})
		require.ErrorIs(t, err, stream.ErrClosed)
		_, err = c.NewConsumer(stream.ConsumerConfig{})
		require.ErrorIs(t, err, stream.ErrClosed)
	})
}

func TestNumDeleted(t *testing.T) {
	s := newStream(t, kvConfig("W", 1), nil)
	for _, k := range []string{"a", "b", "a", "c", "b"} {
		mustStore(t, s, "$KV.W."+k, nil, "x")
	}
	st := s.State() // a3 c4 b5 left; 1 and 2 are before first
	assert.Equal(t, uint64(3), st.FirstSeq)
	assert.Equal(t, 0, st.NumDeleted)
	mustStore(t, s, "$KV.W.c", nil, "x") // 6; 4 goes: a gap inside
	st = s.State()
	assert.Equal(t, uint64(3), st.FirstSeq)
	assert.Equal(t, 1, st.NumDeleted)
	assert.Equal(t, uint64(3), st.Msgs)
}

func TestPurge(t *testing.T) {
	// 1 a, 2 b, 3 a, 4 c.x, 5 a, 6 b, 7 c.y
	setup := func(t *testing.T) *stream.Stream {
		s := newStream(t, kvConfig("P", 5), nil)
		for _, k := range []string{"a", "b", "a", "c.x", "a", "b", "c.y"} {
			mustStore(t, s, "$KV.P."+k, nil, "x")
		}
		return s
	}
	for _, tc := range []struct {
		name   string
		req    stream.PurgeRequest
		purged uint64
		left   []uint64
		first  uint64
	}{
		{"whole stream", stream.PurgeRequest{}, 7, nil, 8},
		{"whole stream with >", stream.PurgeRequest{Subject: ">"}, 7, nil, 8},
		{"subject", stream.PurgeRequest{Subject: "$KV.P.a"}, 3, []uint64{2, 4, 6, 7}, 2},
		{"wildcard subject", stream.PurgeRequest{Subject: "$KV.P.c.*"}, 2, []uint64{1, 2, 3, 5, 6}, 1},
		{"subject keep 1", stream.PurgeRequest{Subject: "$KV.P.a", Keep: 1}, 2, []uint64{2, 4, 5, 6, 7}, 2},
		{"keep more than there are", stream.PurgeRequest{Subject: "$KV.P.a", Keep: 3}, 0, []uint64{1, 2, 3, 4, 5, 6, 7}, 1},
		{"stream keep 2", stream.PurgeRequest{Keep: 2}, 5, []uint64{6, 7}, 6},
		{"up to seq 4", stream.PurgeRequest{Seq: 4}, 3, []uint64{4, 5, 6, 7}, 4},
		{"up to seq 1 is nothing", stream.PurgeRequest{Seq: 1}, 0, []uint64{1, 2, 3, 4, 5, 6, 7}, 1},
		{"subject up to seq 5", stream.PurgeRequest{Subject: "$KV.P.a", Seq: 5}, 2, []uint64{2, 4, 5, 6, 7}, 2},
		{"up to the next seq", stream.PurgeRequest{Seq: 8}, 7, nil, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := setup(t)
			n, err := s.Purge(tc.req)
			require.NoError(t, err)
			assert.Equal(t, tc.purged, n)
			var left []uint64
			var bytes uint64
			for seq := uint64(1); seq <= 7; seq++ {
				if m, err := s.GetMsg(seq); err == nil {
					left = append(left, seq)
					bytes += s.Size(m)
				}
			}
			assert.Equal(t, tc.left, left)
			st := s.State()
			assert.Equal(t, tc.first, st.FirstSeq)
			assert.Equal(t, uint64(len(left)), st.Msgs)
			assert.Equal(t, uint64(7), st.LastSeq)
			assert.Equal(t, bytes, st.Bytes)
			assert.Equal(t, uint64(len(left)*(7+1+16)+countC(left)*2), st.Bytes)
			assert.Equal(t, uint64(8), mustStore(t, s, "$KV.P.a", nil, "x"), "sequences are never reused")
		})
	}
	t.Run("beyond the end moves the last sequence", func(t *testing.T) {
		// server/memstore.go: compact past the end of the range makes the
		// next message take the requested sequence.
		s := setup(t)
		n, err := s.Purge(stream.PurgeRequest{Seq: 20})
		require.NoError(t, err)
		assert.Equal(t, uint64(7), n)
		st := s.State()
		assert.Equal(t, uint64(20), st.FirstSeq)
		assert.Equal(t, uint64(19), st.LastSeq)
		assert.Equal(t, uint64(20), mustStore(t, s, "$KV.P.a", nil, "x"))
	})
}

// countC counts the sequences of the 3-token subjects $KV.P.c.x/y (4, 7),
// which are two bytes longer.
func countC(seqs []uint64) int {
	n := 0
	for _, q := range seqs {
		if q == 4 || q == 7 {
			n++
		}
	}
	return n
}

// plain is m's exported fields: what a test compares.
func plain(m stream.Msg) stream.Msg {
	return stream.Msg{Subject: m.Subject, Seq: m.Seq, Time: m.Time, Header: m.Header, Data: m.Data}
}
