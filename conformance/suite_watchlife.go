package conformance

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
)

// testWatchLife covers SEMANTICS 2.2 (WatchFiltered arguments), 6.1 (option
// conflicts, delivery right after Watch returns) and 6.5 (channel, Stop,
// context).
func (s *suite) testWatchLife(t *testing.T) {
	t.Run("option_conflicts", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{})
		_, err := kv.Watch(ctx(t), ">", jetstream.IncludeHistory(), jetstream.UpdatesOnly())
		requireErr(t, err, "nats: invalid jetstream option: updates only cannot be used with include history", jetstream.ErrInvalidOption)
		_, err = kv.WatchAll(ctx(t), jetstream.UpdatesOnly(), jetstream.IncludeHistory())
		requireErr(t, err, "nats: invalid jetstream option: include history cannot be used with updates only", jetstream.ErrInvalidOption)
	})

	t.Run("filtered_overlap", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{})
		for _, filters := range [][]string{{"a.>", "a.b"}, {"a", "a"}, {">", "x"}, {"*", "a"}} {
			_, err := kv.WatchFiltered(ctx(t), filters)
			requireErr(t, err, "nats: consumer subject filters cannot overlap")
			var apiErr *nats.APIError
			require.ErrorAs(t, err, &apiErr)
			require.Equal(t, 400, apiErr.Code)
			require.Equal(t, nats.ErrorCode(10138), apiErr.ErrorCode)
		}
	})

	t.Run("filtered_rewrites_slice", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{Bucket: "K2"})
		in := []string{"a", "b"}
		w, err := kv.WatchFiltered(ctx(t), in)
		require.NoError(t, err)
		require.Equal(t, []string{"$KV.K2.a", "$KV.K2.b"}, in, "WatchFiltered rewrites the caller's slice in place")
		require.Equal(t, []string{nilEntry}, untilNil(t, w))
	})

	t.Run("filtered_empty_means_all", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{})
		put(t, kv, "a", "1")
		put(t, kv, "b.c", "2")
		for _, filters := range [][]string{nil, {}} {
			w, err := kv.WatchFiltered(ctx(t), filters)
			require.NoError(t, err)
			require.Equal(t, []string{`a@1 d1 PUT "1"`, `b.c@2 d0 PUT "2"`, nilEntry}, untilNil(t, w))
			require.NoError(t, w.Stop())
		}
	})

	t.Run("put_right_after_watch", func(t *testing.T) {
		// History 5, so that k@1 is still stored when the second watcher
		// sends it; its delta may be 1 if k@2 was stored by then (6.4.4).
		kv := s.kv(t, jetstream.KeyValueConfig{History: 5})
		u, err := kv.Watch(ctx(t), "k", jetstream.UpdatesOnly())
		require.NoError(t, err)
		put(t, kv, "k", "1")
		w, err := kv.Watch(ctx(t), "k")
		require.NoError(t, err)
		put(t, kv, "k", "2")
		require.Equal(t, []string{`k@1 PUT "1"`, `k@2 PUT "2"`}, untilRev(t, u, 2))
		require.Equal(t, []string{`k@1 PUT "1"`, nilEntry, `k@2 PUT "2"`}, readN(t, w, 3, liveEntry))
	})

	t.Run("channel_capacity_and_backlog", func(t *testing.T) {
		// A watcher that is not read does not block writers and loses nothing
		// (6.5.1). Distinct keys, so nothing is evicted while it lags. Live
		// deltas depend on timing and are not asserted.
		kv := s.kv(t, jetstream.KeyValueConfig{})
		w, err := kv.WatchAll(ctx(t))
		require.NoError(t, err)
		require.Equal(t, 256, cap(w.Updates()))
		require.Nil(t, recv(t, w.Updates(), nil))
		const n = 600
		for i := range n {
			_, err := kv.PutString(ctx(t), fmt.Sprintf("k%d", i), "x")
			require.NoError(t, err)
		}
		for i := range n {
			e := recv(t, w.Updates(), nil)
			require.NotNil(t, e, "entry %d", i)
			require.EqualValues(t, i+1, e.Revision(), "entry %d", i)
			require.Equal(t, fmt.Sprintf("k%d", i), e.Key())
		}
		require.NoError(t, w.Stop())
	})

	t.Run("stop", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{})
		for i := range 5 {
			put(t, kv, fmt.Sprintf("k%d", i), "v")
		}
		w, err := kv.WatchAll(ctx(t))
		require.NoError(t, err)
		eventually(t, func() bool { return len(w.Updates()) == 6 }, "5 entries and nil buffered")
		require.NoError(t, w.Stop())
		require.Equal(t, []string{`k0@1 d4 PUT "v"`, `k1@2 d3 PUT "v"`, `k2@3 d2 PUT "v"`, `k3@4 d1 PUT "v"`, `k4@5 d0 PUT "v"`, nilEntry},
			untilClosed(t, w.Updates(), entry), "buffered entries stay readable after Stop, then the channel closes")
		requireErr(t, w.Stop(), "nats: invalid subscription", nats.ErrBadSubscription)
	})

	t.Run("stop_live", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{})
		w, err := kv.WatchAll(ctx(t), jetstream.UpdatesOnly())
		require.NoError(t, err)
		put(t, kv, "a", "1")
		require.Equal(t, []string{`a@1 PUT "1"`}, untilRev(t, w, 1))
		require.NoError(t, w.Stop())
		require.Empty(t, untilClosed(t, w.Updates(), entry))
		put(t, kv, "a", "2") // writes after Stop go nowhere and do not block
	})

	t.Run("context_cancel", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{})
		for i := range 5 {
			put(t, kv, fmt.Sprintf("k%d", i), "v")
		}
		c, cancel := context.WithCancel(ctx(t))
		w, err := kv.WatchAll(c)
		require.NoError(t, err)
		eventually(t, func() bool { return len(w.Updates()) == 6 }, "5 entries and nil buffered")
		cancel()
		require.Equal(t, []string{`k0@1 d4 PUT "v"`, `k1@2 d3 PUT "v"`, `k2@3 d2 PUT "v"`, `k3@4 d1 PUT "v"`, `k4@5 d0 PUT "v"`, nilEntry},
			untilClosed(t, w.Updates(), entry), "cancel acts like Stop")
	})

	t.Run("context_deadline", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{})
		put(t, kv, "a", "1")
		c, cancel := context.WithTimeout(ctx(t), 300*time.Millisecond)
		defer cancel()
		w, err := kv.WatchAll(c)
		require.NoError(t, err)
		require.Equal(t, []string{`a@1 d0 PUT "1"`, nilEntry}, untilNil(t, w))
		require.Empty(t, untilClosed(t, w.Updates(), entry), "the channel closes at the deadline")
		require.Error(t, c.Err())
	})

	t.Run("context_already_cancelled", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{})
		put(t, kv, "a", "1")
		c, cancel := context.WithCancel(context.Background())
		cancel()
		for name, fn := range map[string]func() error{
			"Watch":    func() error { _, err := kv.Watch(c, "a"); return err },
			"WatchAll": func() error { _, err := kv.WatchAll(c); return err },
			"Keys":     func() error { _, err := kv.Keys(c); return err },
			"History":  func() error { _, err := kv.History(c, "a"); return err },
			"ListKeys": func() error { _, err := kv.ListKeys(c); return err },
		} {
			err := fn()
			require.Error(t, err, name)
			requireErr(t, err, "context canceled", context.Canceled)
		}
	})

	t.Run("list_keys_stop", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{})
		put(t, kv, "a", "1")
		put(t, kv, "b", "1")
		kl, err := kv.ListKeys(ctx(t))
		require.NoError(t, err)
		require.Equal(t, []string{"a", "b"}, listed(t, kl))
	})

	t.Run("several_watchers", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{History: 5})
		w1, err := kv.WatchAll(ctx(t))
		require.NoError(t, err)
		w2, err := kv.Watch(ctx(t), "a.*")
		require.NoError(t, err)
		require.Equal(t, []string{nilEntry}, untilNil(t, w1))
		require.Equal(t, []string{nilEntry}, untilNil(t, w2))
		put(t, kv, "a.1", "x")
		put(t, kv, "b", "y")
		del(t, kv, "a.1")
		put(t, kv, "a.2", "z")
		require.Equal(t, []string{`a.1@1 PUT "x"`, `b@2 PUT "y"`, "a.1@3 DEL", `a.2@4 PUT "z"`}, untilRev(t, w1, 4))
		require.Equal(t, []string{`a.1@1 PUT "x"`, "a.1@3 DEL", `a.2@4 PUT "z"`}, untilRev(t, w2, 4))
		require.NoError(t, w1.Stop())
		put(t, kv, "a.3", "w")
		require.Equal(t, []string{`a.3@5 PUT "w"`}, untilRev(t, w2, 5), "stopping one watcher leaves the others")
	})
}
