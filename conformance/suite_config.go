package conformance

import (
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testConfig covers SEMANTICS 1.1, 1.2 and 7.3–7.6: how a KeyValueConfig is
// validated and how it reads back through Status() and Config().
func (s *suite) testConfig(t *testing.T) {
	t.Run("invalid_bucket_names", func(t *testing.T) {
		m := s.newManager(t)
		for _, name := range []string{"", "a.b", "a b", "a*", "a>", "ü", "$a", "a/b", "a=b", "a\tb"} {
			cfg := jetstream.KeyValueConfig{Bucket: name, Storage: jetstream.MemoryStorage}
			_, err := m.CreateKeyValue(ctx(t), cfg)
			require.Equal(t, jetstream.ErrInvalidBucketName, err, "CreateKeyValue(%q)", name)
			_, err = m.UpdateKeyValue(ctx(t), cfg)
			require.Equal(t, jetstream.ErrInvalidBucketName, err, "UpdateKeyValue(%q)", name)
			_, err = m.CreateOrUpdateKeyValue(ctx(t), cfg)
			require.Equal(t, jetstream.ErrInvalidBucketName, err, "CreateOrUpdateKeyValue(%q)", name)
			err = m.DeleteKeyValue(ctx(t), name)
			require.Equal(t, jetstream.ErrInvalidBucketName, err, "DeleteKeyValue(%q)", name)
			_, err = m.KeyValue(ctx(t), name)
			require.Equal(t, jetstream.ErrInvalidBucketName, err, "KeyValue(%q)", name)
		}
		require.EqualError(t, jetstream.ErrInvalidBucketName, "nats: invalid bucket name")
	})

	t.Run("valid_bucket_names", func(t *testing.T) {
		m := s.newManager(t)
		for _, name := range []string{"-", "_", "a-b_C9", "X"} {
			kv, err := m.CreateKeyValue(ctx(t), jetstream.KeyValueConfig{Bucket: name, Storage: jetstream.MemoryStorage})
			require.NoError(t, err, "CreateKeyValue(%q)", name)
			require.Equal(t, name, kv.Bucket())
			require.Equal(t, name, status(t, kv).Bucket())
		}
	})

	t.Run("history_range", func(t *testing.T) {
		for _, tc := range []struct{ in, want uint8 }{{0, 1}, {1, 1}, {5, 5}, {64, 64}} {
			kv := s.kv(t, jetstream.KeyValueConfig{History: tc.in})
			st := status(t, kv)
			require.EqualValues(t, tc.want, st.History(), "History=%d: Status().History()", tc.in)
			require.Equal(t, tc.want, st.Config().History, "History=%d: Config().History", tc.in)
		}
		m := s.newManager(t)
		for _, h := range []uint8{65, 255} {
			_, err := m.CreateKeyValue(ctx(t), jetstream.KeyValueConfig{Bucket: "H", History: h, Storage: jetstream.MemoryStorage})
			require.Equal(t, jetstream.ErrHistoryTooLarge, err, "History=%d", h)
			requireErr(t, err, "nats: history limited to a max of 64")
		}
		_, err := m.KeyValue(ctx(t), "H")
		require.Equal(t, jetstream.ErrBucketNotFound, err, "rejected bucket must not exist")
	})

	t.Run("server_validation", func(t *testing.T) {
		m := s.newManager(t)
		for _, tc := range []struct {
			name    string
			cfg     jetstream.KeyValueConfig
			want    string
			errCode jetstream.ErrorCode
		}{
			{"ttl_50ms", jetstream.KeyValueConfig{TTL: 50 * time.Millisecond}, "max age needs to be >= 100ms", 10052},
			{"ttl_99ms", jetstream.KeyValueConfig{TTL: 99 * time.Millisecond}, "max age needs to be >= 100ms", 10052},
			{"ttl_negative", jetstream.KeyValueConfig{TTL: -time.Second}, "max age can not be negative", 10052},
			{"lmt_500ms", jetstream.KeyValueConfig{LimitMarkerTTL: 500 * time.Millisecond}, "subject delete marker TTL must be at least 1 second", 10052},
			{"lmt_negative", jetstream.KeyValueConfig{LimitMarkerTTL: -time.Second}, "subject delete marker TTL must not be negative", 10052},
			{"replicas_3", jetstream.KeyValueConfig{Replicas: 3}, "replicas > 1 not supported in non-clustered mode", 10074},
		} {
			cfg := tc.cfg
			cfg.Bucket = "V"
			cfg.Storage = jetstream.MemoryStorage
			for _, op := range []struct {
				name string
				fn   func() error
			}{
				{"Create", func() error { _, err := m.CreateKeyValue(ctx(t), cfg); return err }},
				{"CreateOrUpdate", func() error { _, err := m.CreateOrUpdateKeyValue(ctx(t), cfg); return err }},
			} {
				err := op.fn()
				requireErr(t, err, fmt.Sprintf("nats: API error: code=500 err_code=%d description=%s", tc.errCode, tc.want))
				requireAPIError(t, err, 500, tc.errCode)
			}
			_, err := m.KeyValue(ctx(t), "V")
			require.Equal(t, jetstream.ErrBucketNotFound, err, "%s: rejected bucket must not exist", tc.name)
		}
	})

	t.Run("accepted_limits", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			cfg  jetstream.KeyValueConfig
			ttl  time.Duration
			lmt  time.Duration
			mvs  int32
			mb   int64
			comp bool
		}{
			{"ttl_100ms", jetstream.KeyValueConfig{TTL: 100 * time.Millisecond}, 100 * time.Millisecond, 0, -1, -1, false},
			{"ttl_3m", jetstream.KeyValueConfig{TTL: 3 * time.Minute}, 3 * time.Minute, 0, -1, -1, false},
			{"lmt_1s", jetstream.KeyValueConfig{LimitMarkerTTL: time.Second}, 0, time.Second, -1, -1, false},
			{"max_value_size_-5", jetstream.KeyValueConfig{MaxValueSize: -5}, 0, 0, -1, -1, false},
			{"max_bytes_-5", jetstream.KeyValueConfig{MaxBytes: -5}, 0, 0, -1, -1, false},
			{"max_value_size_-1", jetstream.KeyValueConfig{MaxValueSize: -1}, 0, 0, -1, -1, false},
			{"limits_set", jetstream.KeyValueConfig{MaxValueSize: 1024, MaxBytes: 4096}, 0, 0, 1024, 4096, false},
			{"compression", jetstream.KeyValueConfig{Compression: true}, 0, 0, -1, -1, true},
			{"replicas_1", jetstream.KeyValueConfig{Replicas: 1}, 0, 0, -1, -1, false},
		} {
			kv := s.kv(t, tc.cfg)
			st := status(t, kv)
			c := st.Config()
			assert.Equal(t, tc.ttl, st.TTL(), "%s: TTL()", tc.name)
			assert.Equal(t, tc.ttl, c.TTL, "%s: Config().TTL", tc.name)
			assert.Equal(t, tc.lmt, st.LimitMarkerTTL(), "%s: LimitMarkerTTL()", tc.name)
			assert.Equal(t, tc.lmt, c.LimitMarkerTTL, "%s: Config().LimitMarkerTTL", tc.name)
			assert.Equal(t, tc.mvs, c.MaxValueSize, "%s: Config().MaxValueSize", tc.name)
			assert.Equal(t, tc.mb, c.MaxBytes, "%s: Config().MaxBytes", tc.name)
			assert.Equal(t, tc.comp, st.IsCompressed(), "%s: IsCompressed()", tc.name)
			assert.Equal(t, tc.comp, c.Compression, "%s: Config().Compression", tc.name)
			assert.Equal(t, 1, c.Replicas, "%s: Config().Replicas", tc.name)
		}
	})

	t.Run("fresh_status", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{
			Bucket: "ST1", Description: "desc", History: 5, TTL: time.Hour,
			Metadata: map[string]string{"owner": "me"}, LimitMarkerTTL: 10 * time.Second,
		})
		st := status(t, kv)
		require.Equal(t, "ST1", st.Bucket())
		require.Zero(t, st.Values())
		require.Zero(t, st.Bytes())
		require.EqualValues(t, 5, st.History())
		require.Equal(t, time.Hour, st.TTL())
		require.Equal(t, "JetStream", st.BackingStore())
		require.False(t, st.IsCompressed())
		require.Equal(t, 10*time.Second, st.LimitMarkerTTL())
		wantMeta := map[string]string{"owner": "me", "_nats.req.level": "1", "_nats.level": "5", "_nats.ver": ServerVersion}
		require.Equal(t, wantMeta, st.Metadata())
		require.Equal(t, jetstream.KeyValueConfig{
			Bucket: "ST1", Description: "desc", MaxValueSize: -1, History: 5, TTL: time.Hour,
			MaxBytes: -1, Storage: jetstream.MemoryStorage, Replicas: 1,
			LimitMarkerTTL: 10 * time.Second, Metadata: wantMeta,
		}, st.Config())
	})

	t.Run("metadata_plain_bucket", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{})
		st := status(t, kv)
		want := map[string]string{"_nats.req.level": "0", "_nats.level": "5", "_nats.ver": ServerVersion}
		require.Equal(t, want, st.Metadata())
		require.Equal(t, want, st.Config().Metadata)
		require.Equal(t, jetstream.KeyValueConfig{
			Bucket: "B", MaxValueSize: -1, History: 1, MaxBytes: -1,
			Storage: jetstream.MemoryStorage, Replicas: 1, Metadata: want,
		}, st.Config())
	})

	t.Run("file_storage_default", func(t *testing.T) {
		// Storage's zero value is FileStorage: what most applications create.
		_, kv := s.create(t, jetstream.KeyValueConfig{Bucket: "F"})
		require.Equal(t, jetstream.FileStorage, status(t, kv).Config().Storage)
		rev := put(t, kv, "k", "v")
		require.EqualValues(t, 1, rev)
		e, err := kv.Get(ctx(t), "k")
		require.NoError(t, err)
		require.Equal(t, "k@1 d0 PUT \"v\"", entry(e))
	})
}
