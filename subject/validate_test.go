package subject

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"pgregory.net/rapid"
)

// validCase is one validation rule: in is accepted iff want. src says where
// the case comes from: nats.go's own unit tests, or a SEMANTICS.md
// observation against nats-server v2.15.3.
type validCase struct {
	src  string
	in   string
	want bool
}

func (c validCase) name() string { return fmt.Sprintf("%s:%q", c.src, c.in) }

// nats.go v1.56 jetstream/jetstream_test.go: TestKV_keyValid,
// TestKV_searchKeyValid and TestKV_bucketValid share their inputs.
var natsInputs = []string{
	"foo123", "foo.bar", "Foo.123=bar_baz-abc", "foo.*.bar", "foo.>", ">", "*",
	"foo!", "foo bar", "", " ", ".", ".foo", "foo.",
}

func natsCases(src string, accepted ...string) []validCase {
	ok := make(map[string]bool)
	for _, s := range accepted {
		ok[s] = true
	}
	var cs []validCase
	for _, s := range natsInputs {
		cs = append(cs, validCase{src, s, ok[s]})
	}
	return cs
}

func cases(src string, want bool, ins ...string) []validCase {
	var cs []validCase
	for _, s := range ins {
		cs = append(cs, validCase{src, s, want})
	}
	return cs
}

func join(css ...[]validCase) []validCase {
	var all []validCase
	for _, cs := range css {
		all = append(all, cs...)
	}
	return all
}

var keyCases = join(
	natsCases("nats.go TestKV_keyValid", "foo123", "foo.bar", "Foo.123=bar_baz-abc"),
	cases("nats.go test/kv_test.go", false, ".invalid"),
	cases("SEMANTICS 2.1 rejected", false,
		"", ".", ".a", "a.", "a..b", "a*", "*", ">", "a.>", "a.*",
		"$a", "a$", "a b", "ü", "a\tb", "foo>"),
	cases("SEMANTICS 2.1 accepted", true,
		"a.b", "a/b", "a=b", "A-b_c.9", "_INBOX", "a.b.c.d.e.f"),
	cases("edge", false, "a\n", "\na", "a\x00", "a.b.", "..", "a.*.b"),
	cases("edge", true, "-", "/", "=", "_", "a", "KV", "0.1.2"),
)

var patternCases = join(
	natsCases("nats.go TestKV_searchKeyValid",
		"foo123", "foo.bar", "Foo.123=bar_baz-abc", "foo.*.bar", "foo.>", ">", "*"),
	cases("nats.go kv_test.go Watch", false, "", "a.>.b", "foo.", "foo..bar", "a..b.c"),
	cases("SEMANTICS 2.2 rejected", false,
		"", ">>", "a.>.b", ".a", "a.", "a..b", "$a", "a b", "ü"),
	// Accepted by nats.go; the server takes "a*", "a*b", "foo>" and "*a" as
	// literal tokens, so they match no key.
	cases("SEMANTICS 2.2 accepted", true,
		"a*", "a*b", "foo>", "*a", "x.*", "m.*", "alpha", ">", "a.b.c.>"),
	cases("edge", false, "a>b", ">.a", "a.>>", "a\n", "*.", ".>", "a>.b"),
	cases("edge", true, "**", "*>", "*.*.>", "a.b"),
)

var bucketCases = join(
	natsCases("nats.go TestKV_bucketValid", "foo123"),
	cases("nats.go TestKV_bucketValid", true, "Foo123-bar_baz"),
	cases("nats.go kv_test.go CreateKeyValue", false, "TEST."),
	cases("SEMANTICS 1.2 rejected", false,
		"", "a.b", "a b", "a*", "a>", "ü", "$a", "a/b", "a=b"),
	cases("SEMANTICS 1.2 accepted", true, "-", "_", "a-b_C9"),
	cases("edge", false, "a\n", "KV_a.b"),
)

func runValidCases(t *testing.T, cs []validCase, valid func(string) bool) {
	t.Helper()
	for _, c := range cs {
		t.Run(c.name(), func(t *testing.T) {
			assert.Equal(t, c.want, valid(c.in))
		})
	}
}

func TestValidKey(t *testing.T)     { runValidCases(t, keyCases, ValidKey) }
func TestValidPattern(t *testing.T) { runValidCases(t, patternCases, ValidPattern) }
func TestValidBucket(t *testing.T)  { runValidCases(t, bucketCases, ValidBucket) }

// TestOracleCases checks the test's own reimplementation of nats.go against
// the same tables, so that the differential test below compares with
// something known to be right.
func TestOracleCases(t *testing.T) {
	t.Run("key", func(t *testing.T) { runValidCases(t, keyCases, oracleKey) })
	t.Run("pattern", func(t *testing.T) { runValidCases(t, patternCases, oraclePattern) })
	t.Run("bucket", func(t *testing.T) { runValidCases(t, bucketCases, oracleBucket) })
}

// TestValidateMatchesNatsRegexps compares the validators with nats.go's
// regular expressions and prefix checks on generated strings.
func TestValidateMatchesNatsRegexps(t *testing.T) {
	check := func(t *rapid.T, s string) {
		if got, want := ValidKey(s), oracleKey(s); got != want {
			t.Fatalf("ValidKey(%q) = %v, nats.go keyValid = %v", s, got, want)
		}
		if got, want := ValidPattern(s), oraclePattern(s); got != want {
			t.Fatalf("ValidPattern(%q) = %v, nats.go searchKeyValid = %v", s, got, want)
		}
		if got, want := ValidBucket(s), oracleBucket(s); got != want {
			t.Fatalf("ValidBucket(%q) = %v, nats.go bucketValid = %v", s, got, want)
		}
	}
	t.Run("alphabet", rapid.MakeCheck(func(t *rapid.T) {
		check(t, anyName.Draw(t, "s"))
	}))
	t.Run("unicode", rapid.MakeCheck(func(t *rapid.T) {
		check(t, rapid.String().Draw(t, "s"))
	}))
	t.Run("bytes", rapid.MakeCheck(func(t *rapid.T) {
		check(t, string(rapid.SliceOfN(rapid.Byte(), 0, 8).Draw(t, "b")))
	}))
}
