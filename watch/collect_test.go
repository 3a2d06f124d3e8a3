package watch

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCollectMatchesWatcher checks that Collect returns exactly the
// entries a watcher with the same options delivers before its marker, and
// nothing with UpdatesOnly, and that it leaves no consumer behind.
func TestCollectMatchesWatcher(t *testing.T) {
	all := []string{kvPre + ">"}
	cases := []struct {
		name string
		opts Options
	}{
		{"default", Options{Filters: all}},
		{"no_filter", Options{}},
		{"ignore_deletes", Options{Filters: all, IgnoreDeletes: true}},
		{"ignore_deletes_last_hidden", Options{Filters: []string{kvPre + "*"}, IgnoreDeletes: true}},
		{"include_history", Options{Filters: all, IncludeHistory: true}},
		{"include_history_ignore_deletes", Options{Filters: all, IncludeHistory: true, IgnoreDeletes: true}},
		{"meta_only", Options{Filters: all, MetaOnly: true}},
		{"resume_5", Options{Filters: all, ResumeFromRevision: 5}},
		{"resume_4_purged", Options{Filters: all, ResumeFromRevision: 4}},
		{"resume_10", Options{Filters: all, ResumeFromRevision: 10}},
		{"filtered", Options{Filters: []string{kvPre + "a", kvPre + "d.*"}, IncludeHistory: true}},
		{"one_key_history", Options{Filters: []string{kvPre + "a"}, IncludeHistory: true}},
		{"nothing", Options{Filters: []string{kvPre + "nothere"}}},
		{"only_hidden", Options{Filters: []string{kvPre + "b"}, IgnoreDeletes: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			noLeak(t)
			s := standardData(t)
			got, err := Collect(s, tc.opts, decode)
			require.NoError(t, err)
			require.Zero(t, s.NumConsumers(), "Collect closes its consumer")

			w := start(t, s, tc.opts)
			var want []string
			for e := recv(t, w); e != nil; e = recv(t, w) {
				want = append(want, e.String())
			}
			var gotS []string
			for _, e := range got {
				require.NotNil(t, e, "no marker in Collect's result")
				gotS = append(gotS, e.String())
			}
			require.Equal(t, want, gotS)
		})
	}

	t.Run("updates_only", func(t *testing.T) {
		s := standardData(t)
		got, err := Collect(s, Options{UpdatesOnly: true}, decode)
		require.NoError(t, err)
		require.Empty(t, got)
		got, err = Collect(s, Options{UpdatesOnly: true, ResumeFromRevision: 5}, decode)
		require.NoError(t, err)
		require.Empty(t, got, "Collect stops at the marker, which UpdatesOnly never sends")
	})

	t.Run("empty_stream", func(t *testing.T) {
		got, err := Collect(newKV(t, 1), Options{}, decode)
		require.NoError(t, err)
		require.Empty(t, got)
	})
}
