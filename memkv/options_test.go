package memkv

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
)

func TestDecodeWatchOpts(t *testing.T) {
	tests := []struct {
		name    string
		opts    []jetstream.WatchOpt
		want    watchConfig
		wantErr string
	}{
		{name: "none"},
		{name: "nil option is skipped", opts: []jetstream.WatchOpt{nil}},
		{name: "IncludeHistory", opts: []jetstream.WatchOpt{jetstream.IncludeHistory()}, want: watchConfig{IncludeHistory: true}},
		{name: "IgnoreDeletes", opts: []jetstream.WatchOpt{jetstream.IgnoreDeletes()}, want: watchConfig{IgnoreDeletes: true}},
		{name: "MetaOnly", opts: []jetstream.WatchOpt{jetstream.MetaOnly()}, want: watchConfig{MetaOnly: true}},
		{name: "UpdatesOnly", opts: []jetstream.WatchOpt{jetstream.UpdatesOnly()}, want: watchConfig{UpdatesOnly: true}},
		{name: "ResumeFromRevision", opts: []jetstream.WatchOpt{jetstream.ResumeFromRevision(42)}, want: watchConfig{ResumeFromRevision: 42}},
		{name: "combined, last revision wins",
			opts: []jetstream.WatchOpt{jetstream.ResumeFromRevision(1), nil, jetstream.IgnoreDeletes(), jetstream.MetaOnly(),
				jetstream.IncludeHistory(), jetstream.IncludeHistory(), jetstream.ResumeFromRevision(7)},
			want: watchConfig{IncludeHistory: true, IgnoreDeletes: true, MetaOnly: true, ResumeFromRevision: 7}},
		{name: "IncludeHistory then UpdatesOnly", opts: []jetstream.WatchOpt{jetstream.IncludeHistory(), jetstream.UpdatesOnly()},
			wantErr: "nats: invalid jetstream option: updates only cannot be used with include history"},
		{name: "UpdatesOnly then IncludeHistory", opts: []jetstream.WatchOpt{jetstream.UpdatesOnly(), jetstream.IncludeHistory()},
			wantErr: "nats: invalid jetstream option: include history cannot be used with updates only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeWatchOpts(tt.opts)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				require.ErrorIs(t, err, jetstream.ErrInvalidOption)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestDecodeLegacyWatchOpts(t *testing.T) {
	ctx := nats.Context(context.Background())
	tests := []struct {
		name    string
		opts    []nats.WatchOpt
		want    watchConfig
		wantErr string
	}{
		{name: "none"},
		{name: "nil option is skipped", opts: []nats.WatchOpt{nil}},
		{name: "IncludeHistory", opts: []nats.WatchOpt{nats.IncludeHistory()}, want: watchConfig{IncludeHistory: true}},
		{name: "IgnoreDeletes", opts: []nats.WatchOpt{nats.IgnoreDeletes()}, want: watchConfig{IgnoreDeletes: true}},
		{name: "MetaOnly", opts: []nats.WatchOpt{nats.MetaOnly()}, want: watchConfig{MetaOnly: true}},
		{name: "UpdatesOnly", opts: []nats.WatchOpt{nats.UpdatesOnly()}, want: watchConfig{UpdatesOnly: true}},
		{name: "Context", opts: []nats.WatchOpt{ctx}, want: watchConfig{Context: ctx}},
		{name: "combined", opts: []nats.WatchOpt{nats.IgnoreDeletes(), ctx, nil, nats.MetaOnly(), nats.UpdatesOnly()},
			want: watchConfig{IgnoreDeletes: true, MetaOnly: true, UpdatesOnly: true, Context: ctx}},
		{name: "IncludeHistory then UpdatesOnly", opts: []nats.WatchOpt{nats.IncludeHistory(), nats.UpdatesOnly()},
			wantErr: "nats: updates only can not be used with include history"},
		{name: "UpdatesOnly then IncludeHistory", opts: []nats.WatchOpt{nats.UpdatesOnly(), nats.IncludeHistory()},
			wantErr: "nats: include history can not be used with updates only"},
		{name: "nil Context is kept for its call to panic on", opts: []nats.WatchOpt{nats.Context(nil)}, //nolint:staticcheck // testing the nil case
			want: watchConfig{Context: nats.Context(nil)}}, //nolint:staticcheck // testing the nil case
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeLegacyWatchOpts(tt.opts)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestDecodeDeleteCreatePurgeDeletesOpts(t *testing.T) {
	del, err := decodeDeleteOpts([]jetstream.KVDeleteOpt{nil, jetstream.LastRevision(3), jetstream.PurgeTTL(time.Minute), jetstream.LastRevision(5)})
	require.NoError(t, err)
	require.Equal(t, deleteConfig{LastRevision: 5, TTL: time.Minute}, del)
	del, err = decodeDeleteOpts(nil)
	require.NoError(t, err)
	require.Zero(t, del)

	del, err = decodeLegacyDeleteOpts([]nats.DeleteOpt{nil, nats.LastRevision(9)})
	require.NoError(t, err)
	require.Equal(t, deleteConfig{LastRevision: 9}, del)

	cr, err := decodeCreateOpts([]jetstream.KVCreateOpt{nil, jetstream.KeyTTL(time.Hour)})
	require.NoError(t, err)
	require.Equal(t, createConfig{TTL: time.Hour}, cr)

	pd, err := decodePurgeDeletesOpts([]jetstream.KVPurgeOpt{nil, jetstream.DeleteMarkersOlderThan(-1)})
	require.NoError(t, err)
	require.Equal(t, purgeDeletesConfig{OlderThan: -1}, pd)

	ctx := nats.Context(context.Background())
	pd, err = decodeLegacyPurgeDeletesOpts([]nats.PurgeOpt{nats.DeleteMarkersOlderThan(time.Second), nil, ctx})
	require.NoError(t, err)
	require.Equal(t, purgeDeletesConfig{OlderThan: time.Second, Context: ctx}, pd)
	pd, err = decodeLegacyPurgeDeletesOpts([]nats.PurgeOpt{nats.Context(nil)}) //nolint:staticcheck // testing the nil case
	require.NoError(t, err, "the call panics on it, as the client's does")
	require.Equal(t, purgeDeletesConfig{Context: nats.Context(nil)}, pd) //nolint:staticcheck // testing the nil case
}

// TestOptionStructsMatchDecoder fails when a nats.go upgrade renames, retypes,
// removes or adds a field of the options structs memkv decodes.
func TestOptionStructsMatchDecoder(t *testing.T) {
	tests := []struct {
		name   string
		sample any       // a func-typed option over the struct
		fields optFields // what the decoder reads
		all    []string  // every field of the struct at the pinned nats.go
	}{
		{"jetstream watchOpts", jetstream.IncludeHistory(), optWatchFields,
			[]string{"ignoreDeletes", "includeHistory", "updatesOnly", "metaOnly", "resumeFromRevision"}},
		{"nats watchOpts", nats.IncludeHistory(), optLegacyWatchFields,
			[]string{"ctx", "ignoreDeletes", "includeHistory", "updatesOnly", "metaOnly"}}, // ctx: only nats.ContextOpt
		{"jetstream deleteOpts", jetstream.LastRevision(1), optDeleteFields, []string{"purge", "revision", "ttl"}}, // purge: unexported purge()
		{"nats deleteOpts", nats.LastRevision(1), optLegacyDeleteFields, []string{"purge", "revision"}},
		{"jetstream createOpts", jetstream.KeyTTL(1), optCreateFields, []string{"ttl"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ft := reflect.TypeOf(tt.sample)
			require.Equal(t, reflect.Func, ft.Kind())
			st := ft.In(0).Elem()
			require.NoError(t, optCheckType(st, tt.fields))
			var names []string
			for f := range st.Fields() {
				names = append(names, f.Name)
			}
			require.Equal(t, tt.all, names)
			for name := range tt.fields {
				require.True(t, slices.Contains(tt.all, name), name)
			}
		})
	}
}

func TestDecodeRejectsWhatItCannotRead(t *testing.T) {
	// A func option over a struct missing an expected field: as after a rename.
	type fakeOpts struct{ ignoreDeletes, includeHistory, updatesOnly, metaOnly bool }
	s := optState{fields: optWatchFields}
	err := s.apply(func(*fakeOpts) error { return nil })
	require.ErrorContains(t, err, `has no uint64 field "resumeFromRevision"`)

	// An option that sets a field memkv does not read: as a new nats.go option.
	type newOpts struct{ revision, future uint64 }
	s = optState{fields: optLegacyDeleteFields}
	require.NoError(t, s.apply(func(o *newOpts) error { o.revision = 1; return nil }))
	err = s.apply(func(o *newOpts) error { o.future = 1; return nil })
	require.ErrorContains(t, err, "sets memkv.newOpts.future, which memkv does not support")

	// Mixing structs, non-func values and nil funcs.
	require.ErrorContains(t, s.apply(func(*fakeOpts) error { return nil }), "configures *memkv.fakeOpts")
	require.ErrorContains(t, s.apply(jetstream.DeleteMarkersOlderThan(1)), "not a func(*struct) error")
	var nilFn func(*newOpts) error
	require.ErrorContains(t, s.apply(nilFn), "nil func")

	// An option error that is the client's own passes through unchanged.
	boom := errors.New("boom")
	require.ErrorIs(t, s.apply(func(*newOpts) error { return boom }), boom)
}
