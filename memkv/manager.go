package memkv

import (
	"context"
	"errors"
	"slices"
	"strings"
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

	mu       sync.RWMutex
	streams  map[string]*bucketState    // by stream name: a bucket is KV_<bucket>
	subjects subject.Tree[*bucketState] // every stream's subjects, for capture
	closing  chan struct{}              // closed by Close; see closingCh

	srv srvState // the wire door, started by InProcessConn

	faults faultSet
	reg    registry
}

// Option configures a Manager.
type Option func(*Manager)

// WithClock makes the manager's buckets take time from c: store times,
// bucket TTL, per-key TTL and limit markers. The default, and what a nil
// c leaves, is the system clock.
func WithClock(c Clock) Option {
	return func(m *Manager) {
		if c != nil {
			m.clock = c
		}
	}
}

// New returns an empty Manager.
func New(opts ...Option) *Manager {
	m := &Manager{clock: stream.NewSystemClock(), streams: make(map[string]*bucketState)}
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
	if st := m.streams[scfg.Name]; st != nil {
		if st.sameConfig(scfg) {
			return st, nil
		}
		return nil, bucketExists(cfg.Bucket)
	}
	return m.addLocked(scfg)
}

// addLocked creates a stream, after the server's check that its subjects
// overlap no other stream's (server/stream.go: addStreamWithAssignment,
// 10065). m.mu is held.
func (m *Manager) addLocked(scfg jetstream.StreamConfig) (*bucketState, error) {
	for _, other := range m.streams {
		for _, a := range other.cfg.Subjects {
			for _, b := range scfg.Subjects {
				if subject.Overlap(a, b) {
					return nil, &jetstream.APIError{Code: 400, ErrorCode: 10065, Description: "subjects overlap with an existing stream"}
				}
			}
		}
	}
	st, err := newBucketState(strings.TrimPrefix(scfg.Name, "KV_"), scfg, m.clock)
	if err != nil {
		return nil, err
	}
	m.streams[scfg.Name] = st
	m.indexLocked(st, nil)
	return st, nil
}

// indexLocked replaces a stream's old subjects by its current ones in the
// capture index. m.mu is held.
func (m *Manager) indexLocked(st *bucketState, old []string) {
	for _, s := range old {
		m.subjects.Delete(s)
	}
	for _, s := range st.cfg.Subjects {
		m.subjects.Set(s, st)
	}
}

// removeLocked deletes a stream from the registry. m.mu is held.
func (m *Manager) removeLocked(st *bucketState) {
	delete(m.streams, st.cfg.Name)
	for _, s := range st.cfg.Subjects {
		m.subjects.Delete(s)
	}
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
	st := m.streams[scfg.Name]
	if st == nil {
		return nil, wrapf(jetstream.ErrBucketNotFound, cfg.Bucket)
	}
	if err := m.updateLocked(st, scfg); err != nil {
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
	if !m.deleteStream("KV_" + bucket) {
		// jetstream/kv.go: DeleteKeyValue joins the client's own
		// ErrStreamNotFound, which the stream delete returns for 10059.
		return errors.Join(wrapf(jetstream.ErrBucketNotFound, bucket), jetstream.ErrStreamNotFound)
	}
	return nil
}

// deleteStream deletes and closes the stream named name, and reports
// whether there was one.
func (m *Manager) deleteStream(name string) bool {
	m.mu.Lock()
	st := m.streams[name]
	if st != nil {
		m.removeLocked(st)
	}
	m.mu.Unlock()
	if st == nil {
		return false
	}
	st.deleted.Store(true)
	st.stream.Close()
	return true
}

// lookup returns the bucket's stream, nil for none.
func (m *Manager) lookup(bucket string) *bucketState {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.streams["KV_"+bucket]
}

// sorted returns the buckets (the streams named KV_<bucket>) in the
// server's listing order: by stream name, in byte order.
func (m *Manager) sorted() []*bucketState {
	return m.sortedStreams(true)
}

// sortedStreams returns the streams by name in byte order, only the
// buckets with onlyBuckets.
func (m *Manager) sortedStreams(onlyBuckets bool) []*bucketState {
	m.mu.RLock()
	all := make([]*bucketState, 0, len(m.streams))
	for name, st := range m.streams {
		if !onlyBuckets || strings.HasPrefix(name, "KV_") {
			all = append(all, st)
		}
	}
	m.mu.RUnlock()
	slices.SortFunc(all, func(a, b *bucketState) int {
		switch {
		case a.cfg.Name < b.cfg.Name:
			return -1
		case a.cfg.Name > b.cfg.Name:
			return 1
		}
		return 0
	})
	return all
}
