package watch

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/stream"
)

// TestMarker checks where the "initial values done" marker (the zero E,
// shown as <nil>) goes (SEMANTICS §6.4): right after the last initial
// entry, where a hidden entry would have been with IgnoreDeletes, exactly
// once, and never with UpdatesOnly. Each case then stores a live entry
// (revision 10) to show what follows the initial entries.
func TestMarker(t *testing.T) {
	all := []string{kvPre + ">"}
	cases := []struct {
		name string
		opts Options
		live string   // key of the live Put, "" for none
		want []string // initial entries and the marker, then the live entry
	}{
		{"default", Options{Filters: all}, "z",
			[]string{"b@5 d4 DEL", `a@6 d3 PUT "3"`, `d.x@7 d2 PUT "1"`, "c@8 d1 PURGE", `d.y@9 d0 PUT "1"`, "<nil>", `z@10 d0 PUT "live"`}},
		{"no_filter_is_everything", Options{}, "z",
			[]string{"b@5 d4 DEL", `a@6 d3 PUT "3"`, `d.x@7 d2 PUT "1"`, "c@8 d1 PURGE", `d.y@9 d0 PUT "1"`, "<nil>", `z@10 d0 PUT "live"`}},
		{"ignore_deletes", Options{Filters: all, IgnoreDeletes: true}, "z",
			[]string{`a@6 d3 PUT "3"`, `d.x@7 d2 PUT "1"`, `d.y@9 d0 PUT "1"`, "<nil>", `z@10 d0 PUT "live"`}},
		// c@8 d0 is the last initial entry and is hidden: the marker comes
		// where it would have been.
		{"ignore_deletes_last_hidden", Options{Filters: []string{kvPre + "*"}, IgnoreDeletes: true}, "z",
			[]string{`a@6 d1 PUT "3"`, "<nil>", `z@10 d0 PUT "live"`}},
		{"every_initial_hidden", Options{Filters: []string{kvPre + "b"}, IgnoreDeletes: true}, "b",
			[]string{"<nil>", `b@10 d0 PUT "live"`}},
		{"include_history", Options{Filters: all, IncludeHistory: true}, "z",
			[]string{`a@1 d7 PUT "1"`, `b@2 d6 PUT "1"`, `a@3 d5 PUT "2"`, "b@5 d4 DEL", `a@6 d3 PUT "3"`, `d.x@7 d2 PUT "1"`, "c@8 d1 PURGE", `d.y@9 d0 PUT "1"`, "<nil>", `z@10 d0 PUT "live"`}},
		{"include_history_ignore_deletes", Options{Filters: all, IncludeHistory: true, IgnoreDeletes: true}, "z",
			[]string{`a@1 d7 PUT "1"`, `b@2 d6 PUT "1"`, `a@3 d5 PUT "2"`, `a@6 d3 PUT "3"`, `d.x@7 d2 PUT "1"`, `d.y@9 d0 PUT "1"`, "<nil>", `z@10 d0 PUT "live"`}},
		{"meta_only", Options{Filters: []string{kvPre + "a"}, MetaOnly: true}, "a",
			[]string{`a@6 d0 PUT ""`, "<nil>", `a@10 d0 PUT ""`}},
		{"updates_only", Options{Filters: all, UpdatesOnly: true}, "z",
			[]string{`z@10 d0 PUT "live"`}},
		{"resume_5", Options{Filters: all, ResumeFromRevision: 5}, "z",
			[]string{"b@5 d4 DEL", `a@6 d3 PUT "3"`, `d.x@7 d2 PUT "1"`, "c@8 d1 PURGE", `d.y@9 d0 PUT "1"`, "<nil>", `z@10 d0 PUT "live"`}},
		{"resume_4_purged", Options{Filters: all, ResumeFromRevision: 4}, "z",
			[]string{"b@5 d4 DEL", `a@6 d3 PUT "3"`, `d.x@7 d2 PUT "1"`, "c@8 d1 PURGE", `d.y@9 d0 PUT "1"`, "<nil>", `z@10 d0 PUT "live"`}},
		{"resume_5_updates_only", Options{Filters: all, ResumeFromRevision: 5, UpdatesOnly: true}, "z",
			[]string{"b@5 d4 DEL", `a@6 d3 PUT "3"`, `d.x@7 d2 PUT "1"`, "c@8 d1 PURGE", `d.y@9 d0 PUT "1"`, `z@10 d0 PUT "live"`}},
		{"resume_10_next", Options{Filters: all, ResumeFromRevision: 10}, "z",
			[]string{"<nil>", `z@10 d0 PUT "live"`}},
		{"resume_10_updates_only", Options{Filters: all, ResumeFromRevision: 10, UpdatesOnly: true}, "z",
			[]string{`z@10 d0 PUT "live"`}},
		{"nothing_matches", Options{Filters: []string{kvPre + "nothere"}}, "",
			[]string{"<nil>"}},
		{"filtered", Options{Filters: []string{kvPre + "a", kvPre + "d.x"}}, "a",
			[]string{`a@6 d1 PUT "3"`, `d.x@7 d0 PUT "1"`, "<nil>", `a@10 d0 PUT "live"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			noLeak(t)
			s := standardData(t)
			w := start(t, s, tc.opts)
			if tc.live == "" {
				require.Equal(t, tc.want, readN(t, w, len(tc.want)))
				require.NoError(t, w.Stop())
				require.Empty(t, untilClosed(t, w), "no second marker")
				return
			}
			got := readN(t, w, len(tc.want)-1)
			require.EqualValues(t, 10, put(t, s, tc.live, "live"))
			got = append(got, untilRev(t, w, 10)...)
			require.Equal(t, tc.want, got)
			require.NoError(t, w.Stop())
			require.Empty(t, untilClosed(t, w), "no second marker")
		})
	}
}

// TestMarkerBeforeStartReturns checks that with nothing to deliver the
// marker is in the channel when Start returns, and that UpdatesOnly never
// sends one.
func TestMarkerBeforeStartReturns(t *testing.T) {
	noLeak(t)
	cases := []struct {
		name   string
		data   bool
		opts   Options
		marker bool
	}{
		{"empty_stream", false, Options{}, true},
		{"empty_stream_include_history", false, Options{IncludeHistory: true}, true},
		{"empty_stream_resume", false, Options{ResumeFromRevision: 1}, true},
		{"no_match", true, Options{Filters: []string{kvPre + "x.*"}}, true},
		{"resume_past_end", true, Options{ResumeFromRevision: 10}, true},
		{"updates_only", true, Options{UpdatesOnly: true}, false},
		{"updates_only_empty", false, Options{UpdatesOnly: true}, false},
		{"resume_past_end_updates_only", true, Options{ResumeFromRevision: 10, UpdatesOnly: true}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newKV(t, 5)
			if tc.data {
				s = standardData(t)
			}
			w := start(t, s, tc.opts)
			if !tc.marker {
				require.Zero(t, len(w.Updates()))
				return
			}
			require.Equal(t, 1, len(w.Updates()), "marker buffered before Start returns")
			require.Nil(t, <-w.Updates())
		})
	}
}

// TestDelta checks the countdown of the initial entries and 0 for live
// ones, even when several are stored before the watcher reads them
// (SEMANTICS §6.3).
func TestDelta(t *testing.T) {
	noLeak(t)
	s := newKV(t, 10)
	for i := range 20 {
		put(t, s, fmt.Sprintf("k%d", i%5), "v")
	}
	for _, opts := range []Options{{}, {IncludeHistory: true}, {ResumeFromRevision: 11}} {
		t.Run(fmt.Sprintf("%+v", opts), func(t *testing.T) {
			w := start(t, s, opts)
			n := 5 // keys
			if opts.IncludeHistory {
				n = 20 // every revision
			}
			if opts.ResumeFromRevision > 0 {
				n = 10 // revisions 11 to 20
			}
			for i := range n {
				e := recv(t, w)
				require.NotNil(t, e)
				require.EqualValues(t, n-1-i, e.Delta, "initial entry %d: %v", i, e)
			}
			require.Nil(t, recv(t, w))
			require.NoError(t, w.Stop())
		})
	}

	t.Run("live", func(t *testing.T) {
		s := newKV(t, 1)
		w := start(t, s, Options{})
		require.Nil(t, recv(t, w))
		for i := range 600 { // more than the channel holds
			put(t, s, fmt.Sprintf("k%d", i), "v")
		}
		for i := range 600 {
			e := recv(t, w)
			require.EqualValues(t, i+1, e.Rev)
			require.Zero(t, e.Delta, "live entry %v", e)
		}
	})

	// SEMANTICS §6.3.4: a start beyond the next revision counts what is
	// stored before it as pending, for good.
	t.Run("resume_past_end_quirk", func(t *testing.T) {
		s := standardData(t)
		w := start(t, s, Options{ResumeFromRevision: 11})
		require.Nil(t, recv(t, w))
		put(t, s, "a", "live")
		del(t, s, "d.x")
		require.Equal(t, []string{"d.x@11 d1 DEL"}, untilRev(t, w, 11))
	})
}

// TestLiveRightAfterStart checks that a message stored by the goroutine
// that called Start, right after it returned, is delivered, whatever the
// policy (SEMANTICS §6.1).
func TestLiveRightAfterStart(t *testing.T) {
	noLeak(t)
	for _, opts := range []Options{{}, {UpdatesOnly: true}, {IncludeHistory: true}, {ResumeFromRevision: 1}, {Filters: []string{kvPre + "k"}}} {
		t.Run(fmt.Sprintf("%+v", opts), func(t *testing.T) {
			s := newKV(t, 1)
			for i := range 100 {
				w, err := Start(context.Background(), s, opts, decode)
				require.NoError(t, err)
				rev := put(t, s, "k", "v")
				var got []string
				for {
					e := recv(t, w)
					if e == nil {
						continue
					}
					got = append(got, e.String())
					if e.Rev == rev {
						break
					}
				}
				require.Equal(t, fmt.Sprintf(`k@%d d0 PUT "v"`, rev), got[len(got)-1], "round %d", i)
				require.NoError(t, w.Stop())
			}
		})
	}
}

// TestEvictedBeforeRead checks that initial messages the stream drops
// before the watcher reads them are still delivered, with their deltas:
// the consumer retains them (stream.Consumer). 300 keys are more than the
// channel holds, so the watcher has read only part of them when all are
// overwritten (history 1) or purged.
func TestEvictedBeforeRead(t *testing.T) {
	const n = 300
	cases := []struct {
		name  string
		opts  Options
		evict func(t *testing.T, s *stream.Stream, key string)
	}{
		{"last_per_subject_overwritten", Options{}, func(t *testing.T, s *stream.Stream, key string) { put(t, s, key, "new") }},
		{"all_overwritten", Options{IncludeHistory: true}, func(t *testing.T, s *stream.Stream, key string) { put(t, s, key, "new") }},
		{"resume_overwritten", Options{ResumeFromRevision: 1}, func(t *testing.T, s *stream.Stream, key string) { put(t, s, key, "new") }},
		{"last_per_subject_purged", Options{}, func(t *testing.T, s *stream.Stream, key string) { purge(t, s, key) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			noLeak(t)
			s := newKV(t, 1)
			for i := range n {
				put(t, s, fmt.Sprintf("k%03d", i), "old")
			}
			w := start(t, s, tc.opts)
			waitLen(t, w, Capacity)
			for i := range n {
				tc.evict(t, s, fmt.Sprintf("k%03d", i))
			}
			require.EqualValues(t, n, s.State().Msgs, "every initial message is gone from the stream")
			require.EqualValues(t, n+1, s.State().FirstSeq)
			for i := range n {
				e := recv(t, w)
				require.NotNil(t, e, "initial entry %d", i)
				require.Equal(t, fmt.Sprintf(`k%03d@%d d%d PUT "old"`, i, i+1, n-1-i), e.String())
			}
			require.Nil(t, recv(t, w))
			for i := range n {
				e := recv(t, w)
				require.NotNil(t, e)
				require.EqualValues(t, n+1+i, e.Rev)
				require.Equal(t, fmt.Sprintf("k%03d", i), e.Key)
			}
			require.NoError(t, w.Stop())
			require.Empty(t, untilClosed(t, w))
		})
	}
}
