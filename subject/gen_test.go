package subject

import (
	"regexp"
	"strings"

	"pgregory.net/rapid"
)

// Generators shared by the property tests, and the nats.go validation rules
// reimplemented as oracles.

// The regular expressions of nats.go v1.56 (jetstream/kv.go, copied
// verbatim): validKeyRe, validSearchKeyRe and validBucketRe.
var (
	oracleKeyRe     = regexp.MustCompile(`^[-/_=\.a-zA-Z0-9]+$`)
	oraclePatternRe = regexp.MustCompile(`^[-/_=\.a-zA-Z0-9*]*[>]?$`)
	oracleBucketRe  = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)
)

// oracleDots is the prefix check of nats.go's keyValid and searchKeyValid.
func oracleDots(s string) bool {
	return len(s) > 0 && s[0] != '.' && s[len(s)-1] != '.' && !strings.Contains(s, "..")
}

func oracleKey(s string) bool     { return oracleDots(s) && oracleKeyRe.MatchString(s) }
func oraclePattern(s string) bool { return oracleDots(s) && oraclePatternRe.MatchString(s) }
func oracleBucket(s string) bool  { return len(s) > 0 && oracleBucketRe.MatchString(s) }

// validationAlphabet mixes every character class the validators
// distinguish: key characters, the wildcards, the separator, characters
// nats.go rejects (including whitespace, control bytes and non-ASCII).
var validationAlphabet = []rune("aZ09-_/=.*>$ \t\n!\x00üé\u2028")

// anyName draws short strings over validationAlphabet, so that the
// interesting characters are frequent.
var anyName = rapid.StringOfN(rapid.SampledFrom(validationAlphabet), 0, 10, -1)

// literalTokens is a small pool, so that generated subjects and filters
// share tokens often enough to match.
var literalTokens = []string{"a", "b", "foo", "bar", "x1", "A", "-", "_", "a/b", "k=v"}

var literalToken = rapid.OneOf(
	rapid.SampledFrom(literalTokens),
	rapid.StringOfN(rapid.RuneFrom([]rune("abAB09-_/=")), 1, 4, -1),
)

// keyGen draws a valid key (a literal subject) of 1 to 6 tokens.
var keyGen = rapid.Custom(func(t *rapid.T) string {
	toks := rapid.SliceOfN(literalToken, 1, 6).Draw(t, "tokens")
	return strings.Join(toks, ".")
})

// oddTokens contain '*' or '>' inside a longer token: nats.go accepts them
// in a pattern (a '>' only as the pattern's last character) and the server
// takes them as literals. None starts with '*' or '>', see serverFilter.
var oddTokens = []string{"a*", "a*b", "x**"}

// filterGen draws a filter within serverFilter's rules: literal tokens,
// "*" tokens, odd literal tokens such as "a*", and optionally a final ">"
// or a final literal token ending in '>' such as "foo>". Half of the
// filters are derived from a key so that they match more often.
func filterGen(key string) *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string {
		var toks []string
		if key != "" && rapid.Bool().Draw(t, "derived") {
			toks = strings.Split(key, ".")
			for i := range toks {
				if rapid.IntRange(0, 3).Draw(t, "star") == 0 {
					toks[i] = Star
				}
			}
			toks = toks[:rapid.IntRange(1, len(toks)).Draw(t, "keep")]
		} else {
			tok := rapid.OneOf(literalToken, rapid.Just(Star), rapid.SampledFrom(oddTokens))
			toks = rapid.SliceOfN(tok, 1, 6).Draw(t, "tokens")
		}
		switch rapid.IntRange(0, 5).Draw(t, "end") {
		case 0, 1:
			toks = append(toks, Tail)
		case 2:
			if last := &toks[len(toks)-1]; *last != Star {
				*last += Tail // "foo>": a literal token to the server
			}
		}
		return strings.Join(toks, ".")
	})
}

// serverFilter reports whether filter lies within the rules under which
// nats-server's exported SubjectMatchesFilter agrees with delivery, and so
// with Match: every token is non-empty, no token longer than one character
// starts with '*' or '>', and a ">" token comes only last. Outside them the
// function is quirky (see TestServerMatchQuirks).
func serverFilter(filter string) bool {
	for s, more := filter, true; more; {
		var tok string
		tok, s, more = Next(s)
		switch {
		case len(tok) == 0:
			return false
		case len(tok) > 1 && (tok[0] == '*' || tok[0] == '>'):
			return false
		case tok == Tail && more:
			return false
		}
	}
	return true
}
