package memkv

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetsim/jetsim/stream"
	"github.com/jetsim/jetsim/subject"
)

// Manager holds a set of buckets, as one JetStream account of a
// standalone server does. It satisfies jetstream.KeyValueManager. The zero
// value is not usable; call New. Bucket mirrors and sources are not
// simulated: a config with Mirror or Sources is refused (see
// CreateKeyValue).
type Manager struct {
	clock stream.Clock

	mu      sync.RWMutex
	buckets map[string]*bucketState // by bucket name

	faults faultSet
	reg    registry
}

// Option configures a Manager.
type Option func(*Manager)

// WithClock makes the manager's buckets take time from c: store times,
// bucket TTL, per-key TTL and limit markers. The default is the real clock.
func WithClock(c stream.Clock) Option {
	return func(m *Manager) { m.clock = c }
}

// New returns an empty Manager.
func New(opts ...Option) *Manager {
	m := &Manager{clock: stream.NewSystemClock(), buckets: make(map[string]*bucketState)}
	m.faults.seed = 1
	for _, o := range opts {
		o(m)
	}
	return m
}

var _ jetstream.KeyValueManager = (*Manager)(nil)

// KeyValue returns a handle on an existing bucket, or ErrBucketNotFound.
func (m *Manager) KeyValue(ctx context.Context, bucket string) (jetstream.KeyValue, error) {
	if !subject.ValidBucket(bucket) {
		return nil, jetstream.ErrInvalidBucketName
	}
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	if err := m.fault(ctx, OpBucket, bucket, "", false); err != nil {
		return nil, err
	}
	st := m.lookup(bucket)
	if st == nil {
		return nil, jetstream.ErrBucketNotFound
	}
	return newBucket(m, st), nil
}

// CreateKeyValue creates a bucket. Creating a bucket that exists with the
// same config returns a handle; with a different config it fails with an
// error that is both ErrBucketExists and ErrStreamNameAlreadyInUse. A
// config with Mirror or Sources is refused with "memkv: bucket mirrors and
// sources are not supported", here and in UpdateKeyValue and
// CreateOrUpdateKeyValue: memkv does not copy from other streams.
func (m *Manager) CreateKeyValue(ctx context.Context, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	st, err := m.create(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return newBucket(m, st), nil
}

// prepare is what create and update do before they touch the buckets, in
// the client's order (jetstream/kv.go: prepareKeyValueConfig): the bucket
// name, then a request with ctx (the account info), then the config
// mapping and its checks.
func (m *Manager) prepare(ctx context.Context, cfg jetstream.KeyValueConfig) (jetstream.StreamConfig, error) {
	if !subject.ValidBucket(cfg.Bucket) {
		return jetstream.StreamConfig{}, jetstream.ErrInvalidBucketName
	}
	if err := ctxErr(ctx); err != nil {
		return jetstream.StreamConfig{}, err
	}
	if err := m.fault(ctx, OpBucket, cfg.Bucket, "", false); err != nil {
		return jetstream.StreamConfig{}, err
	}
	return prepareConfig(cfg)
}

func (m *Manager) create(ctx context.Context, cfg jetstream.KeyValueConfig) (*bucketState, error) {
	scfg, err := m.prepare(ctx, cfg)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if st := m.buckets[cfg.Bucket]; st != nil {
		if st.sameConfig(scfg) {
			return st, nil
		}
		return nil, bucketExists(cfg.Bucket)
	}
	st, err := newBucketState(cfg.Bucket, scfg, m.clock)
	if err != nil {
		return nil, err
	}
	m.buckets[cfg.Bucket] = st
	return st, nil
}

// UpdateKeyValue replaces the config of an existing bucket; fields left
// out return to their defaults, as with the client. A missing bucket gives
// ErrBucketNotFound.
func (m *Manager) UpdateKeyValue(ctx context.Context, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	st, err := m.update(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return newBucket(m, st), nil
}

func (m *Manager) update(ctx context.Context, cfg jetstream.KeyValueConfig) (*bucketState, error) {
	scfg, err := m.prepare(ctx, cfg)
	if err != nil {
		return nil, err
	}
	// The server checks the config before it looks the stream up
	// (server/jetstream_api.go: jsStreamUpdateRequest).
	if err := checkConfig(scfg); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.buckets[cfg.Bucket]
	if st == nil {
		return nil, wrapf(jetstream.ErrBucketNotFound, cfg.Bucket)
	}
	if err := st.update(scfg); err != nil {
		return nil, err
	}
	return st, nil
}

// CreateOrUpdateKeyValue updates the bucket if it exists and creates it
// otherwise.
func (m *Manager) CreateOrUpdateKeyValue(ctx context.Context, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	st, err := m.update(ctx, cfg)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		st, err = m.create(ctx, cfg)
	}
	if err != nil {
		return nil, err
	}
	return newBucket(m, st), nil
}

// DeleteKeyValue deletes a bucket and everything in it. Handles on it fail
// from then on, and its watchers receive nothing more.
func (m *Manager) DeleteKeyValue(ctx context.Context, bucket string) error {
	if !subject.ValidBucket(bucket) {
		return jetstream.ErrInvalidBucketName
	}
	if err := ctxErr(ctx); err != nil {
		return err
	}
	if err := m.fault(ctx, OpBucket, bucket, "", false); err != nil {
		return err
	}
	m.mu.Lock()
	st := m.buckets[bucket]
	delete(m.buckets, bucket)
	m.mu.Unlock()
	if st == nil {
		// jetstream/kv.go: DeleteKeyValue joins the client's own
		// ErrStreamNotFound, which the stream delete returns for 10059.
		return errors.Join(wrapf(jetstream.ErrBucketNotFound, bucket), jetstream.ErrStreamNotFound)
	}
	st.deleted.Store(true)
	st.stream.Close()
	return nil
}

func (m *Manager) lookup(bucket string) *bucketState {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.buckets[bucket]
}

// sorted returns the buckets in the server's listing order: by stream
// name, in byte order.
func (m *Manager) sorted() []*bucketState {
	m.mu.RLock()
	all := make([]*bucketState, 0, len(m.buckets))
	for _, st := range m.buckets {
		all = append(all, st)
	}
	m.mu.RUnlock()
	slices.SortFunc(all, func(a, b *bucketState) int {
		switch {
		case a.name < b.name:
			return -1
		case a.name > b.name:
			return 1
		}
		return 0
	})
	return all
}
