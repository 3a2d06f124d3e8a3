package conformance

import (
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
)

// watchData builds the standard data set of SEMANTICS 6.3 (history 5):
//
//	1 a=1, 2 b=1, 3 a=2, 4 c=1, 5 DEL b, 6 a=3, 7 d.x=1, 8 PURGE c (removes 4), 9 d.y=1
func (s *suite) watchData(t *testing.T) jetstream.KeyValue {
	t.Helper()
	kv := s.kv(t, jetstream.KeyValueConfig{Bucket: "W", History: 5})
	put(t, kv, "a", "1")
	put(t, kv, "b", "1")
	put(t, kv, "a", "2")
	put(t, kv, "c", "1")
	del(t, kv, "b")
	put(t, kv, "a", "3")
	put(t, kv, "d.x", "1")
	purge(t, kv, "c")
	put(t, kv, "d.y", "1")
	return kv
}

// Live entries of the standard data set, formatted by liveEntry (live
// deltas are not asserted); liveEnd is the sentinel's tail.
const (
	liveA   = `a@10 PUT "live"`
	liveDX  = "d.x@11 DEL"
	metaA   = `a@10 PUT ""`
	liveEnd = "@12 PUT \"end\""
)

// testWatch covers SEMANTICS 6.1–6.4 on the standard data set: every line
// of the condensed table in 6.3, then a live phase (Put a=live as rev 10,
// Delete d.x as rev 11, then a sentinel Put on a key the watcher matches as
// rev 12; receiving the sentinel proves nothing else was delivered before
// it). Live deltas depend on timing on the real server (6.3.3) and are not
// asserted.
func (s *suite) testWatch(t *testing.T) {
	type watchCase struct {
		name     string
		keys     []string // one key: Watch; several: WatchFiltered
		opts     []jetstream.WatchOpt
		initial  []string // up to and including "<nil>" if the watcher sends it
		live     []string // formatted with liveEntry, without the sentinel
		sentinel string   // key of the sentinel Put
		meta     bool     // MetaOnly: sentinel value reads back empty
	}
	all := []string{">"}
	cases := []watchCase{
		{"default", all, nil,
			[]string{"b@5 d4 DEL", `a@6 d3 PUT "3"`, `d.x@7 d2 PUT "1"`, "c@8 d1 PURGE", `d.y@9 d0 PUT "1"`, nilEntry},
			[]string{liveA, liveDX}, "z", false},
		{"ignore_deletes", all, []jetstream.WatchOpt{jetstream.IgnoreDeletes()},
			[]string{`a@6 d3 PUT "3"`, `d.x@7 d2 PUT "1"`, `d.y@9 d0 PUT "1"`, nilEntry},
			[]string{liveA}, "z", false},
		{"include_history", all, []jetstream.WatchOpt{jetstream.IncludeHistory()},
			[]string{`a@1 d7 PUT "1"`, `b@2 d6 PUT "1"`, `a@3 d5 PUT "2"`, "b@5 d4 DEL", `a@6 d3 PUT "3"`, `d.x@7 d2 PUT "1"`, "c@8 d1 PURGE", `d.y@9 d0 PUT "1"`, nilEntry},
			[]string{liveA, liveDX}, "z", false},
		{"include_history_ignore_deletes", all, []jetstream.WatchOpt{jetstream.IncludeHistory(), jetstream.IgnoreDeletes()},
			[]string{`a@1 d7 PUT "1"`, `b@2 d6 PUT "1"`, `a@3 d5 PUT "2"`, `a@6 d3 PUT "3"`, `d.x@7 d2 PUT "1"`, `d.y@9 d0 PUT "1"`, nilEntry},
			[]string{liveA}, "z", false},
		{"meta_only", all, []jetstream.WatchOpt{jetstream.MetaOnly()},
			[]string{"b@5 d4 DEL", `a@6 d3 PUT ""`, `d.x@7 d2 PUT ""`, "c@8 d1 PURGE", `d.y@9 d0 PUT ""`, nilEntry},
			[]string{metaA, liveDX}, "z", true},
		{"include_history_meta_only", all, []jetstream.WatchOpt{jetstream.IncludeHistory(), jetstream.MetaOnly()},
			[]string{`a@1 d7 PUT ""`, `b@2 d6 PUT ""`, `a@3 d5 PUT ""`, "b@5 d4 DEL", `a@6 d3 PUT ""`, `d.x@7 d2 PUT ""`, "c@8 d1 PURGE", `d.y@9 d0 PUT ""`, nilEntry},
			[]string{metaA, liveDX}, "z", true},
		{"updates_only", all, []jetstream.WatchOpt{jetstream.UpdatesOnly()},
			nil, []string{liveA, liveDX}, "z", false},
		{"updates_only_ignore_deletes", all, []jetstream.WatchOpt{jetstream.UpdatesOnly(), jetstream.IgnoreDeletes()},
			nil, []string{liveA}, "z", false},
		{"resume_5", all, []jetstream.WatchOpt{jetstream.ResumeFromRevision(5)},
			[]string{"b@5 d4 DEL", `a@6 d3 PUT "3"`, `d.x@7 d2 PUT "1"`, "c@8 d1 PURGE", `d.y@9 d0 PUT "1"`, nilEntry},
			[]string{liveA, liveDX}, "z", false},
		{"resume_4_purged", all, []jetstream.WatchOpt{jetstream.ResumeFromRevision(4)},
			[]string{"b@5 d4 DEL", `a@6 d3 PUT "3"`, `d.x@7 d2 PUT "1"`, "c@8 d1 PURGE", `d.y@9 d0 PUT "1"`, nilEntry},
			[]string{liveA, liveDX}, "z", false},
		{"resume_1", all, []jetstream.WatchOpt{jetstream.ResumeFromRevision(1)},
			[]string{`a@1 d7 PUT "1"`, `b@2 d6 PUT "1"`, `a@3 d5 PUT "2"`, "b@5 d4 DEL", `a@6 d3 PUT "3"`, `d.x@7 d2 PUT "1"`, "c@8 d1 PURGE", `d.y@9 d0 PUT "1"`, nilEntry},
			[]string{liveA, liveDX}, "z", false},
		{"resume_5_include_history", all, []jetstream.WatchOpt{jetstream.ResumeFromRevision(5), jetstream.IncludeHistory()},
			[]string{"b@5 d4 DEL", `a@6 d3 PUT "3"`, `d.x@7 d2 PUT "1"`, "c@8 d1 PURGE", `d.y@9 d0 PUT "1"`, nilEntry},
			[]string{liveA, liveDX}, "z", false},
		{"resume_5_updates_only", all, []jetstream.WatchOpt{jetstream.ResumeFromRevision(5), jetstream.UpdatesOnly()},
			[]string{"b@5 d4 DEL", `a@6 d3 PUT "3"`, `d.x@7 d2 PUT "1"`, "c@8 d1 PURGE", `d.y@9 d0 PUT "1"`},
			[]string{liveA, liveDX}, "z", false},
		{"updates_only_resume_5", all, []jetstream.WatchOpt{jetstream.UpdatesOnly(), jetstream.ResumeFromRevision(5)},
			[]string{"b@5 d4 DEL", `a@6 d3 PUT "3"`, `d.x@7 d2 PUT "1"`, "c@8 d1 PURGE", `d.y@9 d0 PUT "1"`},
			[]string{liveA, liveDX}, "z", false},
		{"resume_5_ignore_deletes", all, []jetstream.WatchOpt{jetstream.ResumeFromRevision(5), jetstream.IgnoreDeletes()},
			[]string{`a@6 d3 PUT "3"`, `d.x@7 d2 PUT "1"`, `d.y@9 d0 PUT "1"`, nilEntry},
			[]string{liveA}, "z", false},
		{"resume_9", all, []jetstream.WatchOpt{jetstream.ResumeFromRevision(9)},
			[]string{`d.y@9 d0 PUT "1"`, nilEntry},
			[]string{liveA, liveDX}, "z", false},
		{"resume_10_next", all, []jetstream.WatchOpt{jetstream.ResumeFromRevision(10)},
			[]string{nilEntry},
			[]string{liveA, liveDX}, "z", false},
		// A start beyond the next revision: revision 10 is never delivered.
		{"resume_11_future", all, []jetstream.WatchOpt{jetstream.ResumeFromRevision(11)},
			[]string{nilEntry},
			[]string{liveDX}, "z", false},
		{"watch_a", []string{"a"}, nil,
			[]string{`a@6 d0 PUT "3"`, nilEntry},
			[]string{liveA}, "a", false},
		{"watch_a_include_history", []string{"a"}, []jetstream.WatchOpt{jetstream.IncludeHistory()},
			[]string{`a@1 d2 PUT "1"`, `a@3 d1 PUT "2"`, `a@6 d0 PUT "3"`, nilEntry},
			[]string{liveA}, "a", false},
		{"watch_a_resume_2", []string{"a"}, []jetstream.WatchOpt{jetstream.ResumeFromRevision(2)},
			[]string{`a@3 d1 PUT "2"`, `a@6 d0 PUT "3"`, nilEntry},
			[]string{liveA}, "a", false},
		{"watch_b_deleted", []string{"b"}, nil,
			[]string{"b@5 d0 DEL", nilEntry},
			nil, "b", false},
		{"watch_b_deleted_ignore_deletes", []string{"b"}, []jetstream.WatchOpt{jetstream.IgnoreDeletes()},
			[]string{nilEntry},
			nil, "b", false},
		{"watch_d_star", []string{"d.*"}, nil,
			[]string{`d.x@7 d1 PUT "1"`, `d.y@9 d0 PUT "1"`, nilEntry},
			[]string{liveDX}, "d.z", false},
		{"watch_d_gt", []string{"d.>"}, nil,
			[]string{`d.x@7 d1 PUT "1"`, `d.y@9 d0 PUT "1"`, nilEntry},
			[]string{liveDX}, "d.z", false},
		{"watch_star", []string{"*"}, nil,
			[]string{"b@5 d2 DEL", `a@6 d1 PUT "3"`, "c@8 d0 PURGE", nilEntry},
			[]string{liveA}, "z", false},
		// Keys whose latest message is a marker are counted in the deltas
		// even when IgnoreDeletes hides them (6.3.1): c is hidden last, so
		// the last entry shown has delta 1 and nil still follows.
		{"watch_star_ignore_deletes", []string{"*"}, []jetstream.WatchOpt{jetstream.IgnoreDeletes()},
			[]string{`a@6 d1 PUT "3"`, nilEntry},
			[]string{liveA}, "z", false},
		{"watch_nothere", []string{"nothere"}, nil,
			[]string{nilEntry},
			nil, "nothere", false},
		{"filtered_a_dx", []string{"a", "d.x"}, nil,
			[]string{`a@6 d1 PUT "3"`, `d.x@7 d0 PUT "1"`, nilEntry},
			[]string{liveA, liveDX}, "a", false},
		{"filtered_c_b_include_history", []string{"c", "b"}, []jetstream.WatchOpt{jetstream.IncludeHistory()},
			[]string{`b@2 d2 PUT "1"`, "b@5 d1 DEL", "c@8 d0 PURGE", nilEntry},
			nil, "c", false},
		{"filtered_star_dstar", []string{"*", "d.*"}, nil,
			[]string{"b@5 d4 DEL", `a@6 d3 PUT "3"`, `d.x@7 d2 PUT "1"`, "c@8 d1 PURGE", `d.y@9 d0 PUT "1"`, nilEntry},
			[]string{liveA, liveDX}, "z", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			kv := s.watchData(t)
			var w jetstream.KeyWatcher
			var err error
			if len(tc.keys) == 1 {
				w, err = kv.Watch(ctx(t), tc.keys[0], tc.opts...)
			} else {
				w, err = kv.WatchFiltered(ctx(t), append([]string(nil), tc.keys...), tc.opts...)
			}
			require.NoError(t, err)
			initial := readN(t, w, len(tc.initial), entry)
			require.Equal(t, orEmpty(tc.initial), initial, "initial entries")

			_, err = kv.PutString(ctx(t), "a", "live")
			require.NoError(t, err)
			require.NoError(t, kv.Delete(ctx(t), "d.x"))
			rev := put(t, kv, tc.sentinel, "end")
			require.EqualValues(t, 12, rev)
			sentinel := tc.sentinel + liveEnd
			if tc.meta {
				sentinel = tc.sentinel + `@12 PUT ""`
			}
			require.Equal(t, append(orEmpty(tc.live), sentinel), untilRev(t, w, 12), "live entries")
			require.NoError(t, w.Stop())
		})
	}

	t.Run("watch_all_is_watch_gt", func(t *testing.T) {
		kv := s.watchData(t)
		w, err := kv.WatchAll(ctx(t), jetstream.IgnoreDeletes())
		require.NoError(t, err)
		require.Equal(t, []string{`a@6 d3 PUT "3"`, `d.x@7 d2 PUT "1"`, `d.y@9 d0 PUT "1"`, nilEntry}, untilNil(t, w))
	})

	t.Run("empty_bucket", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{History: 5})
		w, err := kv.WatchAll(ctx(t))
		require.NoError(t, err)
		require.Equal(t, []string{nilEntry}, untilNil(t, w))
		u, err := kv.WatchAll(ctx(t), jetstream.UpdatesOnly())
		require.NoError(t, err)
		put(t, kv, "k", "v")
		require.Equal(t, []string{`k@1 PUT "v"`}, untilRev(t, u, 1), "UpdatesOnly sends no nil")
		require.Equal(t, []string{`k@1 PUT "v"`}, untilRev(t, w, 1))
	})

	t.Run("history_1_bucket", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{History: 1})
		for _, k := range []string{"a", "b", "a", "c", "b"} {
			put(t, kv, k, "v")
		}
		del(t, kv, "c")
		w, err := kv.WatchAll(ctx(t))
		require.NoError(t, err)
		require.Equal(t, []string{`a@3 d2 PUT "v"`, `b@5 d1 PUT "v"`, "c@6 d0 DEL", nilEntry}, untilNil(t, w))
		h, err := kv.WatchAll(ctx(t), jetstream.IncludeHistory())
		require.NoError(t, err)
		require.Equal(t, []string{`a@3 d2 PUT "v"`, `b@5 d1 PUT "v"`, "c@6 d0 DEL", nilEntry}, untilNil(t, h))
	})

	t.Run("only_markers_ignore_deletes", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{History: 5})
		del(t, kv, "x")
		purge(t, kv, "y")
		w, err := kv.WatchAll(ctx(t), jetstream.IgnoreDeletes())
		require.NoError(t, err)
		require.Equal(t, []string{nilEntry}, untilNil(t, w), "nil still comes when every entry is hidden")
		put(t, kv, "x", "v")
		require.Equal(t, []string{`x@3 PUT "v"`}, untilRev(t, w, 3))
	})
}

// orEmpty turns nil into an empty slice so that expectations compare equal
// to what readN returns.
func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
