package stream_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/stream"
)

func TestConfigValidateDefaults(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    stream.Config
		check func(t *testing.T, c stream.Config)
	}{
		{"zero limits become -1", stream.Config{}, func(t *testing.T, c stream.Config) {
			assert.Equal(t, int64(-1), c.MaxMsgs)
			assert.Equal(t, int64(-1), c.MaxBytes)
			assert.Equal(t, int64(-1), c.MaxMsgsPerSubject)
			assert.Equal(t, int32(-1), c.MaxMsgSize)
			assert.Equal(t, 2*time.Minute, c.Duplicates)
		}},
		{"below -1 becomes -1", stream.Config{MaxMsgs: -5, MaxBytes: -7, MaxMsgsPerSubject: -2, MaxMsgSize: -9}, func(t *testing.T, c stream.Config) {
			assert.Equal(t, int64(-1), c.MaxMsgs)
			assert.Equal(t, int64(-1), c.MaxBytes)
			assert.Equal(t, int64(-1), c.MaxMsgsPerSubject)
			assert.Equal(t, int32(-1), c.MaxMsgSize)
		}},
		{"positive limits kept", stream.Config{MaxMsgs: 3, MaxBytes: 300, MaxMsgsPerSubject: 5, MaxMsgSize: 10}, func(t *testing.T, c stream.Config) {
			assert.Equal(t, int64(3), c.MaxMsgs)
			assert.Equal(t, int64(300), c.MaxBytes)
			assert.Equal(t, int64(5), c.MaxMsgsPerSubject)
			assert.Equal(t, int32(10), c.MaxMsgSize)
		}},
		{"duplicates follow a short max age", stream.Config{MaxAge: 100 * time.Millisecond}, func(t *testing.T, c stream.Config) {
			assert.Equal(t, 100*time.Millisecond, c.Duplicates) // OBSERVED: TTL:100ms -> Duplicates=100ms
		}},
		{"duplicates default under a long max age", stream.Config{MaxAge: 3 * time.Minute}, func(t *testing.T, c stream.Config) {
			assert.Equal(t, 2*time.Minute, c.Duplicates)
		}},
		{"marker TTL turns on message TTLs and rollups", stream.Config{SubjectDeleteMarkerTTL: time.Second}, func(t *testing.T, c stream.Config) {
			// server/stream.go: checkStreamCfg outside pedantic mode.
			assert.True(t, c.AllowMsgTTL)
			assert.True(t, c.AllowRollup)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := tc.in.Validate()
			require.NoError(t, err)
			tc.check(t, c)
		})
	}
}

func TestConfigValidateErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  stream.Config
		desc string
	}{
		{"name over 255 bytes", stream.Config{Name: strings.Repeat("n", 256)}, "stream name is too long, maximum allowed is 255"},
		{"negative max age", stream.Config{MaxAge: -time.Second}, "max age can not be negative"},
		{"max age under 100ms", stream.Config{MaxAge: 50 * time.Millisecond}, "max age needs to be >= 100ms"},
		{"negative duplicates", stream.Config{Duplicates: -time.Second}, "duplicates window can not be negative"},
		{"duplicates over max age", stream.Config{MaxAge: time.Second, Duplicates: 2 * time.Second}, "duplicates window can not be larger then max age"},
		{"duplicates under 100ms", stream.Config{Duplicates: 50 * time.Millisecond}, "duplicates window needs to be >= 100ms"},
		{"rollup without purge", stream.Config{AllowRollup: true, DenyPurge: true}, "roll-ups require the purge permission"},
		{"marker TTL under 1s", stream.Config{SubjectDeleteMarkerTTL: 500 * time.Millisecond, AllowMsgTTL: true, AllowRollup: true}, "subject delete marker TTL must be at least 1 second"},
		{"negative marker TTL", stream.Config{SubjectDeleteMarkerTTL: -time.Second}, "subject delete marker TTL must not be negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.cfg.Validate()
			requireAPIError(t, err, stream.CodeInvalidConfig, tc.desc)
			var e *stream.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, 500, e.Code)
			_, err = stream.New(tc.cfg, nil)
			requireAPIError(t, err, stream.CodeInvalidConfig, tc.desc)
		})
	}
}

func TestUpdateConfig(t *testing.T) {
	t.Run("lowering MaxMsgsPerSubject trims at once", func(t *testing.T) {
		s := newStream(t, kvConfig("U", 5), nil)
		for range 4 {
			mustStore(t, s, "$KV.U.a", nil, "x")
		}
		mustStore(t, s, "$KV.U.b", nil, "x")
		cfg := s.Config()
		cfg.MaxMsgsPerSubject = 2
		require.NoError(t, s.UpdateConfig(cfg))
		st := s.State()
		assert.Equal(t, uint64(3), st.Msgs)
		assert.Equal(t, map[string]stream.SubjectState{
			"$KV.U.a": {Msgs: 2, First: 3, Last: 4},
			"$KV.U.b": {Msgs: 1, First: 5, Last: 5},
		}, s.SubjectsState(">"))
		assert.Equal(t, uint64(3), st.FirstSeq)
	})
	t.Run("lowering MaxBytes under DiscardNew evicts nothing", func(t *testing.T) {
		s := newStream(t, kvConfig("U", 5), nil)
		for range 4 {
			mustStore(t, s, "$KV.U.a", nil, "0123456789")
		}
		before := s.State()
		cfg := s.Config()
		cfg.MaxBytes, cfg.MaxMsgs = 10, 1
		require.NoError(t, s.UpdateConfig(cfg))
		assert.Equal(t, before.Msgs, s.State().Msgs)
		assert.Equal(t, before.Bytes, s.State().Bytes)
		_, err := s.Store("$KV.U.b", nil, []byte("x"))
		require.ErrorIs(t, err, stream.ErrMaxMsgs)
	})
	t.Run("lowering MaxBytes under DiscardOld evicts the oldest", func(t *testing.T) {
		cfg := kvConfig("U", 5)
		cfg.Discard = stream.DiscardOld
		s := newStream(t, cfg, nil)
		for range 4 {
			mustStore(t, s, "$KV.U.a", nil, "0123456789") // 7+10+16 = 33 bytes each
		}
		cfg = s.Config()
		cfg.MaxBytes = 70
		require.NoError(t, s.UpdateConfig(cfg))
		st := s.State()
		assert.Equal(t, uint64(2), st.Msgs)
		assert.Equal(t, uint64(66), st.Bytes)
		assert.Equal(t, uint64(3), st.FirstSeq)
	})
	for _, tc := range []struct {
		name   string
		old    func(*stream.Config)
		update func(*stream.Config)
		desc   string
	}{
		{"storage type", nil, func(c *stream.Config) { c.Storage = stream.FileStorage }, "stream configuration update can not change storage type"},
		{"cancel deny delete", nil, func(c *stream.Config) { c.DenyDelete = false }, "stream configuration update can not cancel deny message deletes"},
		{"cancel deny purge", func(c *stream.Config) { c.DenyPurge, c.AllowRollup = true, false },
			func(c *stream.Config) { c.DenyPurge = false }, "stream configuration update can not cancel deny purge"},
		{"disable message TTL", func(c *stream.Config) { c.AllowMsgTTL = true },
			func(c *stream.Config) { c.AllowMsgTTL = false }, "message TTL status can not be disabled"},
		{"invalid new config", nil, func(c *stream.Config) { c.MaxAge = -1 }, "max age can not be negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := kvConfig("U", 1)
			if tc.old != nil {
				tc.old(&cfg)
			}
			s := newStream(t, cfg, nil)
			cfg = s.Config()
			tc.update(&cfg)
			requireAPIError(t, s.UpdateConfig(cfg), stream.CodeInvalidConfig, tc.desc)
		})
	}
	t.Run("closed", func(t *testing.T) {
		s := newStream(t, kvConfig("U", 1), nil)
		s.Close()
		require.ErrorIs(t, s.UpdateConfig(kvConfig("U", 1)), stream.ErrClosed)
	})
}
