package main

import (
	"context"
	"slices"
	"strconv"
	"sync/atomic"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetsim/jetsim/memkv"
)

// A system is one of the implementations a scenario runs against: memkv
// through its Go API, a NATS server (jetsim's or nats-server) through
// nats.go's client, or a limit.
type system interface {
	// Open returns a new, empty, ready bucket keeping history revisions
	// per key.
	Open(ctx context.Context, history int) (store, error)
	// Close releases everything the system holds.
	Close() error
}

// A kind names a system and starts new instances of it; the setup
// scenario starts one per iteration.
type kind struct {
	name  string
	start func() (system, error)
	// only, when set, names the only scenarios the system serves; the
	// others are left out for it, as if it were not run.
	only []string
}

// serves reports whether the system runs the scenario named name.
func (k kind) serves(name string) bool {
	return k.only == nil || slices.Contains(k.only, name)
}

// kinds are the systems, in table order. A new system is one more line
// here; comparisons (table.go) and targets (targets.go) name the systems
// they set side by side.
var kinds = []kind{
	{name: "memkv", start: startMemkv},
	{name: "wire", start: startWire},
	{name: "server-inproc", start: startServerInproc},
	{name: "server", start: startServer},
	{name: "limit", start: startLimit},
	{name: "wire-limit", start: startWireLimit, only: wireLimitScenarios},
}

// kindNames returns the names of kinds, in order.
func kindNames() []string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = k.name
	}
	return names
}

// kindIndex returns the index in kinds of the system named name, or -1.
func kindIndex(name string) int {
	for i, k := range kinds {
		if k.name == name {
			return i
		}
	}
	return -1
}

// store is the part of a bucket the scenarios use. The memkv and NATS
// stores are jetstream.KeyValue; the limit is a locked map.
type store interface {
	put(ctx context.Context, key string, value []byte) (uint64, error)
	// get returns the latest value, as Value() of the entry a Get
	// returns gives it, and its revision.
	get(ctx context.Context, key string) (value []byte, rev uint64, err error)
	create(ctx context.Context, key string, value []byte) (uint64, error)
	update(ctx context.Context, key string, value []byte, rev uint64) (uint64, error)
	del(ctx context.Context, key string) error
	history(ctx context.Context, key string) (int, error) // number of entries
	keys(ctx context.Context) (int, error)                // number of keys
	// watch watches pattern, which is ">" or "<token>.>".
	watch(ctx context.Context, pattern string) (feed, error)
	// fill stores value(i) under keys[i] by the system's fastest path.
	fill(ctx context.Context, keys []string, value func(i int) []byte) error
	close() error
}

// feed is a watcher as the scenarios read it.
type feed interface {
	// next blocks for the next delivery and returns its revision; 0 is the
	// end-of-initial-values marker. ok is false once the feed is stopped.
	next() (rev uint64, ok bool)
	stop()
}

// memkvSystem is a memkv.Manager.
type memkvSystem struct {
	m *memkv.Manager
	n atomic.Int64 // bucket names
}

func startMemkv() (system, error) { return &memkvSystem{m: memkv.New()}, nil }

func (s *memkvSystem) Open(ctx context.Context, history int) (store, error) {
	name := "B" + strconv.FormatInt(s.n.Add(1), 10)
	kv, err := s.m.CreateKeyValue(ctx, bucketConfig(name, history))
	if err != nil {
		return nil, err
	}
	return &kvStore{kv: kv, release: func() error {
		return s.m.DeleteKeyValue(context.Background(), name)
	}}, nil
}

func (s *memkvSystem) Close() error { return nil }

func bucketConfig(name string, history int) jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{Bucket: name, History: uint8(history), Storage: jetstream.MemoryStorage}
}

// kvStore is a store over a jetstream.KeyValue, memkv's or the client's.
type kvStore struct {
	kv      jetstream.KeyValue
	fast    func(ctx context.Context, keys []string, value func(int) []byte) error // fill; nil means Put each
	release func() error
}

func (s *kvStore) put(ctx context.Context, key string, value []byte) (uint64, error) {
	return s.kv.Put(ctx, key, value)
}

// get is Get then Value(), as every app does after a Get: memkv's Value()
// copies the value, the client's returns the message's payload.
func (s *kvStore) get(ctx context.Context, key string) ([]byte, uint64, error) {
	e, err := s.kv.Get(ctx, key)
	if err != nil {
		return nil, 0, err
	}
	return e.Value(), e.Revision(), nil
}

func (s *kvStore) create(ctx context.Context, key string, value []byte) (uint64, error) {
	return s.kv.Create(ctx, key, value)
}

func (s *kvStore) update(ctx context.Context, key string, value []byte, rev uint64) (uint64, error) {
	return s.kv.Update(ctx, key, value, rev)
}

func (s *kvStore) del(ctx context.Context, key string) error { return s.kv.Delete(ctx, key) }

func (s *kvStore) history(ctx context.Context, key string) (int, error) {
	h, err := s.kv.History(ctx, key)
	return len(h), err
}

func (s *kvStore) keys(ctx context.Context) (int, error) {
	k, err := s.kv.Keys(ctx)
	return len(k), err
}

func (s *kvStore) watch(ctx context.Context, pattern string) (feed, error) {
	w, err := s.kv.Watch(ctx, pattern)
	if err != nil {
		return nil, err
	}
	return kvFeed{w}, nil
}

func (s *kvStore) fill(ctx context.Context, keys []string, value func(int) []byte) error {
	if s.fast != nil {
		return s.fast(ctx, keys, value)
	}
	for i, k := range keys {
		if _, err := s.kv.Put(ctx, k, value(i)); err != nil {
			return err
		}
	}
	return nil
}

func (s *kvStore) close() error { return s.release() }

// kvFeed is a feed over a jetstream.KeyWatcher.
type kvFeed struct{ w jetstream.KeyWatcher }

func (f kvFeed) next() (uint64, bool) {
	e, ok := <-f.w.Updates()
	switch {
	case !ok:
		return 0, false
	case e == nil:
		return 0, true
	}
	return e.Revision(), true
}

func (f kvFeed) stop() { _ = f.w.Stop() }
