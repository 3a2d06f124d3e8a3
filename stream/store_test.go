package stream_test

import (
	"bytes"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/stream"
)

func TestStoreExpectedLastSubjectSequence(t *testing.T) {
	// SEMANTICS §3.3: the error names the subject's current last sequence,
	// markers included.
	s := newStream(t, kvConfig("E", 5), nil)
	mustStore(t, s, "$KV.E.a", nil, "1")   // 1
	mustStore(t, s, "$KV.E.b", nil, "1")   // 2
	mustStore(t, s, "$KV.E.a", hdrDel, "") // 3
	for _, tc := range []struct {
		name    string
		subj    string
		expect  uint64
		wantSeq uint64 // 0: fails with "wrong last sequence: wantLast"
		want    uint64
	}{
		{"absent key expecting 0", "$KV.E.new", 0, 4, 0},
		{"absent key expecting 5", "$KV.E.none", 5, 0, 0},
		{"deleted key expecting 0", "$KV.E.a", 0, 0, 3},
		{"deleted key expecting last put", "$KV.E.a", 1, 0, 3},
		{"stream last instead of subject last", "$KV.E.b", 4, 0, 2},
		{"deleted key expecting the marker", "$KV.E.a", 3, 5, 0},
		{"right sequence", "$KV.E.b", 2, 6, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ack, err := s.Store(tc.subj, hdrExpect(tc.expect), []byte("v"))
			if tc.wantSeq == 0 {
				requireAPIError(t, err, stream.CodeWrongLastSequence, "wrong last sequence: "+uitoa(tc.want))
				var e *stream.Error
				require.ErrorAs(t, err, &e)
				assert.Equal(t, 400, e.Code)
				assert.Zero(t, ack.Seq)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.wantSeq, ack.Seq, "failed stores use no sequence")
		})
	}
}

func uitoa(n uint64) string { return strconv.FormatUint(n, 10) }

func TestStoreExpectedLastSequence(t *testing.T) {
	s := newStream(t, kvConfig("E", 5), nil)
	mustStore(t, s, "$KV.E.a", nil, "1")
	mustStore(t, s, "$KV.E.b", nil, "1")
	_, err := s.Store("$KV.E.a", stream.EncodeHeader(stream.ExpectedLastSeq, "1"), nil)
	requireAPIError(t, err, stream.CodeWrongLastSequence, "wrong last sequence: 2")
	_, err = s.Store("$KV.E.a", stream.EncodeHeader(stream.ExpectedLastSeq, "x"), nil)
	requireAPIError(t, err, stream.CodeWrongLastSequence, "wrong last sequence: 2")
	ack, err := s.Store("$KV.E.a", stream.EncodeHeader(stream.ExpectedLastSeq, "2"), nil)
	require.NoError(t, err)
	assert.Equal(t, uint64(3), ack.Seq)
	// After a purge the stream's last sequence is still the one to expect.
	_, err = s.Purge(stream.PurgeRequest{})
	require.NoError(t, err)
	ack, err = s.Store("$KV.E.a", stream.EncodeHeader(stream.ExpectedLastSeq, "3"), nil)
	require.NoError(t, err)
	assert.Equal(t, uint64(4), ack.Seq)
}

// TestStoreCheckOrder follows the order of server/stream.go
// processJetStreamMsgWithBatch (SEMANTICS §3.6): size, TTL disabled,
// expected last subject sequence, expected last sequence, duplicate,
// rollup, invalid TTL, then the store limits.
func TestStoreCheckOrder(t *testing.T) {
	h := stream.EncodeHeader
	for _, tc := range []struct {
		name string
		cfg  func(*stream.Config)
		hdr  []byte
		data string
		code uint16
		desc string
	}{
		{"size before TTL disabled", func(c *stream.Config) { c.MaxMsgSize = 28 },
			h(stream.MessageTTL, "5s"), "abc", stream.CodeMessageTooLarge, "message size exceeds maximum allowed"},
		{"TTL disabled before expected subject sequence", nil,
			h(stream.MessageTTL, "5s", stream.ExpectedLastSubjSeq, "9"), "", stream.CodeTTLDisabled, "per-message TTL is disabled"},
		{"never is a TTL too", nil,
			h(stream.MessageTTL, "never"), "", stream.CodeTTLDisabled, "per-message TTL is disabled"},
		{"invalid TTL reads as none for the disabled check", nil,
			h(stream.MessageTTL, "500ms", stream.ExpectedLastSubjSeq, "9"), "", stream.CodeWrongLastSequence, "wrong last sequence: 1"},
		{"invalid TTL without TTLs enabled", nil,
			h(stream.MessageTTL, "500ms"), "", stream.CodeInvalidTTL, "invalid per-message TTL"},
		{"expected subject sequence before expected sequence", nil,
			h(stream.ExpectedLastSeq, "7", stream.ExpectedLastSubjSeq, "9"), "", stream.CodeWrongLastSequence, "wrong last sequence: 1"},
		{"expected sequence before duplicate", nil,
			h(stream.ExpectedLastSeq, "7", stream.MsgID, "i"), "", stream.CodeWrongLastSequence, "wrong last sequence: 2"},
		{"expected subject sequence before rollup", func(c *stream.Config) { c.AllowRollup = false },
			h(stream.Rollup, "sub", stream.ExpectedLastSubjSeq, "9"), "", stream.CodeWrongLastSequence, "wrong last sequence: 1"},
		{"rollup not permitted", func(c *stream.Config) { c.AllowRollup = false },
			h(stream.Rollup, "sub"), "", stream.CodeRollupFailed, "rollup not permitted"},
		{"rollup before invalid TTL", func(c *stream.Config) { c.AllowRollup, c.AllowMsgTTL = false, true },
			h(stream.Rollup, "sub", stream.MessageTTL, "bad"), "", stream.CodeRollupFailed, "rollup not permitted"},
		{"rollup value invalid", nil,
			h(stream.Rollup, "some"), "", stream.CodeRollupFailed, `rollup value invalid: "some"`},
		{"invalid TTL before limits", func(c *stream.Config) { c.AllowMsgTTL, c.MaxMsgs = true, 2 },
			h(stream.MessageTTL, "0.5s"), "", stream.CodeInvalidTTL, "invalid per-message TTL"},
		{"negative TTL", func(c *stream.Config) { c.AllowMsgTTL = true },
			h(stream.MessageTTL, "-3"), "", stream.CodeInvalidTTL, "invalid per-message TTL"},
		{"limits last", func(c *stream.Config) { c.AllowMsgTTL, c.MaxMsgs = true, 2 },
			h(stream.MessageTTL, "1s"), "", stream.CodeStoreFailed, "maximum messages exceeded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := kvConfig("O", 5)
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			s := newStream(t, cfg, nil)
			mustStore(t, s, "$KV.O.a", nil, "")                                    // 1
			mustStore(t, s, "$KV.O.b", stream.EncodeHeader(stream.MsgID, "i"), "") // 2
			_, err := s.Store("$KV.O.a", tc.hdr, []byte(tc.data))
			requireAPIError(t, err, tc.code, tc.desc)
			assert.Equal(t, uint64(2), s.State().LastSeq, "a failed store uses no sequence")
			assert.Equal(t, uint64(2), s.State().Msgs)
		})
	}
}

func TestStoreRollup(t *testing.T) {
	for _, tc := range []struct {
		name   string
		rollup string
		want   map[string]stream.SubjectState
	}{
		{"sub", "sub", map[string]stream.SubjectState{
			"$KV.R.a": {Msgs: 1, First: 5, Last: 5},
			"$KV.R.b": {Msgs: 2, First: 2, Last: 4},
		}},
		{"sub in upper case", "SUB", map[string]stream.SubjectState{
			"$KV.R.a": {Msgs: 1, First: 5, Last: 5},
			"$KV.R.b": {Msgs: 2, First: 2, Last: 4},
		}},
		{"all", "all", map[string]stream.SubjectState{
			"$KV.R.a": {Msgs: 1, First: 5, Last: 5},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStream(t, kvConfig("R", 5), nil)
			mustStore(t, s, "$KV.R.a", nil, "1")
			mustStore(t, s, "$KV.R.b", nil, "1")
			mustStore(t, s, "$KV.R.a", nil, "2")
			mustStore(t, s, "$KV.R.b", nil, "2")
			seq := mustStore(t, s, "$KV.R.a", stream.EncodeHeader(stream.Rollup, tc.rollup), "r")
			assert.Equal(t, uint64(5), seq)
			assert.Equal(t, tc.want, s.SubjectsState(">"))
			assert.Equal(t, uint64(5), s.State().LastSeq)
		})
	}
	t.Run("deny purge", func(t *testing.T) {
		cfg := kvConfig("R", 5)
		cfg.AllowRollup, cfg.DenyPurge = false, true
		s := newStream(t, cfg, nil)
		_, err := s.Store("$KV.R.a", hdrPurge, nil)
		requireAPIError(t, err, stream.CodeRollupFailed, "rollup not permitted")
	})
}

func TestStoreMessageTTL(t *testing.T) {
	for _, tc := range []struct {
		name    string
		history int64
		sdm     time.Duration
		ttl     string
		want    string // the stored Nats-TTL
	}{
		{"raised to the marker TTL as integer seconds", 5, 3 * time.Second, "1s", "3"},
		{"truncated value raised", 5, 3 * time.Second, "1.9s", "3"},
		{"longer TTL kept", 5, 3 * time.Second, "1m0s", "1m0s"},
		{"history 1 is not raised", 1, 3 * time.Second, "1s", "1s"},
		{"no markers, no raise", 5, 0, "1s", "1s"},
		{"never kept", 5, 3 * time.Second, "never", "never"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := kvConfig("T", tc.history)
			cfg.AllowMsgTTL, cfg.SubjectDeleteMarkerTTL = true, tc.sdm
			s := newStream(t, cfg, newFakeClock())
			hdr := stream.EncodeHeader(stream.ExpectedLastSubjSeq, "0", stream.MessageTTL, tc.ttl)
			mustStore(t, s, "$KV.T.k", hdr, "v")
			m, err := s.LastMsg("$KV.T.k")
			require.NoError(t, err)
			v, ok := stream.HeaderValue(m.Header, stream.MessageTTL)
			require.True(t, ok)
			assert.Equal(t, tc.want, v)
			e, _ := stream.HeaderValue(m.Header, stream.ExpectedLastSubjSeq)
			assert.Equal(t, "0", e, "other headers are kept")
			assert.Equal(t, s.Size(m), s.State().Bytes)
		})
	}
}

func TestStoreDuplicates(t *testing.T) {
	clock := newFakeClock()
	cfg := kvConfig("D", 5)
	cfg.Duplicates = time.Second
	s := newStream(t, cfg, clock)
	id := func(v string) []byte { return stream.EncodeHeader(stream.MsgID, v) }
	mustStore(t, s, "$KV.D.a", id("x"), "1")
	mustStore(t, s, "$KV.D.b", id("y"), "1")
	clock.Advance(500 * time.Millisecond)
	ack, err := s.Store("$KV.D.c", id("x"), []byte("other"))
	require.NoError(t, err)
	assert.Equal(t, stream.Ack{Seq: 1, Duplicate: true}, ack)
	assert.Equal(t, uint64(2), s.State().LastSeq, "a duplicate is not stored")
	// The original's id is remembered even after the message is gone.
	_, err = s.Purge(stream.PurgeRequest{})
	require.NoError(t, err)
	ack, err = s.Store("$KV.D.a", id("y"), nil)
	require.NoError(t, err)
	assert.Equal(t, stream.Ack{Seq: 2, Duplicate: true}, ack)
	clock.Advance(600 * time.Millisecond)
	ack, err = s.Store("$KV.D.a", id("x"), nil)
	require.NoError(t, err)
	assert.Equal(t, stream.Ack{Seq: 3}, ack, "outside the window the id is new")
}

func TestStoreAccounting(t *testing.T) {
	// SEMANTICS §7.2 and §7.8: the same steps on a memory and a file bucket.
	for _, tc := range []struct {
		name    string
		bucket  string
		storage stream.Storage
		want    []uint64
	}{
		{"memory", "M", stream.MemoryStorage, []uint64{35, 91, 169}},
		{"file", "BFile", stream.FileStorage, []uint64{53, 131, 231}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := kvConfig(tc.bucket, 5)
			cfg.Storage = tc.storage
			s := newStream(t, cfg, nil)
			p := "$KV." + tc.bucket + "."
			mustStore(t, s, p+"abc", nil, "0123456789")
			assert.Equal(t, tc.want[0], s.State().Bytes)
			mustStore(t, s, p+"abc", hdrDel, "")
			assert.Equal(t, tc.want[1], s.State().Bytes)
			mustStore(t, s, p+"k2", hdrExpect(0), "xy")
			assert.Equal(t, tc.want[2], s.State().Bytes)
			var sum uint64
			for seq := uint64(1); seq <= 3; seq++ {
				m, err := s.GetMsg(seq)
				require.NoError(t, err)
				sum += s.Size(m)
			}
			assert.Equal(t, sum, s.State().Bytes)
		})
	}
	t.Run("observed Status sequence", func(t *testing.T) {
		// OBSERVED status-bytes on bucket SB36.
		s := newStream(t, kvConfig("SB36", 5), nil)
		p := "$KV.SB36."
		steps := []struct {
			subj  string
			hdr   []byte
			data  string
			bytes uint64
			msgs  uint64
		}{
			{p + "k1", nil, "01234", 32, 1},
			{p + "k2", hdrExpect(0), "abc", 114, 2},
			{p + "k2", hdrExpect(2), "abcd", 197, 3},
			{p + "k1", hdrDel, "", 255, 4},
			{p + "k2", stream.EncodeHeader(stream.KVOperation, "DEL", stream.ExpectedLastSubjSeq, "3"), "", 353, 5},
			{p + "longkey", nil, "", 385, 6},
			{p + "k1", hdrPurge, "", 373, 5},
		}
		for _, st := range steps {
			mustStore(t, s, st.subj, st.hdr, st.data)
			assert.Equal(t, st.bytes, s.State().Bytes, "after %s", st.subj)
			assert.Equal(t, st.msgs, s.State().Msgs)
		}
	})
}

func TestStoreMaxMsgSize(t *testing.T) {
	// SEMANTICS §5.6: headers count.
	for _, tc := range []struct {
		name string
		max  int32
		hdr  []byte
		size int
		ok   bool
	}{
		{"put at the limit", 10, nil, 10, true},
		{"put over", 10, nil, 11, false},
		{"create 1 byte", 10, hdrExpect(0), 1, false},
		{"delete", 10, hdrDel, 0, false},
		{"purge", 10, hdrPurge, 0, false},
		{"create 52+8", 60, hdrExpect(0), 8, true},
		{"create 52+9", 60, hdrExpect(0), 9, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := kvConfig("MV", 1)
			cfg.MaxMsgSize = tc.max
			s := newStream(t, cfg, nil)
			ack, err := s.Store("$KV.MV.a", tc.hdr, bytes.Repeat([]byte("x"), tc.size))
			if tc.ok {
				require.NoError(t, err)
				assert.Equal(t, uint64(1), ack.Seq)
				return
			}
			requireAPIError(t, err, stream.CodeMessageTooLarge, "message size exceeds maximum allowed")
			require.ErrorIs(t, err, stream.ErrMessageTooLarge)
		})
	}
}

// TestStoreDiscardNewMaxBytes reproduces SEMANTICS §5.5 with the observed
// buckets' subject lengths.
func TestStoreDiscardNewMaxBytes(t *testing.T) {
	val := bytes.Repeat([]byte("v"), 50)
	t.Run("history 1", func(t *testing.T) {
		cfg := kvConfig("MB12", 1)
		cfg.MaxBytes = 300
		s := newStream(t, cfg, nil)
		p := "$KV.MB12."
		type step struct {
			name  string
			subj  string
			hdr   []byte
			data  []byte
			seq   uint64 // 0: maximum bytes exceeded
			bytes uint64
		}
		for _, st := range []step{
			{"put k1", p + "k1", nil, val, 1, 77},
			{"put k2", p + "k2", nil, val, 2, 154},
			{"put k3", p + "k3", nil, val, 3, 231},
			{"put k4", p + "k4", nil, val, 0, 231},
			{"put k5", p + "k5", nil, val, 0, 231},
			{"overwrite k1 same size", p + "k1", nil, val, 4, 231},
			{"overwrite k1 one byte larger", p + "k1", nil, append(val[:50:50], 'x'), 0, 231},
			{"overwrite k1 smaller", p + "k1", nil, val[:10], 5, 191},
			{"delete k2", p + "k2", hdrDel, nil, 6, 172},
			{"put new key k9", p + "k9", nil, val[:10], 7, 209},
		} {
			ack, err := s.Store(st.subj, st.hdr, st.data)
			if st.seq == 0 {
				requireAPIError(t, err, stream.CodeStoreFailed, "maximum bytes exceeded")
				require.ErrorIs(t, err, stream.ErrMaxBytes)
				var e *stream.Error
				require.ErrorAs(t, err, &e)
				assert.Equal(t, 503, e.Code)
			} else {
				require.NoError(t, err, st.name)
				assert.Equal(t, st.seq, ack.Seq, st.name)
			}
			assert.Equal(t, st.bytes, s.State().Bytes, st.name)
		}
	})
	t.Run("history 3", func(t *testing.T) {
		cfg := kvConfig("MBH14", 3)
		cfg.MaxBytes = 300
		s := newStream(t, cfg, nil)
		for i, want := range []struct{ bytes, msgs uint64 }{{77, 1}, {154, 2}, {231, 3}, {231, 3}, {231, 3}} {
			ack, err := s.Store("$KV.MBH14.k", nil, val)
			require.NoError(t, err)
			assert.Equal(t, uint64(i+1), ack.Seq)
			assert.Equal(t, want.bytes, s.State().Bytes)
			assert.Equal(t, want.msgs, s.State().Msgs)
		}
	})
	t.Run("checked before the rollup", func(t *testing.T) {
		cfg := kvConfig("XB41", 5)
		cfg.MaxBytes = 160
		s := newStream(t, cfg, nil)
		mustStore(t, s, "$KV.XB41.k1", nil, strings.Repeat("v", 60))
		assert.Equal(t, uint64(87), s.State().Bytes)
		mustStore(t, s, "$KV.XB41.k2", nil, strings.Repeat("v", 30))
		assert.Equal(t, uint64(144), s.State().Bytes)
		_, err := s.Store("$KV.XB41.k1", hdrDel, nil)
		requireAPIError(t, err, stream.CodeStoreFailed, "maximum bytes exceeded")
		_, err = s.Store("$KV.XB41.k1", hdrPurge, nil)
		requireAPIError(t, err, stream.CodeStoreFailed, "maximum bytes exceeded")
		assert.Equal(t, uint64(144), s.State().Bytes)
		assert.Equal(t, uint64(2), s.State().LastSeq)
	})
}

func TestStoreMaxMsgs(t *testing.T) {
	t.Run("discard new with the per-subject exception", func(t *testing.T) {
		cfg := kvConfig("N", 1)
		cfg.MaxMsgs = 2
		s := newStream(t, cfg, nil)
		mustStore(t, s, "$KV.N.a", nil, "1")
		mustStore(t, s, "$KV.N.b", nil, "1")
		_, err := s.Store("$KV.N.c", nil, []byte("1"))
		requireAPIError(t, err, stream.CodeStoreFailed, "maximum messages exceeded")
		assert.Equal(t, uint64(3), mustStore(t, s, "$KV.N.a", nil, "2222222"), "a replaces its own oldest")
		assert.Equal(t, uint64(2), s.State().Msgs)
	})
	t.Run("discard old evicts the oldest", func(t *testing.T) {
		cfg := kvConfig("N", 5)
		cfg.MaxMsgs, cfg.Discard = 2, stream.DiscardOld
		s := newStream(t, cfg, nil)
		for _, k := range []string{"a", "b", "c", "a"} {
			mustStore(t, s, "$KV.N."+k, nil, "1")
		}
		st := s.State()
		assert.Equal(t, uint64(2), st.Msgs)
		assert.Equal(t, uint64(3), st.FirstSeq)
		assert.Equal(t, uint64(4), st.LastSeq)
		assert.Equal(t, 2, st.NumSubjects)
	})
	t.Run("discard old max bytes", func(t *testing.T) {
		cfg := kvConfig("N", 5)
		cfg.MaxBytes, cfg.Discard = 50, stream.DiscardOld
		s := newStream(t, cfg, nil)
		mustStore(t, s, "$KV.N.a", nil, "0123456789") // 33
		mustStore(t, s, "$KV.N.b", nil, "0123456789") // 66 > 50: a goes
		st := s.State()
		assert.Equal(t, uint64(1), st.Msgs)
		assert.Equal(t, uint64(33), st.Bytes)
		assert.Equal(t, uint64(2), st.FirstSeq)
	})
}

func TestStoreMisc(t *testing.T) {
	s := newStream(t, kvConfig("Z", 1), nil)
	_, err := s.Store("other.subject", nil, nil)
	require.ErrorIs(t, err, stream.ErrNoSubject)
	data := []byte("abc")
	hdr := stream.EncodeHeader("X", "1")
	mustStore(t, s, "$KV.Z.a", hdr, string(data))
	data[0], hdr[0] = 'z', 'z'
	m, err := s.GetMsg(1)
	require.NoError(t, err)
	assert.Equal(t, "abc", string(m.Data), "Store copies the data")
	assert.Equal(t, "NATS/1.0\r\nX: 1\r\n\r\n", string(m.Header), "and the header")
	s.Close()
	_, err = s.Store("$KV.Z.a", nil, nil)
	require.ErrorIs(t, err, stream.ErrClosed)
}

// TestStoreTimesFollowSequence: concurrent writers read the clock before
// they take the stream's lock, yet every message's time is at least its
// predecessor's, as on the server, which stamps messages in order.
func TestStoreTimesFollowSequence(t *testing.T) {
	s := newStream(t, kvConfig("T", 1), nil)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 2000 {
				if _, err := s.StoreKey("$KV.T.", "k"+strconv.Itoa(w)+"."+strconv.Itoa(i), nil, nil); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	var last time.Time
	s.Range(func(m stream.Msg) bool {
		if m.Time.Before(last) {
			t.Fatalf("message %d at %v, before its predecessor's %v", m.Seq, m.Time, last)
		}
		last = m.Time
		return true
	})
}
