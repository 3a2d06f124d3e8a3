package stream_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/stream"
)

// timeline drives a fake clock to offsets from its start.
type timeline struct {
	clock *stream.FakeClock
	start time.Time
}

func newTimeline() *timeline {
	c := newFakeClock()
	return &timeline{clock: c, start: c.Now()}
}

func (tl *timeline) at(d time.Duration) {
	if now := tl.clock.Now(); tl.start.Add(d).After(now) {
		tl.clock.Advance(tl.start.Add(d).Sub(now))
	}
}

func markerConfig(name string, history int64, maxAge, sdm time.Duration) stream.Config {
	cfg := kvConfig(name, history)
	cfg.MaxAge, cfg.SubjectDeleteMarkerTTL = maxAge, sdm
	cfg.AllowMsgTTL = sdm > 0
	if maxAge > 0 && maxAge < cfg.Duplicates {
		cfg.Duplicates = maxAge // as kv.go: prepareKeyValueConfig
	}
	return cfg
}

func TestMaxAgeBatchedChecks(t *testing.T) {
	// SEMANTICS §5.2: TTL=500ms and puts 100ms apart -> Values 4 at
	// +510ms, 2 at +770ms, 0 at +1s.
	tl := newTimeline()
	s := newStream(t, markerConfig("A", 1, 500*time.Millisecond, 0), tl.clock)
	for i, k := range []string{"k0", "k1", "k2", "k3", "k4"} {
		tl.at(time.Duration(i) * 100 * time.Millisecond)
		mustStore(t, s, "$KV.A."+k, nil, "v")
	}
	for _, step := range []struct {
		at   time.Duration
		msgs uint64
	}{
		{499 * time.Millisecond, 5},
		{510 * time.Millisecond, 4},
		{749 * time.Millisecond, 4}, // 100ms and 200ms are due, but checks are 250ms apart
		{770 * time.Millisecond, 2},
		{999 * time.Millisecond, 2},
		{time.Second, 0},
	} {
		tl.at(step.at)
		assert.Equal(t, step.msgs, s.State().Msgs, "at +%v", step.at)
	}
	st := s.State()
	assert.Equal(t, uint64(6), st.FirstSeq, "an emptied stream's first is last+1")
	assert.Equal(t, uint64(5), st.LastSeq, "expiry writes nothing without markers")
	assert.Zero(t, st.Bytes)
	assert.Zero(t, tl.clock.Pending(), "no timer once empty")
}

func TestMaxAgeSilentWithoutMarkers(t *testing.T) {
	tl := newTimeline()
	s := newStream(t, markerConfig("A", 1, time.Second, 0), tl.clock)
	mustStore(t, s, "$KV.A.a", nil, "1")
	assert.Equal(t, uint64(1), s.State().Msgs)
	tl.at(time.Second)
	assert.Equal(t, uint64(0), s.State().Msgs)
	_, err := s.LastMsg("$KV.A.a")
	require.ErrorIs(t, err, stream.ErrNoMessage)
}

func TestSubjectDeleteMarkers(t *testing.T) {
	t.Run("marker headers and bytes", func(t *testing.T) {
		tl := newTimeline()
		s := newStream(t, markerConfig("MM47", 1, time.Second, time.Second), tl.clock)
		mustStore(t, s, "$KV.MM47.a", nil, "1")
		tl.at(time.Second)
		m, err := s.LastMsg("$KV.MM47.a")
		require.NoError(t, err)
		assert.Equal(t, uint64(2), m.Seq, "a marker takes the next sequence")
		assert.Empty(t, m.Data)
		assert.Len(t, m.Header, 72)
		for k, v := range map[string]string{stream.MarkerReason: "MaxAge", stream.MessageTTL: "1s", stream.Rollup: "sub"} {
			got, ok := stream.HeaderValue(m.Header, k)
			assert.True(t, ok, k)
			assert.Equal(t, v, got, k)
		}
		st := s.State()
		assert.Equal(t, uint64(1), st.Msgs)
		assert.Equal(t, uint64(98), st.Bytes) // OBSERVED: Values=1 Bytes=98
		assert.Equal(t, tl.start.Add(time.Second), m.Time)
		// Lifetime min(LMT 1s, MaxAge 1s): gone by +2.02s, silently.
		tl.at(2020 * time.Millisecond)
		st = s.State()
		assert.Equal(t, uint64(0), st.Msgs)
		assert.Equal(t, uint64(2), st.LastSeq)
	})
	t.Run("marker lives min(LMT, MaxAge)", func(t *testing.T) {
		// OBSERVED: TTL=2s, LMT=5s -> marker at 2s, gone at 4.01s.
		tl := newTimeline()
		s := newStream(t, markerConfig("L", 1, 2*time.Second, 5*time.Second), tl.clock)
		mustStore(t, s, "$KV.L.a", nil, "1")
		tl.at(1990 * time.Millisecond)
		assert.Equal(t, uint64(1), s.LastSeqs(">")[0])
		tl.at(2 * time.Second)
		assert.Equal(t, []uint64{2}, s.LastSeqs(">"))
		tl.at(3990 * time.Millisecond)
		assert.Equal(t, uint64(1), s.State().Msgs)
		tl.at(4010 * time.Millisecond)
		assert.Equal(t, uint64(0), s.State().Msgs)
		assert.Equal(t, uint64(2), s.State().LastSeq)
	})
	t.Run("DEL replaced, PURGE vanishes", func(t *testing.T) {
		// OBSERVED (TTL=1s, LMT=3s; x: put, DEL; y: put, PURGE): +1s {x rev=5 op=PURGE}, nothing for y.
		tl := newTimeline()
		s := newStream(t, markerConfig("DP", 5, time.Second, 3*time.Second), tl.clock)
		mustStore(t, s, "$KV.DP.x", nil, "1")
		mustStore(t, s, "$KV.DP.x", hdrDel, "")
		mustStore(t, s, "$KV.DP.y", nil, "1")
		mustStore(t, s, "$KV.DP.y", hdrPurge, "")
		tl.at(time.Second)
		assert.Equal(t, map[string]stream.SubjectState{"$KV.DP.x": {Msgs: 1, First: 5, Last: 5}}, s.SubjectsState(">"))
		m, err := s.GetMsg(5)
		require.NoError(t, err)
		r, _ := stream.HeaderValue(m.Header, stream.MarkerReason)
		assert.Equal(t, "MaxAge", r)
		ttl, _ := stream.HeaderValue(m.Header, stream.MessageTTL)
		assert.Equal(t, "3s", ttl)
		// The limit marker itself vanishes after MaxAge (1s) without a new one.
		tl.at(2010 * time.Millisecond)
		assert.Equal(t, uint64(0), s.State().Msgs)
		assert.Equal(t, uint64(5), s.State().LastSeq)
	})
	t.Run("only the last of a history becomes a marker", func(t *testing.T) {
		// OBSERVED (history=3, puts 300ms apart): +1.6s {a rev=4 op=PURGE}.
		tl := newTimeline()
		s := newStream(t, markerConfig("H", 3, time.Second, 10*time.Second), tl.clock)
		for i := range 3 {
			tl.at(time.Duration(i) * 300 * time.Millisecond)
			mustStore(t, s, "$KV.H.a", nil, "v")
		}
		tl.at(1590 * time.Millisecond)
		assert.Equal(t, uint64(3), s.State().LastSeq)
		assert.Equal(t, uint64(1), s.State().Msgs, "older revisions expire silently")
		tl.at(1600 * time.Millisecond)
		assert.Equal(t, map[string]stream.SubjectState{"$KV.H.a": {Msgs: 1, First: 4, Last: 4}}, s.SubjectsState(">"))
	})
}

func TestMessageTTLExpiry(t *testing.T) {
	ttlHdr := func(ttl string) []byte {
		return stream.EncodeHeader(stream.ExpectedLastSubjSeq, "0", stream.MessageTTL, ttl)
	}
	t.Run("truncated to seconds, marker at +1s", func(t *testing.T) {
		tl := newTimeline()
		s := newStream(t, markerConfig("K", 1, 0, time.Second), tl.clock)
		mustStore(t, s, "$KV.K.k", ttlHdr("1.9s"), "v")
		tl.at(999 * time.Millisecond)
		assert.Equal(t, []uint64{1}, s.LastSeqs(">"))
		tl.at(time.Second)
		assert.Equal(t, []uint64{2}, s.LastSeqs(">"), "the key becomes a MaxAge marker")
		m, err := s.GetMsg(2)
		require.NoError(t, err)
		r, _ := stream.HeaderValue(m.Header, stream.MarkerReason)
		assert.Equal(t, "MaxAge", r)
		tl.at(2500 * time.Millisecond)
		assert.Equal(t, uint64(0), s.State().Msgs, "Values after 2.5s = 0")
	})
	t.Run("raised to the marker TTL", func(t *testing.T) {
		// OBSERVED: history=5, LMT=3s, KeyTTL(1s) -> Nats-TTL=3 and marker at +3s.
		tl := newTimeline()
		s := newStream(t, markerConfig("K", 5, 0, 3*time.Second), tl.clock)
		mustStore(t, s, "$KV.K.k", ttlHdr("1s"), "v")
		tl.at(2990 * time.Millisecond)
		assert.Equal(t, []uint64{1}, s.LastSeqs(">"))
		tl.at(3 * time.Second)
		assert.Equal(t, []uint64{2}, s.LastSeqs(">"))
	})
	t.Run("a PURGE with a TTL vanishes", func(t *testing.T) {
		tl := newTimeline()
		s := newStream(t, markerConfig("K", 5, 0, time.Second), tl.clock)
		mustStore(t, s, "$KV.K.k", nil, "v")
		mustStore(t, s, "$KV.K.k", stream.EncodeHeader(stream.KVOperation, "PURGE", stream.Rollup, "sub", stream.MessageTTL, "1s"), "")
		assert.Equal(t, uint64(1), s.State().Msgs)
		tl.at(1010 * time.Millisecond)
		assert.Equal(t, uint64(0), s.State().Msgs)
		assert.Equal(t, uint64(2), s.State().LastSeq)
	})
	t.Run("a later message without TTL outlives it", func(t *testing.T) {
		tl := newTimeline()
		s := newStream(t, markerConfig("K", 5, 0, time.Second), tl.clock)
		mustStore(t, s, "$KV.K.u", ttlHdr("1s"), "v1")
		mustStore(t, s, "$KV.K.u", hdrExpect(1), "v2")
		tl.at(2300 * time.Millisecond)
		assert.Equal(t, map[string]stream.SubjectState{"$KV.K.u": {Msgs: 1, First: 2, Last: 2}}, s.SubjectsState(">"))
	})
	t.Run("never outlives MaxAge", func(t *testing.T) {
		tl := newTimeline()
		cfg := markerConfig("K", 5, time.Second, 0)
		cfg.AllowMsgTTL = true
		s := newStream(t, cfg, tl.clock)
		mustStore(t, s, "$KV.K.a", stream.EncodeHeader(stream.MessageTTL, "never"), "v")
		mustStore(t, s, "$KV.K.b", nil, "v")
		tl.at(5 * time.Second)
		assert.Equal(t, []uint64{1}, s.LastSeqs(">"))
	})
	t.Run("per-message TTL without markers is silent", func(t *testing.T) {
		tl := newTimeline()
		cfg := kvConfig("K", 5)
		cfg.AllowMsgTTL = true
		s := newStream(t, cfg, tl.clock)
		mustStore(t, s, "$KV.K.a", stream.EncodeHeader(stream.MessageTTL, "2"), "v")
		mustStore(t, s, "$KV.K.b", nil, "v")
		tl.at(2 * time.Second)
		assert.Equal(t, []uint64{2}, s.LastSeqs(">"))
		assert.Equal(t, uint64(2), s.State().LastSeq)
	})
	t.Run("close stops the timer", func(t *testing.T) {
		tl := newTimeline()
		s := newStream(t, markerConfig("K", 1, time.Second, 0), tl.clock)
		mustStore(t, s, "$KV.K.a", nil, "v")
		require.Equal(t, 1, tl.clock.Pending())
		s.Close()
		assert.Equal(t, 0, tl.clock.Pending())
		tl.at(2 * time.Second)
	})
}
