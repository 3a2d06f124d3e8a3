package conformance

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
)

// testLimits covers SEMANTICS 5.1 and 5.5–5.8: history eviction, MaxBytes
// with DiscardNew, MaxValueSize, the Purge rollup and PurgeDeletes. Bucket
// names are those of the semprobe run, so the byte counts are the observed
// ones.
func (s *suite) testLimits(t *testing.T) {
	t.Run("history_eviction", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{Bucket: "HE42", History: 2})
		w, err := kv.Watch(ctx(t), "k", jetstream.UpdatesOnly())
		require.NoError(t, err)
		// Each entry is read before the next write: on the real server a
		// message evicted before its delivery is skipped.
		for i := 1; i <= 4; i++ {
			rev := put(t, kv, "k", fmt.Sprintf("v%d", i))
			require.Equal(t, []string{fmt.Sprintf(`k@%d PUT "v%d"`, i, i)}, untilRev(t, w, rev))
		}
		h, err := kv.History(ctx(t), "k")
		require.NoError(t, err)
		require.Equal(t, []string{`k@3 d1 PUT "v3"`, `k@4 d0 PUT "v4"`}, entries(h))
		_, err = kv.GetRevision(ctx(t), "k", 2)
		require.Equal(t, jetstream.ErrKeyNotFound, err, "evicted revision")
		del(t, kv, "k")
		h, err = kv.History(ctx(t), "k")
		require.NoError(t, err)
		require.Equal(t, []string{`k@4 d1 PUT "v4"`, "k@5 d0 DEL"}, entries(h), "a DEL marker counts toward History")
		require.EqualValues(t, 2, status(t, kv).Values())
		require.Equal(t, []string{"k@5 DEL"}, untilRev(t, w, 5), "eviction sends nothing to watchers")
	})

	t.Run("max_bytes_discard_new", func(t *testing.T) {
		// MaxBytes=300, history 1; each Put = 11 (subject) + 50 + 16 = 77 bytes.
		kv := s.kv(t, jetstream.KeyValueConfig{Bucket: "MB40", MaxBytes: 300})
		val := bytes.Repeat([]byte("v"), 50)
		for i, want := range []uint64{77, 154, 231} {
			rev, err := kv.Put(ctx(t), fmt.Sprintf("k%d", i+1), val)
			require.NoError(t, err)
			require.EqualValues(t, i+1, rev)
			require.Equal(t, want, status(t, kv).Bytes())
		}
		for _, k := range []string{"k4", "k5"} {
			rev, err := kv.Put(ctx(t), k, val)
			require.Zero(t, rev)
			requireErr(t, err, errMaxBytes)
			requireAPIError(t, err, 503, 10077)
			require.EqualValues(t, 231, status(t, kv).Bytes())
		}
		rev, err := kv.Put(ctx(t), "k1", val)
		require.NoError(t, err, "same size on a key at its history limit: the old message is freed")
		require.EqualValues(t, 4, rev)
		require.EqualValues(t, 231, status(t, kv).Bytes())
		_, err = kv.Put(ctx(t), "k1", append(val, 'x'))
		requireErr(t, err, errMaxBytes)
		rev, err = kv.Put(ctx(t), "k1", val[:10])
		require.NoError(t, err, "smaller value on a key at its history limit")
		require.EqualValues(t, 5, rev)
		require.EqualValues(t, 191, status(t, kv).Bytes())
		del(t, kv, "k2") // marker 11+31+16=58 replaces k2's 77
		require.EqualValues(t, 172, status(t, kv).Bytes())
		rev, err = kv.Put(ctx(t), "k9", val[:10])
		require.NoError(t, err, "a new key that fits")
		require.EqualValues(t, 7, rev)
		st := status(t, kv)
		require.EqualValues(t, 209, st.Bytes())
		require.EqualValues(t, 4, st.Values())
		_, err = kv.Create(ctx(t), "k8", val)
		requireErr(t, err, errMaxBytes)
	})

	t.Run("max_bytes_history", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{Bucket: "MBH41", MaxBytes: 300, History: 3})
		val := bytes.Repeat([]byte("v"), 50)
		for i, want := range []uint64{77, 154, 231, 231, 231} {
			rev, err := kv.Put(ctx(t), "k", val)
			require.NoError(t, err, "Put #%d", i+1)
			require.EqualValues(t, i+1, rev)
			st := status(t, kv)
			require.Equal(t, want, st.Bytes(), "Put #%d", i+1)
			require.EqualValues(t, min(i+1, 3), st.Values(), "Put #%d", i+1)
		}
		_, err := kv.Put(ctx(t), "j", bytes.Repeat([]byte("v"), 70)) // 11+70+16 = 97 > 300-231
		requireErr(t, err, errMaxBytes)
		_, err = kv.Put(ctx(t), "j", bytes.Repeat([]byte("v"), 42)) // 11+42+16 = 69: fits exactly
		require.NoError(t, err)
		require.EqualValues(t, 300, status(t, kv).Bytes())
	})

	t.Run("max_bytes_before_rollup", func(t *testing.T) {
		// MaxBytes is checked before a Purge's rollup frees anything.
		kv := s.kv(t, jetstream.KeyValueConfig{Bucket: "XB63", MaxBytes: 160, History: 5})
		_, err := kv.Put(ctx(t), "k1", bytes.Repeat([]byte("v"), 60))
		require.NoError(t, err)
		require.EqualValues(t, 87, status(t, kv).Bytes())
		_, err = kv.Put(ctx(t), "k2", bytes.Repeat([]byte("v"), 30))
		require.NoError(t, err)
		require.EqualValues(t, 144, status(t, kv).Bytes())
		requireErr(t, kv.Delete(ctx(t), "k1"), errMaxBytes)
		requireErr(t, kv.Purge(ctx(t), "k1"), errMaxBytes)
		st := status(t, kv)
		require.EqualValues(t, 144, st.Bytes())
		require.EqualValues(t, 2, st.Values())
	})

	t.Run("max_bytes_lowered", func(t *testing.T) {
		// Lowering MaxBytes below the usage evicts nothing (DiscardNew).
		m, kv := s.bucket(t, jetstream.KeyValueConfig{Bucket: "XLB60", MaxBytes: 1000})
		for _, k := range []string{"a", "b", "c", "d", "e"} {
			_, err := kv.Put(ctx(t), k, bytes.Repeat([]byte("x"), 100))
			require.NoError(t, err)
		}
		require.EqualValues(t, 635, status(t, kv).Bytes())
		kv, err := m.UpdateKeyValue(ctx(t), jetstream.KeyValueConfig{Bucket: "XLB60", MaxBytes: 200, Storage: jetstream.MemoryStorage})
		require.NoError(t, err)
		st := status(t, kv)
		require.EqualValues(t, 5, st.Values())
		require.EqualValues(t, 635, st.Bytes())
		require.EqualValues(t, 200, st.Config().MaxBytes)
		_, err = kv.Put(ctx(t), "a", []byte("x"))
		require.NoError(t, err, "a smaller value on a key at its history limit")
		_, err = kv.Put(ctx(t), "zz", []byte("x"))
		requireErr(t, err, errMaxBytes)
	})

	t.Run("max_bytes_file", func(t *testing.T) {
		// The same DiscardNew rules on a file bucket, with the file store's
		// sizes (SEMANTICS 7.8): each Put = 22 + 9 (subject) + 50 + 8 = 89.
		_, kv := s.create(t, jetstream.KeyValueConfig{Bucket: "FB", MaxBytes: 300, Storage: jetstream.FileStorage})
		val := bytes.Repeat([]byte("v"), 50)
		for i, want := range []uint64{89, 178, 267} {
			_, err := kv.Put(ctx(t), fmt.Sprintf("k%d", i+1), val)
			require.NoError(t, err)
			require.Equal(t, want, status(t, kv).Bytes())
		}
		_, err := kv.Put(ctx(t), "k4", val)
		requireErr(t, err, errMaxBytes)
		rev, err := kv.Put(ctx(t), "k1", val)
		require.NoError(t, err, "same size on a key at its history limit")
		require.EqualValues(t, 4, rev)
		_, err = kv.Put(ctx(t), "k1", append(val, 'x'))
		requireErr(t, err, errMaxBytes)
		del(t, kv, "k2") // 22 + 9 + 8 + 4 + 31 = 74 replaces 89
		require.EqualValues(t, 252, status(t, kv).Bytes())
	})

	t.Run("max_value_size_file", func(t *testing.T) {
		_, kv := s.create(t, jetstream.KeyValueConfig{MaxValueSize: 60, Storage: jetstream.FileStorage})
		_, err := kv.Create(ctx(t), "b", bytes.Repeat([]byte("x"), 8))
		require.NoError(t, err, "52 + 8 = 60")
		_, err = kv.Create(ctx(t), "c", bytes.Repeat([]byte("x"), 9))
		requireErr(t, err, errMaxSize, jetstream.ErrStreamMessageExceedsMaximum)
	})

	t.Run("max_value_size", func(t *testing.T) {
		// Header bytes count toward MaxValueSize.
		kv := s.kv(t, jetstream.KeyValueConfig{MaxValueSize: 10, History: 5})
		rev, err := kv.Put(ctx(t), "a", bytes.Repeat([]byte("x"), 10))
		require.NoError(t, err)
		require.EqualValues(t, 1, rev)
		require.EqualValues(t, 10, status(t, kv).Config().MaxValueSize)
		for name, fn := range map[string]func() error{
			"Put 11 bytes":         func() error { _, err := kv.Put(ctx(t), "a", bytes.Repeat([]byte("x"), 11)); return err },
			"Create 1 byte":        func() error { _, err := kv.Create(ctx(t), "b", []byte("x")); return err },
			"Update 1 byte":        func() error { _, err := kv.Update(ctx(t), "a", []byte("x"), 1); return err },
			"Delete (31B header)":  func() error { return kv.Delete(ctx(t), "a") },
			"Purge (51B header)":   func() error { return kv.Purge(ctx(t), "a") },
			"Delete never-existed": func() error { return kv.Delete(ctx(t), "zz") },
		} {
			err := fn()
			require.Error(t, err, name)
			requireErr(t, err, errMaxSize, jetstream.ErrStreamMessageExceedsMaximum)
			requireAPIError(t, err, 400, 10054)
		}
		require.EqualValues(t, 1, status(t, kv).Values())

		kv = s.kv(t, jetstream.KeyValueConfig{MaxValueSize: 60, History: 5})
		rev, err = kv.Create(ctx(t), "b", bytes.Repeat([]byte("x"), 8))
		require.NoError(t, err, "52 + 8 = 60")
		require.EqualValues(t, 1, rev)
		_, err = kv.Create(ctx(t), "c", bytes.Repeat([]byte("x"), 9))
		requireErr(t, err, errMaxSize, jetstream.ErrStreamMessageExceedsMaximum)
		rev, err = kv.Update(ctx(t), "b", bytes.Repeat([]byte("x"), 8), 1)
		require.NoError(t, err, "Update expecting rev 1: 52 + 8 = 60")
		require.EqualValues(t, 2, rev)
		_, err = kv.Update(ctx(t), "b", bytes.Repeat([]byte("x"), 9), 2)
		requireErr(t, err, errMaxSize)
		// The size check comes before the revision check.
		_, err = kv.Update(ctx(t), "b", bytes.Repeat([]byte("x"), 9), 99)
		requireErr(t, err, errMaxSize)
		rev, err = kv.Put(ctx(t), "b", bytes.Repeat([]byte("x"), 60))
		require.NoError(t, err)
		require.EqualValues(t, 3, rev)
	})

	t.Run("purge_rollup", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{History: 5})
		live, err := kv.WatchAll(ctx(t), jetstream.IncludeHistory())
		require.NoError(t, err)
		require.Equal(t, []string{nilEntry}, untilNil(t, live))
		put(t, kv, "a", "1")
		put(t, kv, "a", "2")
		put(t, kv, "b", "1")
		// Read before the rollup: on the real server a message removed before
		// its delivery is skipped.
		require.Equal(t, []string{`a@1 PUT "1"`, `a@2 PUT "2"`, `b@3 PUT "1"`}, untilRev(t, live, 3))
		purge(t, kv, "a")
		put(t, kv, "a", "3")
		require.Equal(t, []string{"a@4 PURGE", `a@5 PUT "3"`}, untilRev(t, live, 5), "live watchers receive only the marker")
		w, err := kv.WatchAll(ctx(t), jetstream.IncludeHistory())
		require.NoError(t, err)
		require.Equal(t, []string{`b@3 d2 PUT "1"`, "a@4 d1 PURGE", `a@5 d0 PUT "3"`, nilEntry}, untilNil(t, w),
			"purged revisions are gone for new watchers")
		for _, rev := range []uint64{1, 2} {
			_, err := kv.GetRevision(ctx(t), "a", rev)
			require.Equal(t, jetstream.ErrKeyNotFound, err, "GetRevision(a, %d)", rev)
		}
		require.EqualValues(t, 3, status(t, kv).Values())
	})

	// pdData: history 5; a=1, a=2, DEL a, b=1, PURGE b, c=1, e=1, DEL e
	// leaves 7 messages: a 1,2,3(DEL); b 5(PURGE); c 6; e 7, 8(DEL).
	pdData := func(t *testing.T) jetstream.KeyValue {
		kv := s.kv(t, jetstream.KeyValueConfig{History: 5})
		put(t, kv, "a", "1")
		put(t, kv, "a", "2")
		del(t, kv, "a")
		put(t, kv, "b", "1")
		purge(t, kv, "b")
		put(t, kv, "c", "1")
		put(t, kv, "e", "1")
		del(t, kv, "e")
		require.EqualValues(t, 7, status(t, kv).Values())
		return kv
	}
	history := func(t *testing.T, kv jetstream.KeyValue, keys ...string) map[string][]string {
		out := map[string][]string{}
		for _, k := range keys {
			h, err := kv.History(ctx(t), k)
			if err != nil {
				require.Equal(t, jetstream.ErrKeyNotFound, err, "History(%q)", k)
				out[k] = nil
				continue
			}
			out[k] = entries(h)
		}
		return out
	}

	t.Run("purge_deletes", func(t *testing.T) {
		kv := pdData(t)
		w, err := kv.WatchAll(ctx(t), jetstream.UpdatesOnly())
		require.NoError(t, err)
		require.NoError(t, kv.PurgeDeletes(ctx(t)), "default: markers younger than 30m are kept")
		require.EqualValues(t, 4, status(t, kv).Values())
		require.Equal(t, map[string][]string{
			"a": {"a@3 d0 DEL"}, "b": {"b@5 d0 PURGE"}, "c": {`c@6 d0 PUT "1"`}, "e": {"e@8 d0 DEL"},
		}, history(t, kv, "a", "b", "c", "e"))

		require.NoError(t, kv.PurgeDeletes(ctx(t), jetstream.DeleteMarkersOlderThan(-1)), "-1: markers removed too")
		require.EqualValues(t, 1, status(t, kv).Values())
		require.Equal(t, map[string][]string{
			"a": nil, "b": nil, "c": {`c@6 d0 PUT "1"`}, "e": nil,
		}, history(t, kv, "a", "b", "c", "e"))

		rev, err := kv.Create(ctx(t), "a", []byte("again"))
		require.NoError(t, err)
		require.EqualValues(t, 9, rev, "PurgeDeletes writes no revision")
		require.Equal(t, []string{`a@9 PUT "again"`}, untilRev(t, w, 9), "PurgeDeletes sends no watcher events")
	})

	t.Run("purge_deletes_older_than", func(t *testing.T) {
		kv := pdData(t)
		require.NoError(t, kv.PurgeDeletes(ctx(t), jetstream.DeleteMarkersOlderThan(time.Hour)))
		require.EqualValues(t, 4, status(t, kv).Values(), "young markers are kept")
		require.NoError(t, kv.PurgeDeletes(ctx(t), jetstream.DeleteMarkersOlderThan(-1)))
		require.EqualValues(t, 1, status(t, kv).Values())
		require.NoError(t, kv.PurgeDeletes(ctx(t)), "nothing left to purge")
		require.EqualValues(t, 1, status(t, kv).Values())
	})
}
