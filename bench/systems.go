package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetsim/jetsim/memkv"
)

// A system is one of the implementations a scenario runs against: memkv,
// an embedded nats-server, or the physical limit.
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
}

// kinds are the systems, in table order. memkv comes first: the table
// and the targets compare it with each of the others. A new system is one
// more line here.
var kinds = []kind{
	{"memkv", startMemkv},
	{"server", startServer},
	{"limit", startLimit},
}

// memkvKind is memkv's index in kinds.
const memkvKind = 0

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

// store is the part of a bucket the scenarios use. The memkv and server
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

// serverSystem is an embedded nats-server with JetStream in a temporary
// store directory, listening on loopback. Each bucket gets its own client
// connection, shared by its writers and watchers.
type serverSystem struct {
	srv *server.Server
	dir string
	nc  *nats.Conn // for creating and deleting buckets
	js  jetstream.JetStream
	n   atomic.Int64
}

func startServer() (system, error) {
	dir, err := os.MkdirTemp("", "jetsim-bench-")
	if err != nil {
		return nil, err
	}
	srv, err := server.NewServer(&server.Options{
		Host:      "127.0.0.1",
		Port:      -1,
		JetStream: true,
		StoreDir:  dir,
		NoLog:     true,
		NoSigs:    true,
	})
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("new server: %w", err)
	}
	s := &serverSystem{srv: srv, dir: dir}
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		s.Close()
		return nil, errors.New("server not ready after 10s")
	}
	if s.nc, s.js, err = s.connect(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *serverSystem) connect() (*nats.Conn, jetstream.JetStream, error) {
	nc, err := nats.Connect(s.srv.ClientURL())
	if err != nil {
		return nil, nil, fmt.Errorf("connect: %w", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	return nc, js, nil
}

func (s *serverSystem) Open(ctx context.Context, history int) (store, error) {
	name := "B" + strconv.FormatInt(s.n.Add(1), 10)
	nc, js, err := s.connect()
	if err != nil {
		return nil, err
	}
	kv, err := js.CreateKeyValue(ctx, bucketConfig(name, history))
	if err != nil {
		nc.Close()
		return nil, err
	}
	return &kvStore{
		kv: kv,
		fast: func(ctx context.Context, keys []string, value func(int) []byte) error {
			return publishAll(ctx, js, name, keys, value)
		},
		// Closing the connection first drops its watchers at once; one
		// Stop each would cost a consumer-delete request each.
		release: func() error {
			nc.Close()
			return s.js.DeleteKeyValue(context.Background(), name)
		},
	}, nil
}

// publishAll fills a server bucket with asynchronous publishes to the
// keys' subjects, which is what a Put is on the wire, without waiting for
// each ack.
func publishAll(ctx context.Context, js jetstream.JetStream, bucket string, keys []string, value func(int) []byte) error {
	pre := "$KV." + bucket + "."
	for i, k := range keys {
		if _, err := js.PublishAsync(pre+k, value(i)); err != nil {
			return err
		}
		// Wait for the acks every so often: with too many outstanding the
		// client gives up (ErrTooManyStalledMsgs) on a busy machine.
		if (i+1)%1000 == 0 || i == len(keys)-1 {
			if err := acked(ctx, js); err != nil {
				return err
			}
		}
	}
	return nil
}

func acked(ctx context.Context, js jetstream.JetStream) error {
	select {
	case <-js.PublishAsyncComplete():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Minute):
		return errors.New("fill: publishes not acknowledged after 1m")
	}
}

func (s *serverSystem) Close() error {
	if s.nc != nil {
		s.nc.Close()
	}
	s.srv.Shutdown()
	s.srv.WaitForShutdown()
	return os.RemoveAll(s.dir)
}

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
