package memkv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetsim/jetsim/subject"
)

// This file and legacy_bucket.go, legacy_watch.go give the legacy
// nats.KeyValueManager / nats.KeyValue API (nats.go kv.go) over the same
// buckets as the jetstream API. They reuse the jetstream path's code and
// differ where the legacy client does (SEMANTICS §8): no context
// arguments, nats.* error values, limit markers read as plain PUTs.
// Injected faults (Manager.Inject) apply to both APIs alike, under the same
// Op names; their errors go through legacyError.

// legacyManager is a nats.KeyValueManager over a Manager's buckets.
type legacyManager struct{ m *Manager }

var _ nats.KeyValueManager = legacyManager{}

// Legacy returns the manager's buckets through the legacy nats.go API
// (nats.KeyValueManager, as from nc.JetStream()). Both APIs see the same
// buckets, and a bucket made with either can be used with the other.
func (m *Manager) Legacy() nats.KeyValueManager { return legacyManager{m} }

// KeyValue returns a handle on an existing bucket, or
// nats.ErrBucketNotFound.
func (l legacyManager) KeyValue(bucket string) (nats.KeyValue, error) {
	if !subject.ValidBucket(bucket) {
		return nil, nats.ErrInvalidBucketName
	}
	if err := l.m.fault(context.Background(), OpBucket, bucket, "", false); err != nil {
		return nil, legacyError(err)
	}
	st := l.m.lookup(bucket)
	if st == nil {
		return nil, nats.ErrBucketNotFound
	}
	return legacyBucket{newBucket(l.m, st)}, nil
}

// CreateKeyValue creates a bucket; with a nil config it returns
// nats.ErrKeyValueConfigRequired. Creating a bucket that exists with the
// same config returns a handle; with a different config it returns
// nats.ErrStreamNameAlreadyInUse itself (js.go: AddStream).
func (l legacyManager) CreateKeyValue(cfg *nats.KeyValueConfig) (nats.KeyValue, error) {
	if cfg == nil {
		return nil, nats.ErrKeyValueConfigRequired
	}
	if cfg.Mirror != nil || len(cfg.Sources) > 0 {
		return nil, errNoMirrors
	}
	st, err := l.m.create(context.Background(), jetstreamConfig(cfg))
	if err != nil {
		if errors.Is(err, jetstream.ErrBucketExists) {
			return nil, nats.ErrStreamNameAlreadyInUse
		}
		return nil, legacyError(err)
	}
	return legacyBucket{newBucket(l.m, st)}, nil
}

// jetstreamConfig is the jetstream config that makes the same stream
// config as the legacy client's CreateKeyValue (kv.go), which has no
// LimitMarkerTTL and no Metadata; mirrors and sources are refused before.
func jetstreamConfig(cfg *nats.KeyValueConfig) jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{
		Bucket:       cfg.Bucket,
		Description:  cfg.Description,
		MaxValueSize: cfg.MaxValueSize,
		History:      cfg.History,
		TTL:          cfg.TTL,
		MaxBytes:     cfg.MaxBytes,
		Storage:      jetstream.StorageType(cfg.Storage),
		Replicas:     cfg.Replicas,
		Placement:    (*jetstream.Placement)(cfg.Placement),
		RePublish:    (*jetstream.RePublish)(cfg.RePublish),
		Compression:  cfg.Compression,
	}
}

// DeleteKeyValue deletes a bucket. A missing bucket gives
// nats.ErrStreamNotFound itself, not ErrBucketNotFound (jsm.go:
// DeleteStream).
func (l legacyManager) DeleteKeyValue(bucket string) error {
	err := l.m.DeleteKeyValue(context.Background(), bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return nats.ErrStreamNotFound
	}
	return legacyError(err)
}

// KeyValueStoreNames lists the bucket names in the server's order (stream
// name, byte order). The channel is closed after the last name.
func (l legacyManager) KeyValueStoreNames() <-chan string {
	all := l.m.sorted()
	ch := make(chan string, len(all))
	for _, st := range all {
		ch <- st.name
	}
	close(ch)
	return ch
}

// KeyValueStores lists the buckets' statuses in the server's order. The
// channel is closed after the last one. It panics if nats.go's
// KeyValueBucketStatus changed shape (see legacyStatus), as there is no
// error to return.
func (l legacyManager) KeyValueStores() <-chan nats.KeyValueStatus {
	all := l.m.sorted()
	ch := make(chan nats.KeyValueStatus, len(all))
	for _, st := range all {
		s, err := l.m.legacyStatus(st, true)
		if err != nil {
			panic(err)
		}
		ch <- s
	}
	close(ch)
	return ch
}

// legacyStatus is Status for the legacy client: its
// *nats.KeyValueBucketStatus, filled as kv.go does (nfo *StreamInfo,
// bucket string), from the stream info the server would send. The info is
// passed through JSON, as on the wire, so nats.StreamInfo gets exactly the
// fields the legacy client decodes (see streamInfo for listed).
func (m *Manager) legacyStatus(st *bucketState, listed bool) (*nats.KeyValueBucketStatus, error) {
	raw, err := json.Marshal(m.streamInfo(st, listed))
	if err != nil {
		return nil, err
	}
	info := new(nats.StreamInfo)
	if err := json.Unmarshal(raw, info); err != nil {
		return nil, err
	}
	s := new(nats.KeyValueBucketStatus)
	v := reflect.ValueOf(s).Elem()
	if err := setUnexported(v, "nfo", info); err != nil {
		return nil, err
	}
	if err := setUnexported(v, "bucket", st.name); err != nil {
		return nil, err
	}
	return s, nil
}

// legacyContext is the context of a legacy call: the one given with
// nats.Context, or context.Background() without one. nats.Context(nil)
// panics with errNilContext, as the client panics on it (kv.go: the
// watcher and PurgeDeletes use opts.ctx; see mustContext).
func legacyContext(given context.Context) context.Context {
	switch c := given.(type) {
	case nil:
		return context.Background()
	case nats.ContextOpt:
		mustContext(c.Context)
	}
	return given
}

// legacySentinels pairs the jetstream package's error values that the
// shared code returns with the legacy client's own.
var legacySentinels = map[error]error{
	jetstream.ErrInvalidBucketName:   nats.ErrInvalidBucketName,
	jetstream.ErrBucketNotFound:      nats.ErrBucketNotFound,
	jetstream.ErrHistoryTooLarge:     nats.ErrHistoryToLarge,
	jetstream.ErrInvalidKey:          nats.ErrInvalidKey,
	jetstream.ErrKeyNotFound:         nats.ErrKeyNotFound,
	jetstream.ErrKeyDeleted:          nats.ErrKeyDeleted,
	jetstream.ErrKeyExists:           nats.ErrKeyExists,
	jetstream.ErrKeyRevisionMismatch: nats.ErrKeyRevisionMismatch,
	jetstream.ErrNoKeysFound:         nats.ErrNoKeysFound,
	jetstream.ErrNoStreamResponse:    nats.ErrNoStreamResponse,
}

// legacyError rewrites an error of the jetstream path into the legacy
// client's, keeping its shape: jetstream sentinels become the nats ones,
// a *jetstream.APIError becomes a *nats.APIError (which prints as
// "nats: <description>", jserrors.go), the "nats: " prefix the jetstream
// client puts before a publish's API error is dropped (the legacy client
// returns the server's error as is, js.go: PublishMsg), and fmt.Errorf
// and errors.Join wrappers are rebuilt around the rewritten errors with
// the same text between them. So the wrapping done by the shared code
// (Create's "key exists", mapRevisionMismatch) comes out as the legacy
// client wraps it. Anything else is returned unchanged.
func legacyError(err error) error {
	if err == nil {
		return nil
	}
	if le, ok := legacySentinels[err]; ok {
		return le
	}
	switch e := err.(type) {
	case *jetstream.APIError:
		return &nats.APIError{Code: e.Code, ErrorCode: nats.ErrorCode(e.ErrorCode), Description: e.Description}
	case interface{ Unwrap() []error }:
		return rewrap(err, e.Unwrap())
	case interface{ Unwrap() error }:
		inner := e.Unwrap()
		if ae, ok := inner.(*jetstream.APIError); ok && err.Error() == "nats: "+ae.Error() {
			return legacyError(ae)
		}
		return rewrap(err, []error{inner})
	}
	return err
}

// rewrap rebuilds wrapper err around the legacy forms of its wrapped
// errors, keeping the text around each; if err's text does not contain
// them in order, err is returned unchanged.
func rewrap(err error, wrapped []error) error {
	rest := err.Error()
	var format strings.Builder
	args := make([]any, len(wrapped))
	for i, w := range wrapped {
		if w == nil {
			return err
		}
		at := strings.Index(rest, w.Error())
		if at < 0 {
			return err
		}
		format.WriteString(strings.ReplaceAll(rest[:at], "%", "%%"))
		format.WriteString("%w")
		rest = rest[at+len(w.Error()):]
		args[i] = legacyError(w)
	}
	format.WriteString(strings.ReplaceAll(rest, "%", "%%"))
	return fmt.Errorf(format.String(), args...)
}
