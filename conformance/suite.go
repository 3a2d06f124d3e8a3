// Package conformance is the behavioural test suite for implementations of
// the NATS JetStream Key/Value API (jetstream.KeyValueManager). Every
// assertion in it was first checked against an embedded nats-server v2.15.3
// seen through nats.go v1.56.0 (see TestServer), so the suite is a
// transcript of the real server: an implementation that passes it behaves
// like the server in every case the suite covers.
//
// Run takes a factory for fresh managers; each subtest creates its own
// manager and buckets, so bucket names never collide between subtests.
// Cases that need wall time (bucket TTL, per-key TTL, limit markers) are
// grouped under "ttl" and call the sleep function given with WithSleep, so
// a simulated implementation can advance a fake clock instead of sleeping.
package conformance

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
)

// Option configures Run.
type Option func(*suite)

// WithSleep sets the function the timed cases (the "ttl" group) call to let
// time pass. The default is time.Sleep. An implementation with a fake clock
// passes a function that advances that clock by d (it may also sleep
// briefly). After each sleep the suite still waits, in real time and with a
// timeout, for the effects it expects, so the expiry work may happen
// asynchronously.
func WithSleep(sleep func(d time.Duration)) Option {
	return func(s *suite) { s.sleep, s.sleepIsReal = sleep, false }
}

// suite holds what every group of cases needs: a factory for fresh managers
// and the way to let time pass.
type suite struct {
	newManager  func(t *testing.T) jetstream.KeyValueManager
	sleep       func(d time.Duration)
	sleepIsReal bool // no WithSleep: the timed cases may run in parallel
}

// Run runs the conformance suite as subtests of t. newManager must return a
// fresh, empty manager for each call; it is called once per subtest with
// that subtest's t (so it may register cleanups on it). Buckets use
// jetstream.MemoryStorage unless a case is about FileStorage.
func Run(t *testing.T, newManager func(t *testing.T) jetstream.KeyValueManager, opts ...Option) {
	s := &suite{newManager: newManager, sleep: time.Sleep, sleepIsReal: true}
	for _, o := range opts {
		o(s)
	}
	t.Run("config", s.testConfig)
	t.Run("manage", s.testManage)
	t.Run("keys", s.testKeys)
	t.Run("crud", s.testCRUD)
	t.Run("read", s.testRead)
	t.Run("watch", s.testWatch)
	t.Run("watchlife", s.testWatchLife)
	t.Run("status", s.testStatus)
	t.Run("limits", s.testLimits)
	t.Run("ttl", s.testTTL)
}

// waitTimeout bounds every wait for a condition (an entry on a watcher, a
// closed channel, a Status figure).
const waitTimeout = 5 * time.Second

// ctx returns a context that ends with the test (and after 30 s at most).
// Watchers created with it therefore stop when the test ends.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// bucket creates a memory bucket from cfg (Bucket defaults to "B") on a
// fresh manager and returns both.
func (s *suite) bucket(t *testing.T, cfg jetstream.KeyValueConfig) (jetstream.KeyValueManager, jetstream.KeyValue) {
	t.Helper()
	cfg.Storage = jetstream.MemoryStorage
	return s.create(t, cfg)
}

// kv is bucket without the manager.
func (s *suite) kv(t *testing.T, cfg jetstream.KeyValueConfig) jetstream.KeyValue {
	t.Helper()
	_, kv := s.bucket(t, cfg)
	return kv
}

// create creates a bucket from cfg exactly as given (Storage's zero value is
// FileStorage), with Bucket defaulting to "B", on a fresh manager.
func (s *suite) create(t *testing.T, cfg jetstream.KeyValueConfig) (jetstream.KeyValueManager, jetstream.KeyValue) {
	t.Helper()
	if cfg.Bucket == "" {
		cfg.Bucket = "B"
	}
	m := s.newManager(t)
	kv, err := m.CreateKeyValue(ctx(t), cfg)
	require.NoError(t, err, "CreateKeyValue(%+v)", cfg)
	require.Equal(t, cfg.Bucket, kv.Bucket())
	return m, kv
}

// status returns kv.Status, failing the test on error.
func status(t *testing.T, kv jetstream.KeyValue) jetstream.KeyValueStatus {
	t.Helper()
	st, err := kv.Status(ctx(t))
	require.NoError(t, err, "Status")
	return st
}

// put stores value under key and returns the revision, failing the test on error.
func put(t *testing.T, kv jetstream.KeyValue, key, value string) uint64 {
	t.Helper()
	rev, err := kv.PutString(ctx(t), key, value)
	require.NoError(t, err, "PutString(%q, %q)", key, value)
	return rev
}

// del deletes key, failing the test on error.
func del(t *testing.T, kv jetstream.KeyValue, key string, opts ...jetstream.KVDeleteOpt) {
	t.Helper()
	require.NoError(t, kv.Delete(ctx(t), key, opts...), "Delete(%q)", key)
}

// purge purges key, failing the test on error.
func purge(t *testing.T, kv jetstream.KeyValue, key string, opts ...jetstream.KVDeleteOpt) {
	t.Helper()
	require.NoError(t, kv.Purge(ctx(t), key, opts...), "Purge(%q)", key)
}
