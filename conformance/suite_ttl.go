package conformance

import (
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
)

// testTTL covers the cases that need time to pass: bucket TTL (SEMANTICS
// 5.2), limit markers (5.3), per-key TTL (5.4) and PurgeDeletes' age
// threshold (5.8). Each case reads "do X, sleep(d), observe Y"; after a
// sleep the suite still waits (in real time, up to waitTimeout) for the
// effect, because the real server checks expiry on a timer (at least 250 ms
// apart). Sleeps leave generous margins on both sides of every deadline.
//
// With the default sleep (time.Sleep) the cases run concurrently, each on
// its own manager. A custom sleep usually advances a clock shared by every
// manager, so with WithSleep they run one after another.
func (s *suite) testTTL(t *testing.T) {
	parallel := s.sleepIsReal
	cases := []struct {
		name string
		fn   func(t *testing.T)
	}{
		{"bucket_ttl_silent", s.ttlBucketSilent},
		{"limit_marker", s.ttlLimitMarker},
		{"limit_marker_removed_silently", s.ttlMarkerRemoved},
		{"limit_marker_lifetime_bounded_by_ttl", s.ttlMarkerBoundedByTTL},
		{"expiring_markers", s.ttlExpiringMarkers},
		{"key_ttl", s.ttlKeyTTL},
		{"key_ttl_raised", s.ttlKeyTTLRaised},
		{"purge_ttl", s.ttlPurgeTTL},
		{"markers_and_purge_deletes", s.ttlMarkersPurgeDeletes},
		{"purge_deletes_older_than", s.ttlPurgeDeletesOlderThan},
	}
	if !parallel {
		for _, tc := range cases {
			t.Run(tc.name, tc.fn)
		}
		return
	}
	// t.Run may be called from several goroutines at once. Unlike
	// t.Parallel, this is not capped by -parallel (GOMAXPROCS), and these
	// cases mostly sleep.
	var wg sync.WaitGroup
	for _, tc := range cases {
		wg.Go(func() { t.Run(tc.name, tc.fn) })
	}
	wg.Wait()
}

// ttlBucketSilent: without LimitMarkerTTL, expiry removes the key silently:
// no revision, no watcher event (5.2.3).
func (s *suite) ttlBucketSilent(t *testing.T) {
	kv := s.kv(t, jetstream.KeyValueConfig{TTL: time.Second, History: 3})
	w, err := kv.WatchAll(ctx(t), jetstream.UpdatesOnly())
	require.NoError(t, err)
	put(t, kv, "a", "1")
	put(t, kv, "a", "2")
	require.Equal(t, []string{`a@1 PUT "1"`, `a@2 PUT "2"`}, untilRev(t, w, 2))
	s.sleep(1500 * time.Millisecond)
	eventually(t, valuesAre(t, kv, 0), "both revisions expire")
	_, err = kv.Get(ctx(t), "a")
	require.Equal(t, jetstream.ErrKeyNotFound, err)
	_, err = kv.Keys(ctx(t))
	require.Equal(t, jetstream.ErrNoKeysFound, err)
	require.EqualValues(t, 3, put(t, kv, "z", "end"), "expiry used no revision")
	require.Equal(t, []string{`z@3 PUT "end"`}, untilRev(t, w, 3), "expiry sends no event")
}

// ttlLimitMarker: with LimitMarkerTTL the last message of a key becomes a
// MaxAge marker with a new revision; older revisions expire silently
// (5.3.1, 5.3.3, 5.3.5).
func (s *suite) ttlLimitMarker(t *testing.T) {
	kv := s.kv(t, jetstream.KeyValueConfig{Bucket: "MM47", TTL: time.Second, LimitMarkerTTL: 5 * time.Second, History: 3})
	w, err := kv.WatchAll(ctx(t), jetstream.IncludeHistory())
	require.NoError(t, err)
	require.Equal(t, []string{nilEntry}, untilNil(t, w))
	put(t, kv, "a", "1")
	put(t, kv, "a", "2")
	put(t, kv, "a", "3")
	require.Equal(t, []string{`a@1 PUT "1"`, `a@2 PUT "2"`, `a@3 PUT "3"`}, untilRev(t, w, 3))
	s.sleep(1200 * time.Millisecond)
	require.Equal(t, []string{"a@4 PURGE"}, untilRev(t, w, 4),
		"only the last revision becomes a marker")
	// The marker lives min(LimitMarkerTTL, TTL) = 1 s from now: observe at once.
	st := status(t, kv)
	require.EqualValues(t, 1, st.Values())
	require.Equal(t, memSize("MM47", "a", hdrLimitMarker(5*time.Second), 0), st.Bytes())
	_, err = kv.Get(ctx(t), "a")
	require.Equal(t, jetstream.ErrKeyNotFound, err, "a limit marker reads as deleted")
	_, err = kv.GetRevision(ctx(t), "a", 4)
	require.Equal(t, jetstream.ErrKeyNotFound, err)
	h, err := kv.History(ctx(t), "a")
	require.NoError(t, err)
	require.Equal(t, []string{"a@4 d0 PURGE"}, entries(h))
	_, err = kv.Keys(ctx(t))
	require.Equal(t, jetstream.ErrNoKeysFound, err, "Keys leaves out keys whose latest is a limit marker")
	v, err := kv.WatchAll(ctx(t))
	require.NoError(t, err)
	require.Equal(t, []string{"a@4 d0 PURGE", nilEntry}, untilNil(t, v))
}

// ttlMarkerRemoved: a limit marker expires silently (5.3.4).
func (s *suite) ttlMarkerRemoved(t *testing.T) {
	kv := s.kv(t, jetstream.KeyValueConfig{TTL: time.Second, LimitMarkerTTL: time.Second})
	w, err := kv.WatchAll(ctx(t), jetstream.UpdatesOnly())
	require.NoError(t, err)
	put(t, kv, "a", "1")
	require.Equal(t, []string{`a@1 PUT "1"`}, untilRev(t, w, 1))
	s.sleep(1200 * time.Millisecond)
	require.Equal(t, []string{"a@2 PURGE"}, untilRev(t, w, 2))
	s.sleep(1500 * time.Millisecond)
	eventually(t, valuesAre(t, kv, 0), "the marker expires")
	require.EqualValues(t, 3, put(t, kv, "z", "end"))
	require.Equal(t, []string{`z@3 PUT "end"`}, untilRev(t, w, 3), "no event when the marker goes")
}

// ttlMarkerBoundedByTTL: the bucket TTL removes a marker before its own
// LimitMarkerTTL runs out (5.3.4; TTL 2 s, LMT 5 s: gone at 4 s, not 7 s).
func (s *suite) ttlMarkerBoundedByTTL(t *testing.T) {
	kv := s.kv(t, jetstream.KeyValueConfig{TTL: 2 * time.Second, LimitMarkerTTL: 5 * time.Second})
	put(t, kv, "a", "1")
	s.sleep(2500 * time.Millisecond)
	eventually(t, func() bool {
		h, err := kv.History(t.Context(), "a")
		return err == nil && len(h) == 1 && entry(h[0]) == "a@2 d0 PURGE"
	}, "marker in place of a")
	s.sleep(2500 * time.Millisecond)
	eventually(t, valuesAre(t, kv, 0), "marker removed by the bucket TTL")
}

// ttlExpiringMarkers: an expiring DEL marker is replaced by a MaxAge marker;
// an expiring PURGE marker just disappears (5.3.1).
func (s *suite) ttlExpiringMarkers(t *testing.T) {
	kv := s.kv(t, jetstream.KeyValueConfig{TTL: time.Second, LimitMarkerTTL: 3 * time.Second, History: 3})
	w, err := kv.WatchAll(ctx(t), jetstream.UpdatesOnly())
	require.NoError(t, err)
	put(t, kv, "x", "1")
	del(t, kv, "x")
	put(t, kv, "y", "1")
	// Read before the rollup: on the real server a message removed before
	// its delivery is skipped.
	require.Equal(t, []string{`x@1 PUT "1"`, "x@2 DEL", `y@3 PUT "1"`}, untilRev(t, w, 3))
	purge(t, kv, "y")
	require.Equal(t, []string{"y@4 PURGE"}, untilRev(t, w, 4))
	s.sleep(1200 * time.Millisecond)
	require.Equal(t, []string{"x@5 PURGE"}, untilRev(t, w, 5))
	// y's marker may go in a later expiry pass than x's.
	eventually(t, func() bool {
		_, err := kv.History(t.Context(), "y")
		return err == jetstream.ErrKeyNotFound
	}, "y's PURGE marker expires")
	require.EqualValues(t, 6, put(t, kv, "z", "end"))
	require.Equal(t, []string{`z@6 PUT "end"`}, untilRev(t, w, 6), "no marker for y")
}

// ttlKeyTTL: a per-key TTL makes the key a MaxAge marker; it is truncated to
// whole seconds; an Update (no TTL) keeps the key (5.4.1, 5.4.4, 5.4.5).
func (s *suite) ttlKeyTTL(t *testing.T) {
	kv := s.kv(t, jetstream.KeyValueConfig{LimitMarkerTTL: time.Second})
	w, err := kv.WatchAll(ctx(t), jetstream.UpdatesOnly())
	require.NoError(t, err)
	create := func(key string, ttl time.Duration) uint64 {
		rev, err := kv.Create(ctx(t), key, []byte("v"), jetstream.KeyTTL(ttl))
		require.NoError(t, err, "Create(%q, KeyTTL(%v))", key, ttl)
		return rev
	}
	create("k", time.Second)
	create("f", 1900*time.Millisecond) // truncated to 1s
	rev := create("u", time.Second)
	require.Equal(t, []string{`k@1 PUT "v"`, `f@2 PUT "v"`, `u@3 PUT "v"`}, untilRev(t, w, 3))
	_, err = kv.Update(ctx(t), "u", []byte("v2"), rev)
	require.NoError(t, err)
	require.Equal(t, []string{`u@4 PUT "v2"`}, untilRev(t, w, 4))
	s.sleep(1500 * time.Millisecond)
	require.Equal(t, []string{"k@5 PURGE", "f@6 PURGE"}, untilRev(t, w, 6))
	for _, k := range []string{"k", "f"} {
		_, err := kv.Get(ctx(t), k)
		require.Equal(t, jetstream.ErrKeyNotFound, err, "Get(%q)", k)
	}
	e, err := kv.Get(ctx(t), "u")
	require.NoError(t, err)
	require.Equal(t, `u@4 d0 PUT "v2"`, entry(e), "Update wrote no TTL")
	keys, err := kv.Keys(ctx(t))
	require.NoError(t, err)
	require.Equal(t, []string{"u"}, keys)
	s.sleep(1500 * time.Millisecond)
	eventually(t, valuesAre(t, kv, 1), "markers expire after LimitMarkerTTL")
	require.EqualValues(t, 7, put(t, kv, "z", "end"))
	require.Equal(t, []string{`z@7 PUT "end"`}, untilRev(t, w, 7))
}

// ttlKeyTTLRaised: with History != 1 a TTL below LimitMarkerTTL is raised to
// it (5.4.3).
func (s *suite) ttlKeyTTLRaised(t *testing.T) {
	kv := s.kv(t, jetstream.KeyValueConfig{LimitMarkerTTL: 3 * time.Second, History: 5})
	w, err := kv.WatchAll(ctx(t), jetstream.UpdatesOnly())
	require.NoError(t, err)
	_, err = kv.Create(ctx(t), "z", []byte("v"), jetstream.KeyTTL(time.Second))
	require.NoError(t, err)
	require.Equal(t, []string{`z@1 PUT "v"`}, untilRev(t, w, 1))
	s.sleep(1500 * time.Millisecond)
	e, err := kv.Get(ctx(t), "z")
	require.NoError(t, err, "still there after 1.5 s: the TTL was raised to 3 s")
	require.Equal(t, `z@1 d0 PUT "v"`, entry(e))
	s.sleep(2000 * time.Millisecond)
	require.Equal(t, []string{"z@2 PURGE"}, untilRev(t, w, 2))
}

// ttlPurgeTTL: a PURGE marker with a TTL disappears silently (5.4.6).
func (s *suite) ttlPurgeTTL(t *testing.T) {
	kv := s.kv(t, jetstream.KeyValueConfig{LimitMarkerTTL: time.Second, History: 3})
	w, err := kv.WatchAll(ctx(t), jetstream.UpdatesOnly())
	require.NoError(t, err)
	put(t, kv, "p", "v")
	require.Equal(t, []string{`p@1 PUT "v"`}, untilRev(t, w, 1))
	purge(t, kv, "p", jetstream.PurgeTTL(time.Second))
	require.Equal(t, []string{"p@2 PURGE"}, untilRev(t, w, 2))
	require.EqualValues(t, 1, status(t, kv).Values())
	s.sleep(1500 * time.Millisecond)
	eventually(t, valuesAre(t, kv, 0), "the PURGE marker expires")
	_, err = kv.History(ctx(t), "p")
	require.Equal(t, jetstream.ErrKeyNotFound, err)
	require.EqualValues(t, 3, put(t, kv, "z", "end"))
	require.Equal(t, []string{`z@3 PUT "end"`}, untilRev(t, w, 3), "no event when the PURGE marker goes")
}

// ttlMarkersPurgeDeletes: limit markers count as deleted for Keys, Create
// and PurgeDeletes (3.4.1, 5.3.3, 5.8.1).
func (s *suite) ttlMarkersPurgeDeletes(t *testing.T) {
	kv := s.kv(t, jetstream.KeyValueConfig{LimitMarkerTTL: 30 * time.Second})
	for _, k := range []string{"a", "b"} {
		_, err := kv.Create(ctx(t), k, []byte("1"), jetstream.KeyTTL(time.Second))
		require.NoError(t, err)
	}
	put(t, kv, "c", "1")
	s.sleep(1500 * time.Millisecond)
	eventually(t, func() bool {
		keys, err := kv.Keys(t.Context())
		return err == nil && len(keys) == 1 && keys[0] == "c"
	}, "a and b replaced by limit markers")
	require.EqualValues(t, 3, status(t, kv).Values())
	h, err := kv.History(ctx(t), "a")
	require.NoError(t, err)
	require.Equal(t, []string{"a@4 d0 PURGE"}, entries(h))
	rev, err := kv.Create(ctx(t), "b", []byte("2"))
	require.NoError(t, err, "Create over a MaxAge marker")
	require.EqualValues(t, 6, rev)
	require.NoError(t, kv.PurgeDeletes(ctx(t), jetstream.DeleteMarkersOlderThan(-1)))
	require.EqualValues(t, 2, status(t, kv).Values(), "PurgeDeletes removes limit markers")
	keys, err := kv.Keys(ctx(t))
	require.NoError(t, err)
	require.Equal(t, []string{"b", "c"}, keys)
}

// ttlPurgeDeletesOlderThan: markers older than the threshold are removed
// with the key's history (5.8.2).
func (s *suite) ttlPurgeDeletesOlderThan(t *testing.T) {
	kv := s.kv(t, jetstream.KeyValueConfig{History: 5})
	put(t, kv, "a", "1")
	del(t, kv, "a")
	purge(t, kv, "b")
	put(t, kv, "c", "1")
	s.sleep(300 * time.Millisecond)
	del(t, kv, "d") // younger than the threshold
	require.NoError(t, kv.PurgeDeletes(ctx(t), jetstream.DeleteMarkersOlderThan(200*time.Millisecond)))
	st := status(t, kv)
	require.EqualValues(t, 2, st.Values(), "c and d's young marker remain")
	h, err := kv.History(ctx(t), "d")
	require.NoError(t, err)
	require.Equal(t, []string{"d@5 d0 DEL"}, entries(h))
	_, err = kv.History(ctx(t), "a")
	require.Equal(t, jetstream.ErrKeyNotFound, err)
}
