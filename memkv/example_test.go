package memkv_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetsim/jetsim/memkv"
)

// greeter is application code: it takes the jetstream interface, so its
// tests can hand it memkv instead of a server connection.
func greeter(ctx context.Context, kvm jetstream.KeyValueManager, name string) (string, error) {
	kv, err := kvm.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "greetings"})
	if err != nil {
		return "", err
	}
	e, err := kv.Get(ctx, name)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return "hello, stranger", nil
	}
	if err != nil {
		return "", err
	}
	return string(e.Value()), nil
}

// Swap memkv in for a server connection: where the app takes a
// jetstream.KeyValueManager (from jetstream.New(nc) in production), a
// test passes memkv.New(). In a test, memkv.NewTest(t) also checks for
// leaked watchers.
func Example() {
	ctx := context.Background()
	kvm := memkv.New()

	fmt.Println(greeter(ctx, kvm, "ada"))
	kv, _ := kvm.KeyValue(ctx, "greetings")
	kv.PutString(ctx, "ada", "hello, Ada")
	fmt.Println(greeter(ctx, kvm, "ada"))
	// Output:
	// hello, stranger <nil>
	// hello, Ada <nil>
}

// A TTL test with a fake clock: no sleeping, the same result every time.
func ExampleFakeClock() {
	ctx := context.Background()
	clock := memkv.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	kvm := memkv.New(memkv.WithClock(clock))
	kv, _ := kvm.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "sessions", TTL: time.Hour})

	kv.PutString(ctx, "s1", "alice")
	clock.Advance(59 * time.Minute)
	_, err := kv.Get(ctx, "s1")
	fmt.Println("after 59m:", err)
	clock.Advance(time.Minute)
	_, err = kv.Get(ctx, "s1")
	fmt.Println("after 1h:", err)
	// Output:
	// after 59m: <nil>
	// after 1h: nats: key not found
}

// Fault injection: make the next two Puts time out, as a flaky network
// would, and check that the app retries.
func ExampleManager_Inject() {
	ctx := context.Background()
	kvm := memkv.New()
	kv, _ := kvm.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "orders"})
	fault, err := kvm.Inject(memkv.Fault{Ops: []memkv.Op{memkv.OpPut}, Err: nats.ErrTimeout, Times: 2})
	if err != nil {
		panic(err)
	}

	for attempt := 1; ; attempt++ {
		rev, err := kv.PutString(ctx, "o1", "paid")
		if err == nil {
			fmt.Println("stored at revision", rev, "on attempt", attempt)
			break
		}
		fmt.Println("attempt", attempt, "failed:", err)
	}
	fmt.Println("hits:", fault.Hits())
	// Output:
	// attempt 1 failed: nats: timeout
	// attempt 2 failed: nats: timeout
	// stored at revision 1 on attempt 3
	// hits: 2
}

// A watcher: the current values, the nil marker that ends them, then live
// updates.
func ExampleBucket_Watch() {
	ctx := context.Background()
	kvm := memkv.New()
	kv, _ := kvm.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "config"})
	kv.PutString(ctx, "app.color", "blue")
	kv.PutString(ctx, "app.size", "L")

	w, _ := kv.Watch(ctx, "app.*")
	defer w.Stop()
	kv.PutString(ctx, "app.color", "red")
	for i := 0; i < 4; i++ {
		e := <-w.Updates()
		if e == nil {
			fmt.Println("-- initial values done")
			continue
		}
		fmt.Printf("%s=%s rev=%d delta=%d\n", e.Key(), e.Value(), e.Revision(), e.Delta())
	}
	// Output:
	// app.color=blue rev=1 delta=1
	// app.size=L rev=2 delta=0
	// -- initial values done
	// app.color=red rev=3 delta=0
}

// Where the app takes a *nats.Conn rather than the KeyValueManager, connect
// it to memkv over the NATS protocol: nats.go's own clients then talk to
// the manager's buckets, and the manager's API sees what they did.
func ExampleManager_InProcessConn() {
	ctx := context.Background()
	m := memkv.New()
	defer m.Close()
	nc, err := nats.Connect("", nats.InProcessServer(m))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	fmt.Println(greeter(ctx, js, "ada"))

	kv, _ := m.KeyValue(ctx, "greetings") // the bucket the client created
	kv.PutString(ctx, "ada", "hello, Ada")
	fmt.Println(greeter(ctx, js, "ada"))
	// Output:
	// hello, stranger <nil>
	// hello, Ada <nil>
}
