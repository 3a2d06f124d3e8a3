package subject

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// collect gathers what a Tree match reports, sorted.
func collect[T any](match func(string, func(string, T) bool), s string) []string {
	var got []string
	match(s, func(subj string, _ T) bool {
		got = append(got, subj)
		return true
	})
	slices.Sort(got)
	return got
}

func TestTreeSetGetDelete(t *testing.T) {
	var tr Tree[int]
	require.Equal(t, 0, tr.Len())
	_, ok := tr.Get("a")
	require.False(t, ok, "zero Tree is empty")

	tr.Set("a.b.c", 1)
	tr.Set("a.b", 2)
	tr.Set("a.*", 3)
	tr.Set(">", 4)
	require.Equal(t, 4, tr.Len())

	for subj, want := range map[string]int{"a.b.c": 1, "a.b": 2, "a.*": 3, ">": 4} {
		v, ok := tr.Get(subj)
		require.True(t, ok, subj)
		require.Equal(t, want, v, subj)
	}
	for _, subj := range []string{"a", "a.b.c.d", "a.x", "b", "*", ""} {
		_, ok := tr.Get(subj)
		require.False(t, ok, "Get(%q): interior or absent node", subj)
	}

	tr.Set("a.b", 20)
	require.Equal(t, 4, tr.Len(), "replacing does not grow the tree")
	v, _ := tr.Get("a.b")
	require.Equal(t, 20, v)

	require.False(t, tr.Delete("a"), "interior node is not stored")
	require.False(t, tr.Delete("a.b.c.d"), "absent")
	require.False(t, tr.Delete("x.y"), "absent")
	require.Equal(t, 4, tr.Len())

	require.True(t, tr.Delete("a.b"))
	require.False(t, tr.Delete("a.b"), "already deleted")
	require.Equal(t, 3, tr.Len())
	v, ok = tr.Get("a.b.c")
	require.True(t, ok, "deleting a.b keeps a.b.c")
	require.Equal(t, 1, v)

	require.True(t, tr.Delete("a.b.c"))
	require.True(t, tr.Delete("a.*"))
	require.True(t, tr.Delete(">"))
	require.Equal(t, 0, tr.Len())
	require.Empty(t, tr.root.children, "empty nodes are pruned")
}

func TestTreePruning(t *testing.T) {
	var tr Tree[string]
	tr.Set("a.b.c.d", "deep")
	tr.Set("a.x", "side")
	require.True(t, tr.Delete("a.b.c.d"))
	a := tr.root.children["a"]
	require.NotNil(t, a, "a still leads to a.x")
	require.NotContains(t, a.children, "b", "the a.b.c branch is pruned")
	require.Contains(t, a.children, "x")
	require.True(t, tr.Delete("a.x"))
	require.Empty(t, tr.root.children)
}

func TestTreeEmptySubject(t *testing.T) {
	var tr Tree[int]
	tr.Set("", 7)
	v, ok := tr.Get("")
	require.True(t, ok)
	require.Equal(t, 7, v)
	require.Empty(t, collect(tr.MatchFilters, ""), "an empty subject matches nothing")
	require.True(t, tr.Delete(""))
	require.Equal(t, 0, tr.Len())
}

func TestTreeMatchFilters(t *testing.T) {
	var tr Tree[int]
	for i, f := range []string{
		"$KV.B.>", "$KV.B.user.*", "$KV.B.user.42", "$KV.B.*.42", "$KV.B.*.*.name",
		"$KV.B.user.42.>", "$KV.B.user.43.>", "$KV.C.>", ">", "*", "a*", "foo>",
	} {
		tr.Set(f, i)
	}
	tests := []struct {
		subj string
		want []string
	}{
		{"$KV.B.user.42", []string{"$KV.B.*.42", "$KV.B.>", "$KV.B.user.*", "$KV.B.user.42", ">"}},
		{"$KV.B.user.42.name", []string{"$KV.B.*.*.name", "$KV.B.>", "$KV.B.user.42.>", ">"}},
		{"$KV.C.x", []string{"$KV.C.>", ">"}},
		{"x", []string{"*", ">"}},
		{"abc", []string{"*", ">"}},
		{"a*", []string{"*", ">", "a*"}},
		{"$KV", []string{"*", ">"}},
	}
	for _, tt := range tests {
		t.Run(tt.subj, func(t *testing.T) {
			assert.Equal(t, tt.want, collect(tr.MatchFilters, tt.subj))
		})
	}
}

func TestTreeMatchLiterals(t *testing.T) {
	var tr Tree[int]
	for i, s := range []string{"a", "a.b", "a.b.c", "a.c", "b.b", "b.b.b"} {
		tr.Set(s, i)
	}
	tests := []struct {
		filter string
		want   []string
	}{
		{">", []string{"a", "a.b", "a.b.c", "a.c", "b.b", "b.b.b"}},
		{"*", []string{"a"}},
		{"a.>", []string{"a.b", "a.b.c", "a.c"}},
		{"a.*", []string{"a.b", "a.c"}},
		{"*.b", []string{"a.b", "b.b"}},
		{"*.*.b", []string{"b.b.b"}},
		{"a.b", []string{"a.b"}},
		{"a.x", nil},
		{"a.b.c.>", nil},
		{"a*", nil},
		{"", nil},
		{"a..b", nil},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			assert.Equal(t, tt.want, collect(tr.MatchLiterals, tt.filter))
		})
	}
}

func TestTreeStopsEarly(t *testing.T) {
	var tr Tree[int]
	for i, s := range []string{">", "*", "a", "a.>", "a.*", "a.b", "a.b.c", "b"} {
		tr.Set(s, i)
	}
	count := func(match func(string, func(string, int) bool), s string) int {
		n := 0
		match(s, func(string, int) bool { n++; return false })
		return n
	}
	assert.Equal(t, 1, count(tr.MatchFilters, "a.b"))
	assert.Equal(t, 1, count(tr.MatchLiterals, ">"))
	assert.Equal(t, 1, count(tr.MatchLiterals, "*"))
	assert.Equal(t, 1, count(tr.MatchLiterals, "a.*"))
	n := 0
	tr.Walk(func(string, int) bool { n++; return false })
	assert.Equal(t, 1, n)
}

// TestTreeAgainstBruteForce runs random Set/Delete sequences against a map
// model and compares MatchFilters and MatchLiterals with Match applied to
// every stored entry.
func TestTreeAgainstBruteForce(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var tr Tree[int]
		model := map[string]int{}
		key := keyGen.Draw(t, "seed key")
		entry := rapid.OneOf(keyGen, filterGen(key))
		for i := range rapid.IntRange(0, 40).Draw(t, "ops") {
			s := entry.Draw(t, "entry")
			if rapid.IntRange(0, 3).Draw(t, "op") == 0 {
				_, had := model[s]
				delete(model, s)
				if tr.Delete(s) != had {
					t.Fatalf("Delete(%q) = %v", s, !had)
				}
				continue
			}
			model[s] = i
			if rapid.Bool().Draw(t, "in place") {
				*tr.Insert(s) = i
			} else {
				tr.Set(s, i)
			}
			// A lookup between writes, present or not, exercises the hint
			// and the parents index as they stand.
			probe := entry.Draw(t, "probe")
			got, ok := tr.Get(probe)
			if want, has := model[probe]; ok != has || got != want {
				t.Fatalf("Get(%q) = %d, %v; want %d, %v", probe, got, ok, want, has)
			}
		}
		checkParents(t, &tr)
		if tr.Len() != len(model) {
			t.Fatalf("Len = %d, model has %d", tr.Len(), len(model))
		}
		var walked []string
		tr.Walk(func(s string, v int) bool {
			if model[s] != v {
				t.Fatalf("Walk %q = %d, model %d", s, v, model[s])
			}
			walked = append(walked, s)
			return true
		})
		if len(walked) != len(model) {
			t.Fatalf("Walk visited %d of %d", len(walked), len(model))
		}
		for s, v := range model {
			if got, ok := tr.Get(s); !ok || got != v {
				t.Fatalf("Get(%q) = %d, %v; want %d", s, got, ok, v)
			}
		}

		// MatchFilters: the stored entries are filters, the probe a key.
		subj := rapid.OneOf(keyGen, rapid.SampledFrom([]string{key})).Draw(t, "subject")
		var want []string
		for f := range model {
			if Match(subj, f) {
				want = append(want, f)
			}
		}
		slices.Sort(want)
		if got := collect(tr.MatchFilters, subj); !slices.Equal(got, want) {
			t.Fatalf("MatchFilters(%q) = %q, want %q", subj, got, want)
		}

		// MatchLiterals: the probe is a filter, and every stored entry is
		// taken as a literal subject, wildcard tokens included.
		filter := filterGen(key).Draw(t, "filter")
		want = want[:0]
		for s := range model {
			if Match(s, filter) {
				want = append(want, s)
			}
		}
		slices.Sort(want)
		if got := collect(tr.MatchLiterals, filter); !slices.Equal(got, want) {
			t.Fatalf("MatchLiterals(%q) = %q, want %q", filter, got, want)
		}
	})
}

// checkParents checks the parents index: every node below the root that
// has a children map is in it under its subject, and nothing else is.
func checkParents[T any](t *rapid.T, tr *Tree[T]) {
	seen := 0
	var visit func(n *node[T])
	visit = func(n *node[T]) {
		for _, c := range n.children {
			if c.children != nil {
				seen++
				if tr.parents[c.subj] != c {
					t.Fatalf("node %q is not indexed as a parent", c.subj)
				}
			}
			visit(c)
		}
	}
	visit(&tr.root)
	if seen != len(tr.parents) {
		t.Fatalf("parents index has %d nodes, the tree %d", len(tr.parents), seen)
	}
}

// TestTreeRefInsert: values changed through Insert and Ref stay in the
// tree; Insert counts a subject once and keeps what is there; a deleted
// subject has no Ref, and inserting it again starts from the zero value.
func TestTreeRefInsert(t *testing.T) {
	var tr Tree[[]int]
	assert.Nil(t, tr.Ref("a.b"))
	p := tr.Insert("a.b")
	require.NotNil(t, p)
	assert.Nil(t, *p)
	*p = append(*p, 1)
	assert.Equal(t, 1, tr.Len())
	q := tr.Insert("a.b")
	assert.Same(t, p, q, "Insert of a stored subject returns its value")
	*q = append(*q, 2)
	got, ok := tr.Get("a.b")
	assert.True(t, ok)
	assert.Equal(t, []int{1, 2}, got)
	assert.Same(t, p, tr.Ref("a.b"))
	assert.Equal(t, 1, tr.Len())

	// An interior node becoming a subject, and a leaf below it.
	*tr.Insert("a") = []int{3}
	*tr.Insert("a.b.c") = []int{4}
	assert.Equal(t, 3, tr.Len())
	assert.Equal(t, []int{3}, *tr.Ref("a"))
	assert.Equal(t, []int{1, 2}, *tr.Ref("a.b"))
	assert.Nil(t, tr.Ref("a.x"))

	require.True(t, tr.Delete("a.b"))
	assert.Nil(t, tr.Ref("a.b"), "deleted, with a child left below it")
	assert.Equal(t, []int{4}, *tr.Ref("a.b.c"))
	assert.Nil(t, *tr.Insert("a.b"), "inserted again: the zero value")
	assert.Equal(t, 3, tr.Len())
}
