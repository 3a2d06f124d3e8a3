package subject

import (
	"fmt"
	"strings"
	"testing"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/stretchr/testify/assert"
	"pgregory.net/rapid"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		name, subj, filter string
		want               bool
	}{
		{"equal", "a.b.c", "a.b.c", true},
		{"single token", "a", "a", true},
		{"different token", "a.b.c", "a.x.c", false},
		{"prefix is not a match", "a.b", "a.b.c", false},
		{"longer subject", "a.b.c", "a.b", false},
		{"star first", "a.b.c", "*.b.c", true},
		{"star middle", "a.b.c", "a.*.c", true},
		{"star last", "a.b.c", "a.b.*", true},
		{"stars only", "a.b.c", "*.*.*", true},
		{"star is one token", "a.b.c", "a.*", false},
		{"star needs a token", "a", "a.*", false},
		{"tail alone", "a", ">", true},
		{"tail alone many", "a.b.c.d.e.f", ">", true},
		{"tail after literal", "a.b.c", "a.>", true},
		{"tail needs a token", "a", "a.>", false},
		{"tail after star", "a.b.c", "*.>", true},
		{"tail after star short", "a", "*.>", false},
		{"tail with wrong prefix", "b.c", "a.>", false},
		{"star then literal", "x.1", "x.*", true},
		// A wildcard character inside a longer token is a literal to the
		// server (SEMANTICS 2.2): such filters match no key.
		{"a* is literal", "abc", "a*", false},
		{"a* only matches itself", "a*", "a*", true},
		{"a*b is literal", "axb", "a*b", false},
		{"foo> is literal", "foo.bar", "foo>", false},
		{"foo> is literal too", "foo", "foo>", false},
		{"*a is literal", "xa", "*a", false},
		{"a> is literal", "a.b", "a>", false},
		{"non-final tail is literal", "a.x.b", "a.>.b", false},
		{"empty subject", "", ">", false},
		{"empty filter", "a", "", false},
		{"both empty", "", "", false},
		{"empty subject token", "a..b", "a.*.b", false},
		{"empty filter token", "a.b", "a..b", false},
		{"leading dot", ".a", "*.a", false},
		{"trailing dot", "a.", "a.*", false},
		// As in nats-server, what a final ">" covers is not examined.
		{"tail covers an empty token", "a.b.", "a.>", true},
		{"tail covers an empty token inside", "a..b", ">", true},
		{"case sensitive", "A", "a", false},
		{"kv subject", "$KV.B.user.42.name", "$KV.B.user.*.name", true},
		{"kv bucket tail", "$KV.B.user.42.name", "$KV.B.>", true},
		{"kv other bucket", "$KV.C.user.42.name", "$KV.B.>", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Match(tt.subj, tt.filter), "Match(%q, %q)", tt.subj, tt.filter)
		})
	}
}

func TestNext(t *testing.T) {
	tests := []struct {
		in, tok, rest string
		more          bool
	}{
		{"", "", "", false},
		{"a", "a", "", false},
		{"a.b", "a", "b", true},
		{"a.b.c", "a", "b.c", true},
		{".", "", "", true},
		{".a", "", "a", true},
		{"a.", "a", "", true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.in), func(t *testing.T) {
			tok, rest, more := Next(tt.in)
			assert.Equal(t, tt.tok, tok)
			assert.Equal(t, tt.rest, rest)
			assert.Equal(t, tt.more, more)
		})
	}
}

func TestLiteral(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"a", true},
		{"a.b.c", true},
		{"*", false},
		{">", false},
		{"a.*", false},
		{"*.a", false},
		{"a.>", false},
		{"a.*.c", false},
		{"a*", true},   // literal token to the server
		{"foo>", true}, // literal token to the server
		{"*a", true},
		{"a.>.b", true}, // a non-final ">" is a literal token to Match
		{"", true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.in), func(t *testing.T) {
			assert.Equal(t, tt.want, Literal(tt.in))
		})
	}
}

func TestOverlap(t *testing.T) {
	tests := []struct {
		name, a, b string
		want       bool
	}{
		{"same literal", "a.b", "a.b", true},
		{"different literal", "a.b", "a.c", false},
		{"duplicate filter", "x.*", "x.*", true},
		{"star and literal", "a.*", "a.b", true},
		{"stars crossed", "*.b", "a.*", true},
		{"tail covers all", ">", "a.b.c", true},
		{"tail and star", "a.>", "a.*", true},
		{"tail needs a token", "a.>", "a", false},
		{"star needs a token", "a.*", "a", false},
		{"lengths differ", "a.*", "a.b.c", false},
		{"tail under other prefix", "a.>", "b.>", false},
		{"nested tails", "a.>", "a.b.>", true},
		{"tail vs longer star", "*.>", "a.b.c", true},
		{"SEMANTICS 4.3 filters", "m.*", "alpha", false},
		{"odd token is literal", "a*", "ab", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Overlap(tt.a, tt.b), "Overlap(%q, %q)", tt.a, tt.b)
			assert.Equal(t, tt.want, Overlap(tt.b, tt.a), "Overlap(%q, %q)", tt.b, tt.a)
		})
	}
}

func TestTokens(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"a", 1},
		{"a.b", 2},
		{"$KV.B.user.42.name", 5},
		{">", 1},
		{"", 1},
		{".", 2},
		{"a..b", 3},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.in), func(t *testing.T) {
			assert.Equal(t, tt.want, Tokens(tt.in))
		})
	}
}

// TestServerMatchQuirks shows where nats-server's exported
// SubjectMatchesFilter differs from Match, and why the differential tests
// stay within serverFilter. Up to v2.15.2 the function (srv/sublist.go:
// isSubsetMatchTokenized) treated every filter token that *starts* with
// '*' as a one-token wildcard; v2.15.3 compares the whole token, as
// delivery always did, so "*x" now agrees with Match. It still takes a ">"
// token as the end of the match wherever it stands. Delivery does not: a
// consumer with the filter "a.>.b" gets no KV key, and nats.go rejects
// "a.>.b" anyway (SEMANTICS 2.2: `Watch "*a"` → only the nil marker). Match
// follows delivery.
func TestServerMatchQuirks(t *testing.T) {
	tests := []struct {
		name, subj, filter string
		server             bool
	}{
		{"token starting with star", "abc", "*x", false},
		{"token starting with star deeper", "a.b.c", "a.*b.c", false},
		{"non-final tail", "a.x", "a.>.b", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.server, server.SubjectMatchesFilter(tt.subj, tt.filter), "server")
			assert.False(t, Match(tt.subj, tt.filter), "Match")
			assert.False(t, serverFilter(tt.filter), "serverFilter")
		})
	}
}

// TestMatchAgreesWithServer compares Match with nats-server's
// SubjectMatchesFilter on valid keys and on filters within serverFilter.
func TestMatchAgreesWithServer(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		subj := keyGen.Draw(t, "subject")
		filter := filterGen(subj).Draw(t, "filter")
		if !serverFilter(filter) || !ValidPattern(filter) {
			t.Fatalf("generator produced %q outside the rules", filter)
		}
		want := server.SubjectMatchesFilter(subj, filter)
		if got := Match(subj, filter); got != want {
			t.Fatalf("Match(%q, %q) = %v, server = %v", subj, filter, got, want)
		}
	})
}

// TestOverlapAgreesWithServer compares Overlap with nats-server's
// SubjectsCollide, which decides "consumer subject filters cannot overlap".
func TestOverlapAgreesWithServer(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		key := keyGen.Draw(t, "key")
		a := filterGen(key).Draw(t, "a")
		b := filterGen(key).Draw(t, "b")
		want := server.SubjectsCollide(a, b)
		if got := Overlap(a, b); got != want {
			t.Fatalf("Overlap(%q, %q) = %v, server = %v", a, b, got, want)
		}
	})
}

// TestMatchProperties checks rules that tie the functions together.
func TestMatchProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		subj := keyGen.Draw(t, "subject")
		filter := filterGen(subj).Draw(t, "filter")
		if !Match(subj, subj) || !Match(subj, Tail) || !Literal(subj) {
			t.Fatalf("%q must match itself and %q, and be literal", subj, Tail)
		}
		if Tokens(subj) != len(strings.Split(subj, ".")) {
			t.Fatalf("Tokens(%q) = %d", subj, Tokens(subj))
		}
		m := Match(subj, filter)
		if m && !Overlap(subj, filter) {
			t.Fatalf("Match(%q, %q) but no Overlap", subj, filter)
		}
		if Literal(filter) && m != (subj == filter) {
			t.Fatalf("literal filter %q: Match(%q) = %v", filter, subj, m)
		}
	})
}
