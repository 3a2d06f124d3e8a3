package conformance

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
)

// testCRUD covers SEMANTICS 3: revisions, the write operations, the
// compare-and-set rule and the write errors of SEMANTICS 9.
func (s *suite) testCRUD(t *testing.T) {
	t.Run("revisions", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{History: 5})
		require.EqualValues(t, 1, put(t, kv, "seqA", "1"))
		require.EqualValues(t, 2, put(t, kv, "seqB", "1"))
		require.EqualValues(t, 3, put(t, kv, "seqA", "2"), "one sequence shared by all keys")
		require.EqualValues(t, 4, put(t, kv, "same", "v"))
		require.EqualValues(t, 5, put(t, kv, "same", "v"), "an unchanged value still gets a new revision")
		del(t, kv, "same")
		purge(t, kv, "seqB")
		require.EqualValues(t, 8, put(t, kv, "x", "1"), "markers use revisions")
		_, err := kv.Create(ctx(t), "x", []byte("2"))
		require.Error(t, err)
		_, err = kv.Update(ctx(t), "x", []byte("2"), 99)
		require.Error(t, err)
		require.EqualValues(t, 9, put(t, kv, "x", "3"), "failed writes use no revision")
		st := status(t, kv)
		// seqA: 1, 3; same: 4, 5, DEL 6; seqB: PURGE 7 (rollup removed 2); x: 8, 9
		require.EqualValues(t, 8, st.Values())
	})

	t.Run("create", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{History: 5})
		rev, err := kv.Create(ctx(t), "k", []byte("v1"))
		require.NoError(t, err)
		require.EqualValues(t, 1, rev)
		rev, err = kv.Create(ctx(t), "k", []byte("v2"))
		require.Zero(t, rev)
		requireErr(t, err, fmt.Sprintf(errKeyExistsFmt, 1), jetstream.ErrKeyExists)
		requireNotIs(t, err, jetstream.ErrKeyRevisionMismatch)
		requireAPIError(t, err, 400, 10071)
		put(t, kv, "k", "v3")
		_, err = kv.Create(ctx(t), "k", []byte("v4"))
		requireErr(t, err, fmt.Sprintf(errKeyExistsFmt, 2), jetstream.ErrKeyExists)
		e, err := kv.Get(ctx(t), "k")
		require.NoError(t, err)
		require.Equal(t, `k@2 d0 PUT "v3"`, entry(e))
	})

	t.Run("create_over_markers", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{History: 5})
		put(t, kv, "k", "v1")
		del(t, kv, "k")
		rev, err := kv.Create(ctx(t), "k", []byte("v2"))
		require.NoError(t, err, "Create over a DEL marker")
		require.EqualValues(t, 3, rev)
		purge(t, kv, "k")
		rev, err = kv.Create(ctx(t), "k", []byte("v3"))
		require.NoError(t, err, "Create over a PURGE marker")
		require.EqualValues(t, 5, rev)
		del(t, kv, "never")
		rev, err = kv.Create(ctx(t), "never", nil)
		require.NoError(t, err, "Create over a DEL marker of a key that never had a value")
		require.EqualValues(t, 7, rev)
		h, err := kv.History(ctx(t), "k")
		require.NoError(t, err)
		require.Equal(t, []string{"k@4 d1 PURGE", `k@5 d0 PUT "v3"`}, entries(h))
	})

	t.Run("update", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{History: 5})
		rev, err := kv.Create(ctx(t), "k", []byte("v1"))
		require.NoError(t, err)
		require.EqualValues(t, 1, rev)
		for _, stale := range []uint64{99, 0} {
			rev, err = kv.Update(ctx(t), "k", []byte("v2"), stale)
			require.Zero(t, rev)
			requireErr(t, err, fmt.Sprintf(errRevMismatchFmt, 1), jetstream.ErrKeyRevisionMismatch, jetstream.ErrKeyExists)
			requireAPIError(t, err, 400, 10071)
		}
		rev, err = kv.Update(ctx(t), "k", []byte("v2"), 1)
		require.NoError(t, err)
		require.EqualValues(t, 2, rev)
		rev, err = kv.Update(ctx(t), "newkey", []byte("x"), 0)
		require.NoError(t, err, "Update with revision 0 on an absent key acts as Create")
		require.EqualValues(t, 3, rev)
		_, err = kv.Update(ctx(t), "absent", []byte("x"), 5)
		requireErr(t, err, fmt.Sprintf(errRevMismatchFmt, 0), jetstream.ErrKeyRevisionMismatch, jetstream.ErrKeyExists)
		// The revision in the message is the key's current one, not the one given.
		_, err = kv.Update(ctx(t), "k", []byte("x"), 3)
		requireErr(t, err, fmt.Sprintf(errRevMismatchFmt, 2), jetstream.ErrKeyRevisionMismatch)
	})

	t.Run("update_deleted_key", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{History: 5})
		r1 := put(t, kv, "k", "v")
		del(t, kv, "k")
		for _, rev := range []uint64{0, r1} {
			_, err := kv.Update(ctx(t), "k", []byte("v2"), rev)
			requireErr(t, err, fmt.Sprintf(errRevMismatchFmt, 2), jetstream.ErrKeyRevisionMismatch)
		}
		rev, err := kv.Update(ctx(t), "k", []byte("v2"), 2)
		require.NoError(t, err, "Update with the marker's revision")
		require.EqualValues(t, 3, rev)
	})

	t.Run("conditional_delete_purge", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{History: 5})
		put(t, kv, "k", "1")
		put(t, kv, "k", "2")
		err := kv.Delete(ctx(t), "k", jetstream.LastRevision(1))
		requireErr(t, err, fmt.Sprintf(errRevMismatchFmt, 2), jetstream.ErrKeyRevisionMismatch, jetstream.ErrKeyExists)
		del(t, kv, "k", jetstream.LastRevision(2))
		_, err = kv.Get(ctx(t), "k")
		require.Equal(t, jetstream.ErrKeyNotFound, err)
		del(t, kv, "k", jetstream.LastRevision(0)) // no header: unconditional
		err = kv.Purge(ctx(t), "k", jetstream.LastRevision(1))
		requireErr(t, err, fmt.Sprintf(errRevMismatchFmt, 4), jetstream.ErrKeyRevisionMismatch, jetstream.ErrKeyExists)
		purge(t, kv, "k", jetstream.LastRevision(4))
		h, err := kv.History(ctx(t), "k")
		require.NoError(t, err)
		require.Equal(t, []string{"k@5 d0 PURGE"}, entries(h))
	})

	t.Run("delete_and_purge", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{History: 5})
		put(t, kv, "k", "1")
		put(t, kv, "k", "2")
		del(t, kv, "k")
		e, err := kv.Get(ctx(t), "k")
		require.Nil(t, e)
		require.Equal(t, jetstream.ErrKeyNotFound, err, "Get of a deleted key")
		requireNotIs(t, err, jetstream.ErrKeyDeleted)
		require.EqualValues(t, 3, status(t, kv).Values(), "a DEL marker is stored and keeps the history")
		purge(t, kv, "k")
		require.EqualValues(t, 1, status(t, kv).Values(), "a PURGE marker rolls up the key")
		del(t, kv, "never-existed")
		purge(t, kv, "never-existed2")
		require.EqualValues(t, 3, status(t, kv).Values(), "markers for keys that never existed are stored")
		h, err := kv.History(ctx(t), "never-existed")
		require.NoError(t, err)
		require.Equal(t, []string{"never-existed@5 d0 DEL"}, entries(h))
	})

	t.Run("ttl_write_errors", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{History: 5})
		put(t, kv, "k", "v")
		err := kv.Delete(ctx(t), "k", jetstream.PurgeTTL(time.Second))
		require.Equal(t, jetstream.ErrTTLOnDeleteNotSupported, err)
		require.EqualError(t, err, "nats: TTL is not supported on delete")
		err = kv.Purge(ctx(t), "k", jetstream.PurgeTTL(2*time.Second))
		requireErr(t, err, errTTLDisabled)
		requireAPIError(t, err, 400, 10166)
		_, err = kv.Create(ctx(t), "t", []byte("x"), jetstream.KeyTTL(2*time.Second))
		requireErr(t, err, errTTLDisabled)
		_, err = kv.Create(ctx(t), "t", []byte("x"), jetstream.KeyTTL(500*time.Millisecond))
		requireErr(t, err, errTTLInvalid) // a TTL under 1s gives 10165 even without LimitMarkerTTL
		requireAPIError(t, err, 400, 10165)
		rev, err := kv.Create(ctx(t), "t", []byte("x"), jetstream.KeyTTL(-time.Second))
		require.NoError(t, err, "a KeyTTL <= 0 is ignored")
		require.EqualValues(t, 2, rev)

		lmt := s.kv(t, jetstream.KeyValueConfig{LimitMarkerTTL: time.Second})
		_, err = lmt.Create(ctx(t), "h", []byte("v"), jetstream.KeyTTL(500*time.Millisecond))
		requireErr(t, err, errTTLInvalid)
		err = lmt.Purge(ctx(t), "h", jetstream.PurgeTTL(999*time.Millisecond))
		requireErr(t, err, errTTLInvalid)
		put(t, lmt, "exists", "v")
		_, err = lmt.Create(ctx(t), "exists", []byte("v"), jetstream.KeyTTL(time.Hour))
		requireErr(t, err, fmt.Sprintf(errKeyExistsFmt, 1), jetstream.ErrKeyExists)
		rev, err = lmt.Create(ctx(t), "new", []byte("v"), jetstream.KeyTTL(time.Hour))
		require.NoError(t, err)
		require.EqualValues(t, 2, rev)
		require.NoError(t, lmt.Purge(ctx(t), "exists", jetstream.PurgeTTL(time.Hour)))
	})

	t.Run("max_payload", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{})
		_, err := kv.Put(ctx(t), "big", bytes.Repeat([]byte("x"), 1024*1024+1))
		requireErr(t, err, "nats: maximum payload exceeded", nats.ErrMaxPayload)
		rev, err := kv.Put(ctx(t), "big", bytes.Repeat([]byte("x"), 1000*1000))
		require.NoError(t, err, "a value under 1 MiB is accepted")
		require.EqualValues(t, 1, rev)
	})

	t.Run("entry_fields", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{Bucket: "E", History: 5})
		put(t, kv, "a", "1")
		put(t, kv, "a", "2")
		e, err := kv.Get(ctx(t), "a")
		require.NoError(t, err)
		require.Equal(t, "E", e.Bucket())
		require.Equal(t, "a", e.Key())
		require.Equal(t, []byte("2"), e.Value())
		require.EqualValues(t, 2, e.Revision())
		require.Zero(t, e.Delta(), "Get's Delta is always 0")
		require.Equal(t, jetstream.KeyValuePut, e.Operation())
		require.Equal(t, time.UTC, e.Created().Location(), "Get's Created() is in UTC")
		require.False(t, e.Created().IsZero())
		old, err := kv.GetRevision(ctx(t), "a", 1)
		require.NoError(t, err)
		require.Equal(t, time.UTC, old.Created().Location())
		require.False(t, old.Created().After(e.Created()), "store times do not go backwards")

		w, err := kv.Watch(ctx(t), "a")
		require.NoError(t, err)
		we := recv(t, w.Updates(), nil)
		require.NotNil(t, we)
		require.Equal(t, "E", we.Bucket())
		require.Equal(t, time.Local, we.Created().Location(), "a watcher's Created() is in the local zone")
		require.True(t, we.Created().Equal(e.Created()), "same instant: watch %v, get %v", we.Created(), e.Created())
	})

	t.Run("empty_value", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{})
		rev, err := kv.Put(ctx(t), "empty", nil)
		require.NoError(t, err)
		require.EqualValues(t, 1, rev)
		e, err := kv.Get(ctx(t), "empty")
		require.NoError(t, err)
		require.NotNil(t, e.Value(), "a Put of nil reads back as a non-nil empty slice")
		require.Empty(t, e.Value())
		_, err = kv.PutString(ctx(t), "s", "")
		require.NoError(t, err)
	})

	t.Run("value_copying", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{History: 5})
		buf := []byte("hello")
		put := func(key string) {
			_, err := kv.Put(ctx(t), key, buf)
			require.NoError(t, err)
		}
		put("a")
		buf[0] = 'J'
		e, err := kv.Get(ctx(t), "a")
		require.NoError(t, err)
		require.Equal(t, "hello", string(e.Value()), "mutating the slice passed to Put changes nothing stored")
		e.Value()[0] = 'X'
		e2, err := kv.Get(ctx(t), "a")
		require.NoError(t, err)
		require.Equal(t, "hello", string(e2.Value()), "mutating Value() changes nothing stored")

		w, err := kv.Watch(ctx(t), "a")
		require.NoError(t, err)
		we := recv(t, w.Updates(), nil)
		require.Equal(t, "hello", string(we.Value()))
		we.Value()[0] = 'Y'
		w2, err := kv.Watch(ctx(t), "a")
		require.NoError(t, err)
		require.Equal(t, "hello", string(recv(t, w2.Updates(), nil).Value()), "mutating a watched Value() changes nothing stored")
		h, err := kv.History(ctx(t), "a")
		require.NoError(t, err)
		require.Equal(t, "hello", string(h[0].Value()))
	})

	t.Run("cancelled_context", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{})
		put(t, kv, "a", "1")
		c, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := kv.Get(c, "a")
		requireErr(t, err, "context canceled", context.Canceled)
	})
}
