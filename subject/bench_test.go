package subject

import (
	"fmt"
	"strconv"
	"testing"
)

var sinkBool bool

// BenchmarkMatch measures Match on KV-sized subjects of 3 to 5 tokens.
func BenchmarkMatch(b *testing.B) {
	for _, bc := range []struct{ name, subj, filter string }{
		{"literal-3", "$KV.B.user", "$KV.B.user"},
		{"star-4", "$KV.B.user.42", "$KV.B.*.42"},
		{"tail-5", "$KV.B.user.42.name", "$KV.B.user.>"},
		{"miss-5", "$KV.B.user.42.name", "$KV.B.user.43.name"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkBool = Match(bc.subj, bc.filter)
			}
		})
	}
}

// watcherTree holds 10,002 filters shaped like the watchers of a busy
// bucket: per-user "$KV.B.user.<n>.>", per-id "$KV.B.*.<n>" and literal
// "$KV.B.user.<n>.name", plus two watch-all filters.
func watcherTree() *Tree[int] {
	var tr Tree[int]
	for n := range 10000 {
		id := strconv.Itoa(n / 3)
		switch n % 3 {
		case 0:
			tr.Set("$KV.B.user."+id+".>", n)
		case 1:
			tr.Set("$KV.B.*."+id, n)
		default:
			tr.Set("$KV.B.user."+id+".name", n)
		}
	}
	tr.Set("$KV.B.>", -1)
	tr.Set(">", -2)
	return &tr
}

// BenchmarkTreeMatchFilters measures the watch fan-out lookup: which of
// 10k stored filters match a literal subject.
func BenchmarkTreeMatchFilters(b *testing.B) {
	tr := watcherTree()
	for _, bc := range []struct {
		name, subj string
		want       int
	}{
		{"5-tokens", "$KV.B.user.42.name", 4}, // user.42.>, user.42.name, $KV.B.>, >
		{"4-tokens", "$KV.B.user.42", 3},      // *.42, $KV.B.>, >
		{"other-bucket", "$KV.C.user.42", 1},  // >
	} {
		b.Run(bc.name, func(b *testing.B) {
			n := 0
			count := func(string, int) bool { n++; return true }
			tr.MatchFilters(bc.subj, count)
			if n != bc.want {
				b.Fatalf("MatchFilters(%q) found %d, want %d", bc.subj, n, bc.want)
			}
			b.ReportAllocs()
			for b.Loop() {
				tr.MatchFilters(bc.subj, count)
			}
		})
	}
}

// BenchmarkTreeMatchLiterals measures which of 10k stored keys a watch
// filter selects, as a watcher's initial scan does.
func BenchmarkTreeMatchLiterals(b *testing.B) {
	var tr Tree[int]
	for n := range 10000 {
		tr.Set("$KV.B.user."+strconv.Itoa(n/2)+"."+[]string{"name", "mail"}[n%2], n)
	}
	for _, bc := range []struct {
		name, filter string
		want         int
	}{
		{"literal", "$KV.B.user.42.name", 1},
		{"one-user", "$KV.B.user.42.>", 2},
		{"star-field", "$KV.B.user.*.name", 5000},
		{"all", "$KV.B.>", 10000},
	} {
		b.Run(bc.name, func(b *testing.B) {
			n := 0
			count := func(string, int) bool { n++; return true }
			tr.MatchLiterals(bc.filter, count)
			if n != bc.want {
				b.Fatalf("MatchLiterals(%q) found %d, want %d", bc.filter, n, bc.want)
			}
			b.ReportAllocs()
			for b.Loop() {
				tr.MatchLiterals(bc.filter, count)
			}
		})
	}
}

// BenchmarkTreeGet looks up stored subjects: all under one parent (a
// bucket's flat keys), and round-robin over 100 parents (fan-out "own"
// keys, w<i>.k<n>), where the sibling hint misses every time.
func BenchmarkTreeGet(b *testing.B) {
	for _, bc := range []struct{ parents, nkeys int }{{1, 100_000}, {100, 100_000}, {100, 1_000_000}} {
		parents, nkeys := bc.parents, bc.nkeys
		b.Run(fmt.Sprintf("parents=%d/keys=%d", parents, nkeys), func(b *testing.B) {
			var t Tree[int]
			n := nkeys
			subjs := make([]string, n)
			for i := range subjs {
				subjs[i] = fmt.Sprintf("$KV.bench.w%d.k%d", i%parents, i/parents)
				t.Set(subjs[i], i)
			}
			b.ResetTimer()
			for i := range b.N {
				if _, ok := t.Get(subjs[i%n]); !ok {
					b.Fatal("missing")
				}
			}
		})
	}
}

// BenchmarkTreeInsert stores new subjects as a stream stores a new key:
// Ref misses, then Insert, round-robin over 1000 parents (fan-out "own"
// keys, w<i>.k<n>).
func BenchmarkTreeInsert(b *testing.B) {
	const parents, n = 1000, 100_000
	subjs := make([]string, n)
	for i := range subjs {
		subjs[i] = fmt.Sprintf("$KV.bench.w%d.k%d", i%parents, i/parents)
	}
	var t *Tree[int]
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i%n == 0 {
			b.StopTimer()
			t = new(Tree[int])
			for _, s := range subjs[:parents] {
				t.Set(s, 0) // the parents exist, as a running fan-out's do
			}
			i = parents
			b.StartTimer()
		}
		if t.Ref(subjs[i]) == nil {
			*t.Insert(subjs[i]) = i
		}
		i++
	}
}
