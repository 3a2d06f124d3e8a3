package conformance

import (
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
)

// invalidKeys are rejected by every key operation (SEMANTICS 2.1).
var invalidKeys = []string{"", ".", ".a", "a.", "a..b", "a*", "*", ">", "a.>", "a.*", "$a", "a$", "a b", "ü", "a\tb", "foo>", "a\nb"}

// validKeys are accepted by every key operation (SEMANTICS 2.1).
var validKeys = []string{"a.b", "a/b", "a=b", "A-b_c.9", "_INBOX", "a.b.c.d.e.f", "-", "=", "/", "0", "a-"}

// invalidPatterns are rejected by Watch, WatchFiltered, History and
// ListKeysFiltered (SEMANTICS 2.2).
var invalidPatterns = []string{"", ">>", "a.>.b", ".a", "a.", "a..b", "$a", "a b", "ü", ">.a", "a>b"}

// testKeys covers SEMANTICS 2: key and pattern validation and wildcard
// matching.
func (s *suite) testKeys(t *testing.T) {
	t.Run("invalid_keys", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{History: 5})
		put(t, kv, "ok", "v")
		for _, k := range invalidKeys {
			_, err := kv.Put(ctx(t), k, []byte("v"))
			require.Equal(t, jetstream.ErrInvalidKey, err, "Put(%q)", k)
			_, err = kv.PutString(ctx(t), k, "v")
			require.Equal(t, jetstream.ErrInvalidKey, err, "PutString(%q)", k)
			_, err = kv.Create(ctx(t), k, []byte("v"))
			require.Equal(t, jetstream.ErrInvalidKey, err, "Create(%q)", k)
			_, err = kv.Update(ctx(t), k, []byte("v"), 1)
			require.Equal(t, jetstream.ErrInvalidKey, err, "Update(%q)", k)
			require.Equal(t, jetstream.ErrInvalidKey, kv.Delete(ctx(t), k), "Delete(%q)", k)
			require.Equal(t, jetstream.ErrInvalidKey, kv.Purge(ctx(t), k), "Purge(%q)", k)
			_, err = kv.Get(ctx(t), k)
			require.Equal(t, jetstream.ErrInvalidKey, err, "Get(%q)", k)
			_, err = kv.GetRevision(ctx(t), k, 1)
			require.Equal(t, jetstream.ErrInvalidKey, err, "GetRevision(%q)", k)
		}
		require.EqualError(t, jetstream.ErrInvalidKey, "nats: invalid key")
		st := status(t, kv)
		require.EqualValues(t, 1, st.Values(), "nothing stored by rejected calls")
		require.EqualValues(t, 2, put(t, kv, "ok", "v"), "rejected calls use no revision")
	})

	t.Run("valid_keys", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{History: 5})
		for i, k := range validKeys {
			rev := put(t, kv, k, k)
			require.EqualValues(t, 2*i+1, rev, "Put(%q)", k)
			e, err := kv.Get(ctx(t), k)
			require.NoError(t, err, "Get(%q)", k)
			require.Equal(t, k, e.Key())
			require.Equal(t, k, string(e.Value()))
			del(t, kv, k)
			_, err = kv.Get(ctx(t), k)
			require.Equal(t, jetstream.ErrKeyNotFound, err, "Get(%q) after Delete", k)
		}
	})

	t.Run("invalid_patterns", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{History: 5})
		put(t, kv, "a", "1")
		for _, p := range invalidPatterns {
			_, err := kv.Watch(ctx(t), p)
			requireErr(t, err, errBadPattern, jetstream.ErrInvalidKey)
			_, err = kv.WatchFiltered(ctx(t), []string{"a", p})
			requireErr(t, err, errBadPattern, jetstream.ErrInvalidKey)
			_, err = kv.History(ctx(t), p)
			requireErr(t, err, errBadPattern, jetstream.ErrInvalidKey)
			_, err = kv.ListKeysFiltered(ctx(t), p)
			requireErr(t, err, errBadPattern, jetstream.ErrInvalidKey)
		}
		// Get and GetRevision take keys, not patterns.
		_, err := kv.GetRevision(ctx(t), "x.*", 1)
		require.Equal(t, jetstream.ErrInvalidKey, err)
		_, err = kv.Get(ctx(t), ">")
		require.Equal(t, jetstream.ErrInvalidKey, err)
	})

	t.Run("wildcards", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{History: 5})
		for _, k := range []string{"a.b", "a/b", "a=b", "A-b_c.9", "_INBOX", "a.b.c.d.e.f", "ab", "a.x"} {
			put(t, kv, k, "v")
		}
		// revisions: 1 a.b, 2 a/b, 3 a=b, 4 A-b_c.9, 5 _INBOX, 6 a.b.c.d.e.f, 7 ab, 8 a.x
		for _, tc := range []struct {
			pattern string
			want    []string
		}{
			{">", []string{"a.b@1 d7", "a/b@2 d6", "a=b@3 d5", "A-b_c.9@4 d4", "_INBOX@5 d3", "a.b.c.d.e.f@6 d2", "ab@7 d1", "a.x@8 d0"}},
			{"*", []string{"a/b@2 d3", "a=b@3 d2", "_INBOX@5 d1", "ab@7 d0"}},
			{"a.*", []string{"a.b@1 d1", "a.x@8 d0"}},
			{"a.>", []string{"a.b@1 d2", "a.b.c.d.e.f@6 d1", "a.x@8 d0"}},
			{"*.b", []string{"a.b@1 d0"}},
			{"*.>", []string{"a.b@1 d3", "A-b_c.9@4 d2", "a.b.c.d.e.f@6 d1", "a.x@8 d0"}},
			{"*.*.c.>", []string{"a.b.c.d.e.f@6 d0"}},
			{"A-b_c.9", []string{"A-b_c.9@4 d0"}},
			// A wildcard mixed with other characters in a token is a literal
			// for the server, so these match no key (SEMANTICS 2.2). Up to
			// v2.15.2 the server sent not even the nil marker for "a*".
			{"a*", nil},
			{"a*b", nil},
			{"foo>", nil},
			{"*a", nil},
		} {
			w, err := kv.Watch(ctx(t), tc.pattern)
			require.NoError(t, err, "Watch(%q)", tc.pattern)
			got := untilNil(t, w)
			want := make([]string, 0, len(tc.want)+1)
			for _, e := range tc.want {
				want = append(want, e+` PUT "v"`)
			}
			require.Equal(t, append(want, nilEntry), got, "Watch(%q)", tc.pattern)
			require.NoError(t, w.Stop())
		}
		h, err := kv.History(ctx(t), "a.*")
		require.NoError(t, err)
		require.Equal(t, []string{`a.b@1 d1 PUT "v"`, `a.x@8 d0 PUT "v"`}, entries(h), "History accepts patterns")
	})
}
