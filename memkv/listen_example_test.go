package memkv_test

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetsim/jetsim/memkv"
)

// countVisits is application code that only takes a URL: it dials, and
// counts a visit in the "visits" bucket.
func countVisits(ctx context.Context, url, page string) (uint64, error) {
	nc, err := nats.Connect(url)
	if err != nil {
		return 0, err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return 0, err
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "visits", History: 10})
	if err != nil {
		return 0, err
	}
	return kv.PutString(ctx, page, "visited")
}

// Code that dials a URL gets the manager's buckets over loopback TCP; the
// bucket it creates is the one the manager's API reads.
func ExampleManager_Listen() {
	ctx := context.Background()
	m := memkv.New()
	defer m.Close() // closes the listener and its connections
	url, err := m.Listen("127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	countVisits(ctx, url, "home")
	fmt.Println(countVisits(ctx, url, "home"))

	kv, _ := m.KeyValue(ctx, "visits")
	history, _ := kv.History(ctx, "home")
	fmt.Println(len(history), "visits")
	// Output:
	// 2 <nil>
	// 2 visits
}
