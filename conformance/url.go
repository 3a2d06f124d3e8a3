package conformance

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// URLEnv names the environment variable that opts in to running the suite
// against a real server (TestServer, subtest "url"). NATS_URL, which the
// nats CLI reads and many shells set, is deliberately not read: a test run
// must never touch a server nobody named for it.
const URLEnv = "JETSIM_CONFORMANCE_URL"

// RunURL runs the suite against the account the client reaches at url, one
// case after another (the cases share the account and reuse bucket names).
// Before anything else it lists the account's KV buckets: if there are
// any, it fails t naming them and runs nothing, because the suite's bucket
// names ("B", "IDEM", ...) would collide with them. Point it at a scratch
// server or account.
//
// During the run the suite touches only buckets it created itself: each
// case sees the account through a view (see account.manager) that lists
// only the run's buckets, refuses to create, update, delete or open any
// other bucket, and deletes the run's buckets when the case ends.
func RunURL(t *testing.T, url string) {
	t.Helper()
	a, err := openAccount(t, url)
	if err != nil {
		t.Fatal(err)
	}
	Run(t, a.manager, WithSleep(time.Sleep)) // one after another: the cases share an account
}

// account is a real server's account borrowed by one run of the suite. It
// remembers the buckets the run created, so that only those are deleted.
type account struct {
	url  string
	mu   sync.Mutex
	made map[string]bool // buckets created by the run and not yet deleted
}

// openAccount connects to url and returns the account if it holds no KV
// bucket. Otherwise the error names the buckets found. The connection
// closes with t.
func openAccount(t testing.TB, url string) (*account, error) {
	js, err := connect(t, url)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	names := js.KeyValueStoreNames(ctx)
	var found []string
	for name := range names.Name() {
		found = append(found, name)
	}
	if err := names.Error(); err != nil {
		return nil, fmt.Errorf("conformance: listing the KV buckets at %s: %w", URLEnv, err)
	}
	if len(found) > 0 {
		sort.Strings(found)
		return nil, fmt.Errorf("conformance: the account at %s already holds KV buckets %q; "+
			"the suite runs nothing there, to leave them alone: point %s at a scratch server or account",
			URLEnv, found, URLEnv)
	}
	return &account{url: url, made: map[string]bool{}}, nil
}

// connect returns a JetStream client on url whose connection closes with t.
// Errors do not repeat url, which may hold credentials.
func connect(t testing.TB, url string) (jetstream.JetStream, error) {
	nc, err := nats.Connect(url)
	if err != nil {
		return nil, fmt.Errorf("conformance: connecting to %s: %w", URLEnv, err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("conformance: jetstream.New: %w", err)
	}
	return js, nil
}

// manager is Run's factory: a fresh view of the account on a new
// connection. Each case starts as on a fresh embedded server, with none
// of the run's buckets, so the run's earlier buckets are deleted first
// (a case may call the factory more than once and reuse a name). When t
// ends, the run's buckets are deleted again.
func (a *account) manager(t *testing.T) jetstream.KeyValueManager {
	t.Helper()
	js, err := connect(t, a.url)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.deleteMade(js); err != nil {
		t.Fatal(err)
	}
	// Registered after the connection's Close, so it runs before it. The
	// test's own context has ended by then: deleteMade uses its own.
	t.Cleanup(func() {
		if err := a.deleteMade(js); err != nil {
			t.Error(err)
		}
	})
	return &view{js: js, acct: a}
}

// deleteMade deletes every bucket the run created, and nothing else. A
// bucket already gone counts as deleted.
func (a *account) deleteMade(js jetstream.JetStream) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, name := range a.names() {
		err := js.DeleteKeyValue(ctx, name)
		if err != nil && !errors.Is(err, jetstream.ErrBucketNotFound) {
			return fmt.Errorf("conformance: deleting bucket %s, which the suite created: %w", name, err)
		}
		a.forget(name)
	}
	return nil
}

// names returns the buckets the run created, sorted.
func (a *account) names() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	names := make([]string, 0, len(a.made))
	for name := range a.made {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// owns reports whether the run created bucket (and has not deleted it).
func (a *account) owns(bucket string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.made[bucket]
}

// remember records that the run created bucket.
func (a *account) remember(bucket string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.made[bucket] = true
}

// forget records that bucket is gone.
func (a *account) forget(bucket string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.made, bucket)
}
