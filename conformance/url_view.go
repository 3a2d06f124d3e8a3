package conformance

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// view is the KeyValueManager a case gets on a borrowed account: the
// client's own manager, narrowed to the buckets the run created. It lists
// only those, and it refuses to create, update, delete or open a bucket
// that exists but is not the run's, so the suite never changes what it did
// not make. Every call the suite makes on a bucket of its own, or on a
// missing one, goes to the client unchanged, with the client's own result.
//
// The check before a create or a delete and the call itself are two
// requests: a bucket someone else creates in between, with the very
// configuration the case asks for, is taken for the run's.
type view struct {
	js   jetstream.JetStream
	acct *account
}

var _ jetstream.KeyValueManager = (*view)(nil)

// errNotMade is returned instead of touching a bucket the run did not
// create. No case expects it, so the case fails.
var errNotMade = errors.New("conformance: left alone a bucket the suite did not create")

// KeyValue opens bucket if it is the run's or missing.
func (v *view) KeyValue(ctx context.Context, bucket string) (jetstream.KeyValue, error) {
	kv, err := v.js.KeyValue(ctx, bucket)
	if err == nil && !v.acct.owns(bucket) {
		return nil, fmt.Errorf("%w: %s", errNotMade, bucket)
	}
	return kv, err
}

// CreateKeyValue creates cfg.Bucket unless it exists and is not the run's.
func (v *view) CreateKeyValue(ctx context.Context, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	if err := v.mayTouch(ctx, cfg.Bucket); err != nil {
		return nil, err
	}
	kv, err := v.js.CreateKeyValue(ctx, cfg)
	if err == nil {
		v.acct.remember(cfg.Bucket)
	}
	return kv, err
}

// UpdateKeyValue updates cfg.Bucket unless it exists and is not the run's.
func (v *view) UpdateKeyValue(ctx context.Context, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	if err := v.mayTouch(ctx, cfg.Bucket); err != nil {
		return nil, err
	}
	return v.js.UpdateKeyValue(ctx, cfg)
}

// CreateOrUpdateKeyValue creates or updates cfg.Bucket unless it exists and
// is not the run's.
func (v *view) CreateOrUpdateKeyValue(ctx context.Context, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	if err := v.mayTouch(ctx, cfg.Bucket); err != nil {
		return nil, err
	}
	kv, err := v.js.CreateOrUpdateKeyValue(ctx, cfg)
	if err == nil {
		v.acct.remember(cfg.Bucket)
	}
	return kv, err
}

// DeleteKeyValue deletes bucket unless it exists and is not the run's.
func (v *view) DeleteKeyValue(ctx context.Context, bucket string) error {
	if err := v.mayTouch(ctx, bucket); err != nil {
		return err
	}
	err := v.js.DeleteKeyValue(ctx, bucket)
	if err == nil {
		v.acct.forget(bucket)
	}
	return err
}

// mayTouch returns errNotMade if bucket exists and is not the run's, and
// nil if it is the run's or missing (or its name is invalid: the call
// itself then returns the client's error).
func (v *view) mayTouch(ctx context.Context, bucket string) error {
	if v.acct.owns(bucket) {
		return nil
	}
	_, err := v.js.KeyValue(ctx, bucket)
	switch {
	case err == nil:
		return fmt.Errorf("%w: %s", errNotMade, bucket)
	case errors.Is(err, jetstream.ErrBucketNotFound), errors.Is(err, jetstream.ErrInvalidBucketName):
		return nil
	default:
		return fmt.Errorf("conformance: looking up bucket %s: %w", bucket, err)
	}
}

// KeyValueStoreNames lists the run's buckets, in the server's order.
func (v *view) KeyValueStoreNames(ctx context.Context) jetstream.KeyValueNamesLister {
	in := v.js.KeyValueStoreNames(ctx)
	out := &namesLister{in: in, names: make(chan string)}
	go func() {
		defer close(out.names)
		forward(ctx, in.Name(), out.names, func(name string) bool { return v.acct.owns(name) })
	}()
	return out
}

// KeyValueStores lists the statuses of the run's buckets, in the server's
// order.
func (v *view) KeyValueStores(ctx context.Context) jetstream.KeyValueLister {
	in := v.js.KeyValueStores(ctx)
	out := &statusLister{in: in, statuses: make(chan jetstream.KeyValueStatus)}
	go func() {
		defer close(out.statuses)
		forward(ctx, in.Status(), out.statuses, func(st jetstream.KeyValueStatus) bool { return v.acct.owns(st.Bucket()) })
	}()
	return out
}

// forward sends on out what keep accepts from in, until in closes. Once
// ctx ends it stops sending but still drains in, so that the client's
// listing goroutine (which sends without a select) ends too.
func forward[T any](ctx context.Context, in <-chan T, out chan<- T, keep func(T) bool) {
	for x := range in {
		if !keep(x) {
			continue
		}
		select {
		case out <- x:
		case <-ctx.Done():
		}
	}
}

// namesLister is the filtered KeyValueNamesLister. Its Error is the
// client's, read after the channel closed.
type namesLister struct {
	in    jetstream.KeyValueNamesLister
	names chan string
}

// Name returns the channel of the run's bucket names.
func (l *namesLister) Name() <-chan string { return l.names }

// Error returns the client's listing error.
func (l *namesLister) Error() error { return l.in.Error() }

// statusLister is the filtered KeyValueLister.
type statusLister struct {
	in       jetstream.KeyValueLister
	statuses chan jetstream.KeyValueStatus
}

// Status returns the channel of the run's bucket statuses.
func (l *statusLister) Status() <-chan jetstream.KeyValueStatus { return l.statuses }

// Error returns the client's listing error.
func (l *statusLister) Error() error { return l.in.Error() }
