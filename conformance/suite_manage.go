package conformance

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
)

// testManage covers SEMANTICS 1.3–1.5: create idempotency, update, delete,
// lookup and listing of buckets.
func (s *suite) testManage(t *testing.T) {
	t.Run("create_idempotent", func(t *testing.T) {
		cfg := jetstream.KeyValueConfig{Bucket: "IDEM", History: 3, Description: "d1", Storage: jetstream.MemoryStorage}
		m, kv := s.bucket(t, cfg)
		put(t, kv, "k", "v")
		again, err := m.CreateKeyValue(ctx(t), cfg)
		require.NoError(t, err, "identical config again")
		e, err := again.Get(ctx(t), "k")
		require.NoError(t, err)
		require.Equal(t, "k@1 d0 PUT \"v\"", entry(e), "the existing bucket is kept")
	})

	t.Run("create_differing_config", func(t *testing.T) {
		cfg := jetstream.KeyValueConfig{Bucket: "IDEM", History: 3, Description: "d1", Storage: jetstream.MemoryStorage}
		m, _ := s.bucket(t, cfg)
		const want = "nats: bucket name already in use: IDEM\nnats: API error: code=400 err_code=10058 description=stream name already in use"
		for name, change := range map[string]func(*jetstream.KeyValueConfig){
			"description": func(c *jetstream.KeyValueConfig) { c.Description = "d2" },
			"metadata":    func(c *jetstream.KeyValueConfig) { c.Metadata = map[string]string{"x": "y"} },
			"history":     func(c *jetstream.KeyValueConfig) { c.History = 4 },
			"ttl":         func(c *jetstream.KeyValueConfig) { c.TTL = time.Hour },
			"max_bytes":   func(c *jetstream.KeyValueConfig) { c.MaxBytes = 1000 },
			"lmt":         func(c *jetstream.KeyValueConfig) { c.LimitMarkerTTL = time.Second },
		} {
			c := cfg
			change(&c)
			_, err := m.CreateKeyValue(ctx(t), c)
			requireErr(t, err, want, jetstream.ErrBucketExists, jetstream.ErrStreamNameAlreadyInUse)
			requireAPIError(t, err, 400, 10058)
			require.Equal(t, "d1", statusOf(t, m, "IDEM").Config().Description, "%s: bucket unchanged", name)
		}
	})

	t.Run("update_missing_bucket", func(t *testing.T) {
		m := s.newManager(t)
		_, err := m.UpdateKeyValue(ctx(t), jetstream.KeyValueConfig{Bucket: "NOPE", Storage: jetstream.MemoryStorage})
		requireErr(t, err, "nats: bucket not found: NOPE", jetstream.ErrBucketNotFound)
		requireNotIs(t, err, jetstream.ErrStreamNotFound)
	})

	t.Run("update_replaces_whole_config", func(t *testing.T) {
		m, _ := s.bucket(t, jetstream.KeyValueConfig{Bucket: "U", History: 3, Description: "d1", TTL: time.Hour, Metadata: map[string]string{"a": "1"}})
		kv, err := m.UpdateKeyValue(ctx(t), jetstream.KeyValueConfig{Bucket: "U", Description: "d2", Storage: jetstream.MemoryStorage})
		require.NoError(t, err)
		require.Equal(t, "U", kv.Bucket())
		st := status(t, kv)
		// Fields left out of the update are reset to their defaults.
		require.Equal(t, "d2", st.Config().Description)
		require.EqualValues(t, 1, st.History())
		require.Zero(t, st.TTL())
		require.Equal(t, map[string]string{"_nats.req.level": "0", "_nats.level": "5", "_nats.ver": ServerVersion}, st.Metadata())
	})

	t.Run("update_storage_change", func(t *testing.T) {
		m, _ := s.bucket(t, jetstream.KeyValueConfig{Bucket: "U"})
		_, err := m.UpdateKeyValue(ctx(t), jetstream.KeyValueConfig{Bucket: "U", Storage: jetstream.FileStorage})
		requireErr(t, err, "nats: API error: code=500 err_code=10052 description=stream configuration update can not change storage type")
		requireAPIError(t, err, 500, 10052)
	})

	t.Run("update_limit_marker_ttl", func(t *testing.T) {
		m, _ := s.bucket(t, jetstream.KeyValueConfig{Bucket: "LMT", LimitMarkerTTL: 2 * time.Second})
		_, err := m.UpdateKeyValue(ctx(t), jetstream.KeyValueConfig{Bucket: "LMT", Storage: jetstream.MemoryStorage})
		requireErr(t, err, "nats: API error: code=500 err_code=10052 description=message TTL status can not be disabled")
		requireAPIError(t, err, 500, 10052)
		kv, err := m.UpdateKeyValue(ctx(t), jetstream.KeyValueConfig{Bucket: "LMT", LimitMarkerTTL: 5 * time.Second, Storage: jetstream.MemoryStorage})
		require.NoError(t, err, "change LMT 2s -> 5s")
		require.Equal(t, 5*time.Second, status(t, kv).LimitMarkerTTL())

		_, err = m.CreateKeyValue(ctx(t), jetstream.KeyValueConfig{Bucket: "COU", History: 7, Storage: jetstream.MemoryStorage})
		require.NoError(t, err)
		kv, err = m.UpdateKeyValue(ctx(t), jetstream.KeyValueConfig{Bucket: "COU", History: 7, LimitMarkerTTL: 3 * time.Second, Storage: jetstream.MemoryStorage})
		require.NoError(t, err, "add LMT to a bucket without it")
		st := status(t, kv)
		require.Equal(t, 3*time.Second, st.LimitMarkerTTL())
		require.Equal(t, "1", st.Metadata()["_nats.req.level"])
	})

	t.Run("update_lowers_history", func(t *testing.T) {
		m, kv := s.bucket(t, jetstream.KeyValueConfig{Bucket: "IDEM", History: 3})
		put(t, kv, "k", "1")
		put(t, kv, "k", "2")
		put(t, kv, "k", "3")
		put(t, kv, "j", "1")
		require.EqualValues(t, 4, status(t, kv).Values())
		kv, err := m.UpdateKeyValue(ctx(t), jetstream.KeyValueConfig{Bucket: "IDEM", History: 1, Storage: jetstream.MemoryStorage})
		require.NoError(t, err)
		require.EqualValues(t, 2, status(t, kv).Values())
		h, err := kv.History(ctx(t), "k")
		require.NoError(t, err)
		require.Equal(t, []string{`k@3 d0 PUT "3"`}, entries(h), "oldest revisions trimmed")
		_, err = kv.GetRevision(ctx(t), "k", 2)
		require.Equal(t, jetstream.ErrKeyNotFound, err)
	})

	t.Run("create_or_update", func(t *testing.T) {
		m := s.newManager(t)
		kv, err := m.CreateOrUpdateKeyValue(ctx(t), jetstream.KeyValueConfig{Bucket: "COU", Storage: jetstream.MemoryStorage})
		require.NoError(t, err, "creates a missing bucket")
		put(t, kv, "k", "v")
		kv, err = m.CreateOrUpdateKeyValue(ctx(t), jetstream.KeyValueConfig{Bucket: "COU", History: 7, Storage: jetstream.MemoryStorage})
		require.NoError(t, err, "updates an existing bucket")
		st := status(t, kv)
		require.EqualValues(t, 7, st.History())
		require.EqualValues(t, 1, st.Values(), "data kept")
		_, err = m.CreateOrUpdateKeyValue(ctx(t), jetstream.KeyValueConfig{Bucket: "COU", History: 7, Storage: jetstream.FileStorage})
		requireErr(t, err, "nats: API error: code=500 err_code=10052 description=stream configuration update can not change storage type")
	})

	t.Run("delete_bucket", func(t *testing.T) {
		m, kv := s.bucket(t, jetstream.KeyValueConfig{Bucket: "D"})
		put(t, kv, "k", "v")
		require.NoError(t, m.DeleteKeyValue(ctx(t), "D"))
		_, err := m.KeyValue(ctx(t), "D")
		require.Equal(t, jetstream.ErrBucketNotFound, err)
		err = m.DeleteKeyValue(ctx(t), "D")
		requireErr(t, err, "nats: bucket not found: D\nnats: API error: code=404 err_code=10059 description=stream not found",
			jetstream.ErrBucketNotFound, jetstream.ErrStreamNotFound)
		// A new bucket of the same name starts from scratch.
		kv, err = m.CreateKeyValue(ctx(t), jetstream.KeyValueConfig{Bucket: "D", Storage: jetstream.MemoryStorage})
		require.NoError(t, err)
		require.EqualValues(t, 1, put(t, kv, "other", "v"))
		_, err = kv.Get(ctx(t), "k")
		require.Equal(t, jetstream.ErrKeyNotFound, err)
	})

	t.Run("delete_missing_bucket", func(t *testing.T) {
		m := s.newManager(t)
		err := m.DeleteKeyValue(ctx(t), "NOPE")
		requireErr(t, err, "nats: bucket not found: NOPE\nnats: API error: code=404 err_code=10059 description=stream not found",
			jetstream.ErrBucketNotFound, jetstream.ErrStreamNotFound)
		requireAPIError(t, err, 404, 10059)
	})

	t.Run("lookup", func(t *testing.T) {
		m, kv := s.bucket(t, jetstream.KeyValueConfig{Bucket: "L", History: 4})
		put(t, kv, "k", "v")
		_, err := m.KeyValue(ctx(t), "NOPE")
		require.Equal(t, jetstream.ErrBucketNotFound, err, "KeyValue of a missing bucket returns the bare sentinel")
		require.EqualError(t, err, "nats: bucket not found")
		got, err := m.KeyValue(ctx(t), "L")
		require.NoError(t, err)
		require.Equal(t, "L", got.Bucket())
		e, err := got.Get(ctx(t), "k")
		require.NoError(t, err)
		require.Equal(t, `k@1 d0 PUT "v"`, entry(e))
		require.EqualValues(t, 4, status(t, got).History())
	})

	t.Run("listing", func(t *testing.T) {
		m := s.newManager(t)
		names := m.KeyValueStoreNames(ctx(t))
		require.Empty(t, drainNames(t, names.Name()), "no buckets yet")
		require.NoError(t, names.Error())
		for _, b := range []string{"zeta", "Alpha", "alpha", "a-1", "a_1", "B", "COU"} {
			_, err := m.CreateKeyValue(ctx(t), jetstream.KeyValueConfig{Bucket: b, Storage: jetstream.MemoryStorage})
			require.NoError(t, err)
		}
		want := []string{"Alpha", "B", "COU", "a-1", "a_1", "alpha", "zeta"}
		names = m.KeyValueStoreNames(ctx(t))
		require.Equal(t, want, drainNames(t, names.Name()))
		require.NoError(t, names.Error())

		kv, err := m.KeyValue(ctx(t), "alpha")
		require.NoError(t, err)
		put(t, kv, "k", "12345") // 11 + 5 + 16 = 32 bytes
		lister := m.KeyValueStores(ctx(t))
		var got []string
		for st := range lister.Status() {
			got = append(got, st.Bucket())
			require.Equal(t, "JetStream", st.BackingStore())
			require.EqualValues(t, 1, st.History())
			if st.Bucket() == "alpha" {
				require.EqualValues(t, 1, st.Values())
				require.EqualValues(t, 32, st.Bytes())
			}
		}
		require.NoError(t, lister.Error())
		require.Equal(t, want, got)
	})

	t.Run("stale_handle", func(t *testing.T) {
		m, kv := s.bucket(t, jetstream.KeyValueConfig{Bucket: "XW"})
		put(t, kv, "a", "1")
		require.NoError(t, m.DeleteKeyValue(ctx(t), "XW"))
		_, err := kv.Put(ctx(t), "a", []byte("x"))
		requireErr(t, err, "nats: no response from stream", jetstream.ErrNoStreamResponse)
		_, err = kv.Get(ctx(t), "a")
		requireErr(t, err, "nats: no responders available for request", nats.ErrNoResponders)
		_, err = kv.Status(ctx(t))
		requireErr(t, err, "nats: API error: code=404 err_code=10059 description=stream not found", jetstream.ErrStreamNotFound)
	})
}

// statusOf looks bucket up on m and returns its status.
func statusOf(t *testing.T, m jetstream.KeyValueManager, bucket string) jetstream.KeyValueStatus {
	t.Helper()
	kv, err := m.KeyValue(ctx(t), bucket)
	require.NoError(t, err, "KeyValue(%q)", bucket)
	return status(t, kv)
}

// drainNames reads a name channel until it is closed.
func drainNames(t *testing.T, ch <-chan string) []string {
	t.Helper()
	got := []string{}
	deadline := time.After(waitTimeout)
	for {
		select {
		case n, ok := <-ch:
			if !ok {
				return got
			}
			got = append(got, n)
		case <-deadline:
			require.FailNow(t, "name channel not closed", "read so far: %q", got)
		}
	}
}
