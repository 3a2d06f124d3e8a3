package memkv

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// nats.go's KV options are closures over unexported structs, applied through
// unexported methods (jetstream/kv_options.go, kv.go). memkv cannot call those
// methods, so it calls the closures through reflect on a fresh struct of the
// closure's parameter type, in order, as the client's own loop does; the
// closures' own errors (IncludeHistory with UpdatesOnly) therefore come out
// unchanged. Options of exported types (DeleteMarkersOlderThan,
// nats.ContextOpt) are decoded by type. Anything else is an error, never
// silently ignored.

// watchConfig is what Watch, WatchAll, WatchFiltered, Keys, ListKeys and
// History were asked for.
type watchConfig struct {
	IncludeHistory     bool
	IgnoreDeletes      bool
	UpdatesOnly        bool
	MetaOnly           bool
	ResumeFromRevision uint64          // jetstream.ResumeFromRevision only
	Context            context.Context // the nats.ContextOpt as given (legacy only), nats.Context(nil) too; nil if none
}

// deleteConfig is what Delete and Purge were asked for.
type deleteConfig struct {
	LastRevision uint64        // 0: no revision check
	TTL          time.Duration // jetstream.PurgeTTL; on Delete the client returns ErrTTLOnDeleteNotSupported
}

// createConfig is what Create was asked for.
type createConfig struct {
	TTL time.Duration // jetstream.KeyTTL
}

// purgeDeletesConfig is what PurgeDeletes was asked for.
type purgeDeletesConfig struct {
	// OlderThan is DeleteMarkersOlderThan as given: 0 means the client's
	// default (30m, kvDefaultPurgeDeletesMarkerThreshold in kv.go), negative
	// means remove every marker.
	OlderThan time.Duration
	Context   context.Context // the nats.ContextOpt as given (legacy only), nats.Context(nil) too; nil if none
}

// optFields names the unexported fields of one nats.go options struct that
// its option closures write, with the kind memkv reads each as.
type optFields map[string]reflect.Kind

var (
	optWatchFields = optFields{"includeHistory": reflect.Bool, "ignoreDeletes": reflect.Bool,
		"updatesOnly": reflect.Bool, "metaOnly": reflect.Bool, "resumeFromRevision": reflect.Uint64}
	optLegacyWatchFields = optFields{"includeHistory": reflect.Bool, "ignoreDeletes": reflect.Bool,
		"updatesOnly": reflect.Bool, "metaOnly": reflect.Bool}
	optDeleteFields       = optFields{"revision": reflect.Uint64, "ttl": reflect.Int64}
	optLegacyDeleteFields = optFields{"revision": reflect.Uint64}
	optCreateFields       = optFields{"ttl": reflect.Int64}
	optErrorType          = reflect.TypeFor[error]()
)

// optState is the client's options struct for one call. It stays invalid
// until the first func-typed option runs; reads then return zero values.
type optState struct {
	fields optFields
	ptr    reflect.Value // *watchOpts, *deleteOpts, ... of the option's package
}

// apply runs one func-typed option on the state, returning the option's own
// error, or a decode error if opt is not a func(*struct) error over the same
// struct as the options before it.
func (s *optState) apply(opt any) error {
	fn := reflect.ValueOf(opt)
	t := fn.Type()
	if fn.Kind() != reflect.Func || t.NumIn() != 1 || t.NumOut() != 1 || t.Out(0) != optErrorType ||
		t.In(0).Kind() != reflect.Pointer || t.In(0).Elem().Kind() != reflect.Struct {
		return fmt.Errorf("memkv: cannot decode option %T: not a func(*struct) error", opt)
	}
	if fn.IsNil() { // the client would panic calling it
		return fmt.Errorf("memkv: cannot decode option %T: nil func", opt)
	}
	if !s.ptr.IsValid() {
		if err := optCheckType(t.In(0).Elem(), s.fields); err != nil {
			return fmt.Errorf("memkv: cannot decode option %T: %w", opt, err)
		}
		s.ptr = reflect.New(t.In(0).Elem())
	} else if s.ptr.Type() != t.In(0) {
		return fmt.Errorf("memkv: cannot decode option %T: configures %s, not %s", opt, t.In(0), s.ptr.Type())
	}
	if err, _ := fn.Call([]reflect.Value{s.ptr})[0].Interface().(error); err != nil {
		return err
	}
	// A field memkv does not read must stay zero: otherwise an option from a
	// newer nats.go would be silently ignored.
	st := s.ptr.Elem()
	for i := range st.NumField() {
		if name := st.Type().Field(i).Name; s.fields[name] == reflect.Invalid && !st.Field(i).IsZero() {
			return fmt.Errorf("memkv: cannot decode option %T: it sets %s.%s, which memkv does not support", opt, st.Type(), name)
		}
	}
	return nil
}

// optCheckType reports whether struct type t has every field in fields, of
// the expected kind.
func optCheckType(t reflect.Type, fields optFields) error {
	for _, name := range slices.Sorted(maps.Keys(fields)) { // sorted: a stable error
		kind := fields[name]
		f, ok := t.FieldByName(name)
		if !ok || f.Type.Kind() != kind {
			return fmt.Errorf("%s has no %s field %q (nats.go changed; update memkv/options.go)", t, kind, name)
		}
	}
	return nil
}

// optApplyAll applies opts in order, skipping nil ones as the client does
// (jetstream/kv.go WatchFiltered, Delete, Create).
func optApplyAll[O any](s *optState, opts []O) error {
	for _, opt := range opts {
		if o := any(opt); o != nil {
			if err := s.apply(o); err != nil {
				return err
			}
		}
	}
	return nil
}

// field returns the named field, or an invalid Value if no option ran.
func (s *optState) field(name string) reflect.Value {
	if !s.ptr.IsValid() {
		return reflect.Value{}
	}
	return s.ptr.Elem().FieldByName(name)
}

func (s *optState) bool(name string) bool {
	f := s.field(name)
	return f.IsValid() && f.Bool()
}

func (s *optState) uint(name string) uint64 {
	if f := s.field(name); f.IsValid() {
		return f.Uint()
	}
	return 0
}

func (s *optState) dur(name string) time.Duration {
	if f := s.field(name); f.IsValid() {
		return time.Duration(f.Int())
	}
	return 0
}

// decodeWatchOpts applies jetstream watch options in order; it returns the
// first option's error (the client's own, e.g. wrapping
// jetstream.ErrInvalidOption) or a decode error.
func decodeWatchOpts(opts []jetstream.WatchOpt) (watchConfig, error) {
	s := optState{fields: optWatchFields}
	if err := optApplyAll(&s, opts); err != nil {
		return watchConfig{}, err
	}
	return s.watchConfig(), nil
}

// decodeLegacyWatchOpts is decodeWatchOpts for the nats package, which also
// takes nats.Context.
func decodeLegacyWatchOpts(opts []nats.WatchOpt) (watchConfig, error) {
	s := optState{fields: optLegacyWatchFields}
	var ctx context.Context
	for _, opt := range opts {
		var err error
		switch o := opt.(type) {
		case nil:
		case nats.ContextOpt:
			ctx = o // as the client's configureWatcher: opts.ctx = ctx
		default:
			err = s.apply(opt)
		}
		if err != nil {
			return watchConfig{}, err
		}
	}
	cfg := s.watchConfig()
	cfg.Context = ctx
	return cfg, nil
}

func (s *optState) watchConfig() watchConfig {
	cfg := watchConfig{
		IncludeHistory: s.bool("includeHistory"),
		IgnoreDeletes:  s.bool("ignoreDeletes"),
		UpdatesOnly:    s.bool("updatesOnly"),
		MetaOnly:       s.bool("metaOnly"),
	}
	if _, ok := s.fields["resumeFromRevision"]; ok {
		cfg.ResumeFromRevision = s.uint("resumeFromRevision")
	}
	return cfg
}

// decodeDeleteOpts applies jetstream Delete/Purge options (LastRevision,
// PurgeTTL) in order; it returns the first option's error or a decode error.
func decodeDeleteOpts(opts []jetstream.KVDeleteOpt) (deleteConfig, error) {
	s := optState{fields: optDeleteFields}
	if err := optApplyAll(&s, opts); err != nil {
		return deleteConfig{}, err
	}
	return deleteConfig{LastRevision: s.uint("revision"), TTL: s.dur("ttl")}, nil
}

// decodeLegacyDeleteOpts is decodeDeleteOpts for the nats package
// (LastRevision only).
func decodeLegacyDeleteOpts(opts []nats.DeleteOpt) (deleteConfig, error) {
	s := optState{fields: optLegacyDeleteFields}
	if err := optApplyAll(&s, opts); err != nil {
		return deleteConfig{}, err
	}
	return deleteConfig{LastRevision: s.uint("revision")}, nil
}

// decodeCreateOpts applies jetstream Create options (KeyTTL) in order; it
// returns the first option's error or a decode error.
func decodeCreateOpts(opts []jetstream.KVCreateOpt) (createConfig, error) {
	s := optState{fields: optCreateFields}
	if err := optApplyAll(&s, opts); err != nil {
		return createConfig{}, err
	}
	return createConfig{TTL: s.dur("ttl")}, nil
}

// decodePurgeDeletesOpts decodes jetstream PurgeDeletes options
// (DeleteMarkersOlderThan; the last one wins); any other type is an error.
func decodePurgeDeletesOpts(opts []jetstream.KVPurgeOpt) (purgeDeletesConfig, error) {
	var cfg purgeDeletesConfig
	for _, opt := range opts {
		switch o := opt.(type) {
		case nil:
		case jetstream.DeleteMarkersOlderThan:
			cfg.OlderThan = time.Duration(o)
		default:
			return purgeDeletesConfig{}, fmt.Errorf("memkv: cannot decode option %T: unknown PurgeDeletes option", opt)
		}
	}
	return cfg, nil
}

// decodeLegacyPurgeDeletesOpts is decodePurgeDeletesOpts for the nats
// package, which also takes nats.Context.
func decodeLegacyPurgeDeletesOpts(opts []nats.PurgeOpt) (purgeDeletesConfig, error) {
	var cfg purgeDeletesConfig
	for _, opt := range opts {
		var err error
		switch o := opt.(type) {
		case nil:
		case nats.DeleteMarkersOlderThan:
			cfg.OlderThan = time.Duration(o)
		case nats.ContextOpt:
			cfg.Context = o // as the client's configurePurge: opts.ctx = ctx
		default:
			err = fmt.Errorf("memkv: cannot decode option %T: unknown PurgeDeletes option", opt)
		}
		if err != nil {
			return purgeDeletesConfig{}, err
		}
	}
	return cfg, nil
}
