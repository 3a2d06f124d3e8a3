package conformance

import (
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
)

// testRead covers SEMANTICS 4: Get, GetRevision, History, Keys, ListKeys and
// ListKeysFiltered.
func (s *suite) testRead(t *testing.T) {
	// readBucket: history 3; 1 a=1, 2 b=1, 3 a=2, 4 DEL b, 5 a=3, 6 a=4
	// (evicts 1).
	readBucket := func(t *testing.T) jetstream.KeyValue {
		kv := s.kv(t, jetstream.KeyValueConfig{History: 3})
		put(t, kv, "a", "1")
		put(t, kv, "b", "1")
		put(t, kv, "a", "2")
		del(t, kv, "b")
		put(t, kv, "a", "3")
		put(t, kv, "a", "4")
		return kv
	}

	t.Run("get_revision", func(t *testing.T) {
		kv := readBucket(t)
		for _, tc := range []struct {
			key  string
			rev  uint64
			want string // "" means ErrKeyNotFound
		}{
			{"a", 0, `a@6 d0 PUT "4"`},
			{"a", 6, `a@6 d0 PUT "4"`},
			{"a", 3, `a@3 d0 PUT "2"`},
			{"a", 1, ""},               // evicted by history
			{"a", 2, ""},               // belongs to b
			{"b", 4, ""},               // DEL marker
			{"b", 2, `b@2 d0 PUT "1"`}, // older value of a deleted key
			{"a", 999, ""},             // beyond the end
			{"zz", 1, ""},              // absent key
		} {
			e, err := kv.GetRevision(ctx(t), tc.key, tc.rev)
			if tc.want == "" {
				require.Nil(t, e, "GetRevision(%q, %d)", tc.key, tc.rev)
				require.Equal(t, jetstream.ErrKeyNotFound, err, "GetRevision(%q, %d)", tc.key, tc.rev)
				continue
			}
			require.NoError(t, err, "GetRevision(%q, %d)", tc.key, tc.rev)
			require.Equal(t, tc.want, entry(e), "GetRevision(%q, %d)", tc.key, tc.rev)
		}
		e, err := kv.Get(ctx(t), "b")
		require.Nil(t, e)
		require.Equal(t, jetstream.ErrKeyNotFound, err, "Get of a deleted key")
		_, err = kv.Get(ctx(t), "zz")
		require.Equal(t, jetstream.ErrKeyNotFound, err, "Get of an absent key")
		require.EqualError(t, err, "nats: key not found")
	})

	t.Run("history", func(t *testing.T) {
		kv := readBucket(t)
		for _, tc := range []struct {
			name string
			key  string
			opts []jetstream.WatchOpt
			want []string
		}{
			{"a", "a", nil, []string{`a@3 d2 PUT "2"`, `a@5 d1 PUT "3"`, `a@6 d0 PUT "4"`}},
			{"b", "b", nil, []string{`b@2 d1 PUT "1"`, "b@4 d0 DEL"}},
			{"a_ignore_deletes", "a", []jetstream.WatchOpt{jetstream.IgnoreDeletes()}, []string{`a@3 d2 PUT "2"`, `a@5 d1 PUT "3"`, `a@6 d0 PUT "4"`}},
			{"b_ignore_deletes", "b", []jetstream.WatchOpt{jetstream.IgnoreDeletes()}, []string{`b@2 d1 PUT "1"`}},
			{"a_meta_only", "a", []jetstream.WatchOpt{jetstream.MetaOnly()}, []string{`a@3 d2 PUT ""`, `a@5 d1 PUT ""`, `a@6 d0 PUT ""`}},
			{"all", ">", nil, []string{`b@2 d4 PUT "1"`, `a@3 d3 PUT "2"`, "b@4 d2 DEL", `a@5 d1 PUT "3"`, `a@6 d0 PUT "4"`}},
			{"resume", "a", []jetstream.WatchOpt{jetstream.ResumeFromRevision(5)}, []string{`a@5 d1 PUT "3"`, `a@6 d0 PUT "4"`}},
		} {
			h, err := kv.History(ctx(t), tc.key, tc.opts...)
			require.NoError(t, err, tc.name)
			require.Equal(t, tc.want, entries(h), tc.name)
		}
		h, err := kv.History(ctx(t), "zz")
		require.Empty(t, h)
		require.Equal(t, jetstream.ErrKeyNotFound, err, "History of an absent key")

		_, err = kv.History(ctx(t), "a", jetstream.UpdatesOnly())
		requireErr(t, err, "nats: invalid jetstream option: include history cannot be used with updates only", jetstream.ErrInvalidOption)

		purge(t, kv, "a")
		h, err = kv.History(ctx(t), "a")
		require.NoError(t, err)
		require.Equal(t, []string{"a@7 d0 PURGE"}, entries(h), "History after Purge")
		h, err = kv.History(ctx(t), "a", jetstream.IgnoreDeletes())
		require.Empty(t, h)
		require.Equal(t, jetstream.ErrKeyNotFound, err, "History of a purged key with IgnoreDeletes")
	})

	// keysBucket: history 2; puts zeta, alpha, Beta, m.n, m.o, alpha, gone,
	// then DEL gone, zeta=v2.
	keysBucket := func(t *testing.T) jetstream.KeyValue {
		kv := s.kv(t, jetstream.KeyValueConfig{History: 2})
		for _, k := range []string{"zeta", "alpha", "Beta", "m.n", "m.o", "alpha", "gone"} {
			put(t, kv, k, "v")
		}
		del(t, kv, "gone")
		put(t, kv, "zeta", "v2")
		return kv
	}

	t.Run("keys", func(t *testing.T) {
		kv := keysBucket(t)
		keys, err := kv.Keys(ctx(t))
		require.NoError(t, err)
		require.Equal(t, []string{"Beta", "alpha", "m.n", "m.o", "zeta"}, keys, "Keys sorts in byte order")
		keys, err = kv.Keys(ctx(t), jetstream.IncludeHistory())
		require.NoError(t, err)
		require.Equal(t, []string{"Beta", "alpha", "gone", "m.n", "m.o", "zeta"}, keys, "Keys(IncludeHistory) de-duplicates and sees older PUTs")
		for _, k := range []string{"zeta", "alpha", "Beta", "m.n", "m.o"} {
			del(t, kv, k)
		}
		keys, err = kv.Keys(ctx(t))
		require.Empty(t, keys)
		require.Equal(t, jetstream.ErrNoKeysFound, err, "Keys when every key is deleted")
		require.EqualError(t, err, "nats: no keys found")
	})

	t.Run("keys_empty_bucket", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{})
		keys, err := kv.Keys(ctx(t))
		require.Empty(t, keys)
		require.Equal(t, jetstream.ErrNoKeysFound, err)
		kl, err := kv.ListKeys(ctx(t))
		require.NoError(t, err)
		require.Empty(t, listed(t, kl), "ListKeys on an empty bucket gives a closed channel")
	})

	t.Run("list_keys", func(t *testing.T) {
		kv := keysBucket(t)
		kl, err := kv.ListKeys(ctx(t))
		require.NoError(t, err)
		require.Equal(t, []string{"Beta", "m.n", "m.o", "alpha", "zeta"}, listed(t, kl), "ListKeys keeps revision order")
		kl, err = kv.ListKeys(ctx(t), jetstream.IncludeHistory())
		require.NoError(t, err)
		require.Equal(t, []string{"zeta", "alpha", "Beta", "m.n", "m.o", "alpha", "gone", "zeta"}, listed(t, kl),
			"ListKeys(IncludeHistory) lists every stored PUT revision")
	})

	t.Run("list_keys_filtered", func(t *testing.T) {
		kv := keysBucket(t)
		for _, tc := range []struct {
			filters []string
			want    []string
		}{
			{[]string{"m.*", "alpha"}, []string{"m.n", "m.o", "alpha"}},
			{nil, []string{"Beta", "m.n", "m.o", "alpha", "zeta"}},
			{[]string{"gone"}, []string{}},
			{[]string{"m.>"}, []string{"m.n", "m.o"}},
			{[]string{"nothere"}, []string{}},
		} {
			kl, err := kv.ListKeysFiltered(ctx(t), tc.filters...)
			require.NoError(t, err, "ListKeysFiltered(%q)", tc.filters)
			require.Equal(t, tc.want, listed(t, kl), "ListKeysFiltered(%q)", tc.filters)
		}
		_, err := kv.ListKeysFiltered(ctx(t), "m.>", "m.n")
		require.EqualError(t, err, "nats: consumer subject filters cannot overlap")
	})
}
