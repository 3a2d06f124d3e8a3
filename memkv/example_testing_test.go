package memkv_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/memkv"
)

// printTB stands in for a test's *testing.T in the examples: it prints
// what a test would report, with file names relative to this directory.
type printTB struct{ cleanups []func() }

func (p *printTB) Helper()           {}
func (p *printTB) Cleanup(fn func()) { p.cleanups = append(p.cleanups, fn) }
func (p *printTB) Errorf(format string, args ...any) {
	_, file, _, _ := runtime.Caller(0)
	fmt.Println(strings.ReplaceAll(fmt.Sprintf(format, args...), filepath.Dir(file)+"/", ""))
}

// end runs the clean-ups, as the testing package does when a test ends.
func (p *printTB) end() {
	for i := len(p.cleanups) - 1; i >= 0; i-- {
		p.cleanups[i]()
	}
}

// NewTest fails the test for a watcher left running, naming the line that
// started it. A watcher given the test's context (t.Context(), which ends
// before clean-ups run) or stopped is not a leak.
func ExampleNewTest() {
	t := &printTB{} // in a test: t is the test's *testing.T
	ctx := context.Background()
	kvm := memkv.NewTest(t)
	kv, _ := kvm.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "jobs"})

	stopped, _ := kv.Watch(ctx, "done.*")
	stopped.Stop()
	kv.Watch(ctx, "todo.*") // never stopped, and ctx never ends

	t.end()
	// Output:
	// memkv: 1 watcher(s) not stopped, with a context that is not done:
	// 	jobs[todo.*] watched at example_testing_test.go:50
}

// Sync returns once every entry written so far is in every watcher's
// Updates channel. That is all it waits for: what the app does with an
// entry after reading it is up to the app's goroutine (see
// TestExample_synctest for a wait on that).
func ExampleManager_Sync() {
	ctx := context.Background()
	kvm := memkv.New()
	kv, _ := kvm.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "config"})
	w, _ := kv.WatchAll(ctx, jetstream.UpdatesOnly())
	defer w.Stop()

	for i := 1; i <= 3; i++ {
		kv.PutString(ctx, "color", fmt.Sprint("shade", i))
	}
	kvm.Sync(ctx)
	fmt.Println("in the channel:", len(w.Updates()))
	// Output:
	// in the channel: 3
}

// Dump lists what a bucket stores, markers included: here a value, a
// delete marker, and a purge marker that rolled up its key's history.
func ExampleManager_Dump() {
	ctx := context.Background()
	kvm := memkv.New()
	kv, _ := kvm.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "users", History: 5})
	kv.PutString(ctx, "ada", "admin")
	kv.PutString(ctx, "bob", "viewer")
	kv.Delete(ctx, "bob")
	kv.PutString(ctx, "eve", "intruder")
	kv.Purge(ctx, "eve")

	msgs, _ := kvm.Dump("users")
	for _, m := range msgs {
		fmt.Printf("rev=%d %s %v size=%d rollup=%q\n", m.Revision, m.Key, m.Operation, m.ValueSize, m.Header.Get("Nats-Rollup"))
	}
	// Output:
	// rev=1 ada KeyValuePutOp size=5 rollup=""
	// rev=2 bob KeyValuePutOp size=6 rollup=""
	// rev=3 bob KeyValueDeleteOp size=0 rollup=""
	// rev=5 eve KeyValuePurgeOp size=0 rollup="sub"
}

// Watchers counts running watchers, per bucket or in all: a test checks
// that the app stops what it starts.
func ExampleManager_Watchers() {
	ctx := context.Background()
	kvm := memkv.New()
	a, _ := kvm.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "a"})
	b, _ := kvm.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "b"})
	wa, _ := a.WatchAll(ctx)
	wb, _ := b.Watch(ctx, "x.>")

	fmt.Println("a:", kvm.Watchers("a"), "all:", kvm.Watchers(""))
	wa.Stop()
	fmt.Println("a:", kvm.Watchers("a"), "all:", kvm.Watchers(""))
	wb.Stop()
	fmt.Println("all:", kvm.Watchers(""))
	// Output:
	// a: 1 all: 2
	// a: 0 all: 1
	// all: 0
}

// DropWatchers ends watchers as a lost connection would: Updates closes
// once the entries already in it are read, and an app that watches again
// gets the current values.
func ExampleManager_DropWatchers() {
	ctx := context.Background()
	kvm := memkv.New()
	kv, _ := kvm.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "feed"})
	kv.PutString(ctx, "news.1", "hello")
	w, _ := kv.Watch(ctx, "news.*")
	for e := <-w.Updates(); e != nil; e = <-w.Updates() {
		fmt.Println("watched", e.Key(), string(e.Value()))
	}

	fmt.Println("dropped:", kvm.DropWatchers("feed", "news.1"))
	kv.PutString(ctx, "news.2", "missed")
	for range w.Updates() {
	}
	fmt.Println("Updates closed; watchers:", kvm.Watchers("feed"))

	w, _ = kv.Watch(ctx, "news.*") // the app watches again
	defer w.Stop()
	for e := <-w.Updates(); e != nil; e = <-w.Updates() {
		fmt.Println("watched", e.Key(), string(e.Value()))
	}
	// Output:
	// watched news.1 hello
	// dropped: 1
	// Updates closed; watchers: 0
	// watched news.1 hello
	// watched news.2 missed
}

// Legacy gives the same buckets through the legacy nats.go API
// (nats.KeyValueManager, as from nc.JetStream()), for code written
// against it, with the legacy client's error values.
func ExampleManager_Legacy() {
	ctx := context.Background()
	kvm := memkv.New()
	kv, _ := kvm.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "shared"})
	kv.PutString(ctx, "k", "from jetstream")

	old, _ := kvm.Legacy().KeyValue("shared")
	e, _ := old.Get("k")
	fmt.Println(string(e.Value()))
	_, err := old.Get("missing")
	fmt.Println(err == nats.ErrKeyNotFound)
	// Output:
	// from jetstream
	// true
}

// configCache is application code: its goroutine applies a watcher's
// entries to a map that the rest of the app reads.
type configCache struct {
	mu     sync.Mutex
	values map[string]string
}

// watchConfig starts the cache; it follows the bucket until ctx ends.
func watchConfig(ctx context.Context, kv jetstream.KeyValue) (*configCache, error) {
	w, err := kv.WatchAll(ctx)
	if err != nil {
		return nil, err
	}
	c := &configCache{values: make(map[string]string)}
	go func() {
		for e := range w.Updates() { // closed when ctx ends
			if e == nil {
				continue // the initial values are done
			}
			c.mu.Lock()
			if e.Operation() == jetstream.KeyValuePut {
				c.values[e.Key()] = string(e.Value())
			} else {
				delete(c.values, e.Key())
			}
			c.mu.Unlock()
		}
	}()
	return c, nil
}

func (c *configCache) get(key string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.values[key]
}

// TestExample_synctest is the example for waiting until the app has
// applied an update, which Sync does not promise (Sync only puts the
// entries in the Updates channels). Inside a testing/synctest bubble,
// synctest.Wait() returns once every goroutine of the bubble is blocked:
// the app's goroutine has read and applied all there was. memkv's default
// clock works in a bubble. It is a Test rather than an Example because
// synctest.Test needs the test's *testing.T; `go test -run Example` runs
// it with the examples.
func TestExample_synctest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		kvm := memkv.NewTest(t)
		kv, err := kvm.CreateKeyValue(t.Context(), jetstream.KeyValueConfig{Bucket: "config"})
		require.NoError(t, err)
		cache, err := watchConfig(t.Context(), kv) // ends with the test
		require.NoError(t, err)

		for i := range 100 {
			_, err = kv.PutString(t.Context(), "color", fmt.Sprint("shade-", i))
			require.NoError(t, err)
			synctest.Wait()
			assert.Equal(t, fmt.Sprint("shade-", i), cache.get("color"))
		}
		require.NoError(t, kv.Delete(t.Context(), "color"))
		synctest.Wait()
		assert.Empty(t, cache.get("color"))
	})
}
