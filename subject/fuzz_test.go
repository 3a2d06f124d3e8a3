package subject

import (
	"strings"
	"testing"

	"github.com/nats-io/nats-server/v2/server"
)

// FuzzSubject checks, for any pair of strings, that nothing panics, that
// the validators equal nats.go's rules, and that Match, Overlap, Literal
// and Tree agree with each other and, within serverFilter, with
// nats-server. The seed corpus is every table case of this package plus
// testdata/fuzz/FuzzSubject.
func FuzzSubject(f *testing.F) {
	for _, cs := range [][]validCase{keyCases, patternCases, bucketCases} {
		for _, c := range cs {
			f.Add(c.in, Tail)
			f.Add("a.b.c", c.in)
		}
	}
	for _, p := range [][2]string{
		{"a.b.c", "a.*.c"}, {"a.b.c", "a.>"}, {"a", "a.>"}, {"abc", "a*"},
		{"abc", "*x"}, {"foo.bar", "foo>"}, {"a.x", "a.>.b"}, {"$KV.B.k", "$KV.B.>"},
	} {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, subj, filter string) {
		for _, s := range []string{subj, filter} {
			if ValidKey(s) != oracleKey(s) || ValidPattern(s) != oraclePattern(s) || ValidBucket(s) != oracleBucket(s) {
				t.Fatalf("%q: ValidKey/Pattern/Bucket = %v/%v/%v, nats.go = %v/%v/%v", s,
					ValidKey(s), ValidPattern(s), ValidBucket(s), oracleKey(s), oraclePattern(s), oracleBucket(s))
			}
			if ValidBucket(s) && !ValidKey(s) {
				t.Fatalf("bucket name %q is not a valid key", s)
			}
			if Tokens(s) != strings.Count(s, ".")+1 {
				t.Fatalf("Tokens(%q) = %d", s, Tokens(s))
			}
			if tok, rest, more := Next(s); more && tok+"."+rest != s || !more && tok != s {
				t.Fatalf("Next(%q) = %q, %q, %v", s, tok, rest, more)
			}
			_ = Literal(s)
		}
		m := Match(subj, filter)
		if Overlap(subj, filter) != Overlap(filter, subj) {
			t.Fatalf("Overlap(%q, %q) is not symmetric", subj, filter)
		}
		if !ValidKey(subj) {
			return
		}

		if !ValidPattern(subj) || !Literal(subj) || !Match(subj, subj) || !Match(subj, Tail) || !Overlap(subj, subj) {
			t.Fatalf("valid key %q: must be a pattern, literal, and match itself and %q", subj, Tail)
		}
		if m && !Overlap(subj, filter) {
			t.Fatalf("Match(%q, %q) without Overlap", subj, filter)
		}
		if !ValidPattern(filter) {
			return
		}
		if Literal(filter) && m != (subj == filter) {
			t.Fatalf("literal filter %q: Match(%q) = %v", filter, subj, m)
		}
		if serverFilter(filter) && m != server.SubjectMatchesFilter(subj, filter) {
			t.Fatalf("Match(%q, %q) = %v, server = %v", subj, filter, m, !m)
		}

		var filters, keys Tree[struct{}]
		filters.Set(filter, struct{}{})
		if got := len(collect(filters.MatchFilters, subj)); got != b2i(m) {
			t.Fatalf("MatchFilters(%q) over {%q} reported %d, Match = %v", subj, filter, got, m)
		}
		keys.Set(subj, struct{}{})
		if got := len(collect(keys.MatchLiterals, filter)); got != b2i(m) {
			t.Fatalf("MatchLiterals(%q) over {%q} reported %d, Match = %v", filter, subj, got, m)
		}
	})
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
