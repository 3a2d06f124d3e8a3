package memkv_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetsim/jetsim/conformance"
	"github.com/jetsim/jetsim/memkv"
)

// Every benchmark here has the sub-benchmarks memkv and server (an
// embedded nats-server with memory storage, reached over loopback), so
// that one run gives the ratio:
//
//	go test -run '^$' -bench . ./memkv
//
// Sizes are modest so that the server side keeps the whole run to a few
// minutes; go run ./bench measures more, against the physical limit too.

var benchValue = make([]byte, 100)

// onBoth runs bench as the sub-benchmarks "memkv" and "server". setup
// runs once per sub-benchmark, on its first call and outside the timer;
// its cleanup is left to the parent, because a sub-benchmark's own
// cleanups run after each of its calls. bench gets b.N.
func onBoth[F any](b *testing.B, setup func(ctx context.Context, kvm jetstream.KeyValueManager) (F, func(), error), bench func(b *testing.B, f F)) {
	ctx := context.Background()
	for _, sys := range []struct {
		name string
		kvm  func() jetstream.KeyValueManager
	}{
		{"memkv", func() jetstream.KeyValueManager { return memkv.New() }},
		{"server", func() jetstream.KeyValueManager { return conformance.ServerManager(b) }},
	} {
		var f F
		ready := false
		parent := b
		b.Run(sys.name, func(b *testing.B) {
			b.ReportAllocs()
			if !ready {
				var cleanup func()
				var err error
				if f, cleanup, err = setup(ctx, sys.kvm()); err != nil {
					b.Fatalf("setup: %v", err)
				}
				parent.Cleanup(cleanup)
				ready = true
				b.ResetTimer()
			}
			bench(b, f)
		})
	}
}

var bucketSeq atomic.Int64

// newBucket creates a memory bucket with a new name keeping history
// revisions, and the cleanup deleting it.
func newBucket(ctx context.Context, kvm jetstream.KeyValueManager, history uint8) (jetstream.KeyValue, func(), error) {
	name := "bench" + strconv.FormatInt(bucketSeq.Add(1), 10)
	kv, err := kvm.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: name, History: history, Storage: jetstream.MemoryStorage})
	if err != nil {
		return nil, nil, err
	}
	return kv, func() { _ = kvm.DeleteKeyValue(context.Background(), name) }, nil
}

// fill puts every key rounds times. On the server it publishes
// asynchronously, which is what a Put is on the wire without the wait for
// each ack.
func fill(ctx context.Context, kvm jetstream.KeyValueManager, kv jetstream.KeyValue, keys []string, rounds int) error {
	js, async := kvm.(jetstream.JetStream)
	n := 0
	for range rounds {
		for _, k := range keys {
			if !async {
				if _, err := kv.Put(ctx, k, benchValue); err != nil {
					return err
				}
				continue
			}
			if _, err := js.PublishAsync("$KV."+kv.Bucket()+"."+k, benchValue); err != nil {
				return err
			}
			// Wait for the acks every so often: with too many outstanding
			// the client gives up (ErrTooManyStalledMsgs) on a busy machine.
			if n++; n%1000 == 0 || n == rounds*len(keys) {
				select {
				case <-js.PublishAsyncComplete():
				case <-time.After(time.Minute):
					return context.DeadlineExceeded
				}
			}
		}
	}
	return nil
}

func names(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = prefix + strconv.Itoa(i)
	}
	return out
}

// keys1000 are the keys the single-operation benchmarks cycle over.
var keys1000 = names("k", 1000)

func emptyBucket(ctx context.Context, kvm jetstream.KeyValueManager) (jetstream.KeyValue, func(), error) {
	return newBucket(ctx, kvm, 1)
}

// filledBucket returns a setup of a bucket keeping history revisions with
// each of keys stored history times.
func filledBucket(keys []string, history uint8) func(context.Context, jetstream.KeyValueManager) (jetstream.KeyValue, func(), error) {
	return func(ctx context.Context, kvm jetstream.KeyValueManager) (jetstream.KeyValue, func(), error) {
		kv, cleanup, err := newBucket(ctx, kvm, history)
		if err == nil {
			if err = fill(ctx, kvm, kv, keys, int(history)); err != nil {
				cleanup()
			}
		}
		return kv, cleanup, err
	}
}

// BenchmarkPut puts 100-byte values, cycling over 1000 keys.
func BenchmarkPut(b *testing.B) {
	onBoth(b, emptyBucket, func(b *testing.B, kv jetstream.KeyValue) {
		ctx := context.Background()
		for i := range b.N {
			if _, err := kv.Put(ctx, keys1000[i%1000], benchValue); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkGet gets the latest value of one of 1000 keys.
func BenchmarkGet(b *testing.B) {
	onBoth(b, filledBucket(keys1000, 1), func(b *testing.B, kv jetstream.KeyValue) {
		ctx := context.Background()
		for i := range b.N {
			if _, err := kv.Get(ctx, keys1000[i%1000]); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCreate creates new keys, in a new bucket for each b.N.
func BenchmarkCreate(b *testing.B) {
	setup := func(_ context.Context, kvm jetstream.KeyValueManager) (jetstream.KeyValueManager, func(), error) {
		return kvm, func() {}, nil
	}
	onBoth(b, setup, func(b *testing.B, kvm jetstream.KeyValueManager) {
		ctx := context.Background()
		b.StopTimer()
		kv, cleanup, err := newBucket(ctx, kvm, 1)
		if err != nil {
			b.Fatal(err)
		}
		defer cleanup()
		keys := names("c", b.N)
		b.StartTimer()
		for _, k := range keys {
			if _, err := kv.Create(ctx, k, benchValue); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
	})
}

// BenchmarkUpdate updates one of 1000 keys with its latest revision.
func BenchmarkUpdate(b *testing.B) {
	type fixture struct {
		kv   jetstream.KeyValue
		revs []uint64
	}
	setup := func(ctx context.Context, kvm jetstream.KeyValueManager) (*fixture, func(), error) {
		kv, cleanup, err := newBucket(ctx, kvm, 1)
		if err != nil {
			return nil, nil, err
		}
		f := &fixture{kv: kv, revs: make([]uint64, len(keys1000))}
		for i, k := range keys1000 {
			if f.revs[i], err = kv.Put(ctx, k, benchValue); err != nil {
				cleanup()
				return nil, nil, err
			}
		}
		return f, cleanup, nil
	}
	onBoth(b, setup, func(b *testing.B, f *fixture) {
		ctx := context.Background()
		for i := range b.N {
			j := i % len(keys1000)
			rev, err := f.kv.Update(ctx, keys1000[j], benchValue, f.revs[j])
			if err != nil {
				b.Fatal(err)
			}
			f.revs[j] = rev
		}
	})
}

// BenchmarkHistory10 reads the history of one of 100 keys, 10 revisions
// each.
func BenchmarkHistory10(b *testing.B) {
	onBoth(b, filledBucket(keys1000[:100], 10), func(b *testing.B, kv jetstream.KeyValue) {
		ctx := context.Background()
		for i := range b.N {
			h, err := kv.History(ctx, keys1000[i%100])
			if err != nil || len(h) != 10 {
				b.Fatalf("History: %d entries, %v", len(h), err)
			}
		}
	})
}

// BenchmarkKeys10k lists the keys of a bucket of 10,000.
func BenchmarkKeys10k(b *testing.B) {
	onBoth(b, filledBucket(names("k", 10000), 1), func(b *testing.B, kv jetstream.KeyValue) {
		ctx := context.Background()
		for range b.N {
			keys, err := kv.Keys(ctx)
			if err != nil || len(keys) != 10000 {
				b.Fatalf("Keys: %d keys, %v", len(keys), err)
			}
		}
	})
}

// BenchmarkWatchStart starts a watcher on ">" over a bucket of 100,000
// keys (10,000 for the server, which takes about a second per 100,000)
// and reads until the end-of-initial-values marker.
func BenchmarkWatchStart(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		b.Run("keys="+strconv.Itoa(n), func(b *testing.B) {
			onBoth(b, filledBucket(names("k", n), 1), func(b *testing.B, kv jetstream.KeyValue) {
				ctx := context.Background()
				for range b.N {
					w, err := kv.Watch(ctx, ">")
					if err != nil {
						b.Fatal(err)
					}
					got := 0
					for e := range w.Updates() {
						if e == nil {
							break
						}
						got++
					}
					b.StopTimer()
					_ = w.Stop()
					if got != n {
						b.Fatalf("got %d initial values, want %d", got, n)
					}
					b.StartTimer()
				}
			})
		})
	}
}

// BenchmarkFanOut puts b.N entries watched by W watchers, either all on
// ">" or each on its own keys "w<i>.>" with the puts spread round-robin
// (b.N rounded up to a multiple of W, so that every watcher gets as
// many). It reports deliveries/s from the first put until the last
// watcher has its last entry.
func BenchmarkFanOut(b *testing.B) {
	for _, own := range []bool{false, true} {
		for _, w := range []int{1, 10, 100, 1000} {
			name := "all/W=" + strconv.Itoa(w)
			if own {
				name = "own/W=" + strconv.Itoa(w)
			}
			b.Run(name, func(b *testing.B) {
				onBoth(b, func(ctx context.Context, kvm jetstream.KeyValueManager) (*fanOut, func(), error) {
					return newFanOut(ctx, kvm, w, own)
				}, func(b *testing.B, f *fanOut) { f.bench(b) })
			})
		}
	}
}

// fanOut is a bucket with watchers, each read by a goroutine counting its
// deliveries.
type fanOut struct {
	kv       jetstream.KeyValue
	own      bool
	epoch    time.Time
	tallies  []tally
	complete sync.WaitGroup // one Done per watcher per burst
	readers  sync.WaitGroup
}

type tally struct {
	got, want atomic.Int64
	doneAt    atomic.Int64 // nanoseconds since epoch when got reached want
}

func newFanOut(ctx context.Context, kvm jetstream.KeyValueManager, w int, own bool) (*fanOut, func(), error) {
	kv, drop, err := newBucket(ctx, kvm, 1)
	if err != nil {
		return nil, nil, err
	}
	f := &fanOut{kv: kv, own: own, epoch: time.Now(), tallies: make([]tally, w)}
	var watchers []jetstream.KeyWatcher
	cleanup := func() {
		for _, kw := range watchers {
			_ = kw.Stop()
		}
		f.readers.Wait()
		drop()
	}
	for i := range w {
		pattern := ">"
		if own {
			pattern = "w" + strconv.Itoa(i) + ".>"
		}
		kw, err := kv.Watch(ctx, pattern)
		if err != nil {
			cleanup()
			return nil, nil, err
		}
		watchers = append(watchers, kw)
		if e := <-kw.Updates(); e != nil {
			cleanup()
			return nil, nil, fmt.Errorf("watcher %d: got %q before the initial-values marker", i, e.Key())
		}
		t := &f.tallies[i]
		f.readers.Go(func() {
			for e := range kw.Updates() {
				if e != nil && t.got.Add(1) == t.want.Load() {
					t.doneAt.Store(int64(time.Since(f.epoch)))
					f.complete.Done()
				}
			}
		})
	}
	return f, cleanup, nil
}

// bench puts b.N entries, each under a key of its own: a watcher that is
// behind skips revisions that a later put of the same key superseded.
func (f *fanOut) bench(b *testing.B) {
	b.StopTimer()
	w := len(f.tallies)
	puts, each := b.N, b.N
	if f.own {
		puts = (b.N + w - 1) / w * w
		each = puts / w
	}
	keys := make([]string, puts)
	for i := range keys {
		keys[i] = "k" + strconv.Itoa(i)
		if f.own {
			keys[i] = "w" + strconv.Itoa(i%w) + ".k" + strconv.Itoa(i/w)
		}
	}
	f.complete.Add(w)
	for i := range f.tallies {
		t := &f.tallies[i]
		t.want.Store(t.got.Load() + int64(each))
	}
	ctx := context.Background()
	b.StartTimer()
	start := time.Since(f.epoch)
	for _, k := range keys {
		if _, err := f.kv.Put(ctx, k, benchValue); err != nil {
			b.Fatal(err)
		}
	}
	f.complete.Wait()
	b.StopTimer()
	var end time.Duration
	for i := range f.tallies {
		end = max(end, time.Duration(f.tallies[i].doneAt.Load()))
	}
	deliveries := puts
	if !f.own {
		deliveries = puts * w
	}
	b.ReportMetric(float64(deliveries)/(end-start).Seconds(), "deliveries/s")
}

// BenchmarkPutIdleWatchers is BenchmarkPut with W watchers on keys that
// are never written ("idle<i>.>"): their cost to a writer that is not
// theirs.
func BenchmarkPutIdleWatchers(b *testing.B) {
	for _, w := range []int{0, 1000} {
		b.Run("watchers="+strconv.Itoa(w), func(b *testing.B) {
			setup := func(ctx context.Context, kvm jetstream.KeyValueManager) (jetstream.KeyValue, func(), error) {
				kv, drop, err := newBucket(ctx, kvm, 1)
				if err != nil {
					return nil, nil, err
				}
				var watchers []jetstream.KeyWatcher
				cleanup := func() {
					for _, kw := range watchers {
						_ = kw.Stop()
					}
					drop()
				}
				for i := range w {
					kw, err := kv.Watch(ctx, "idle"+strconv.Itoa(i)+".>")
					if err != nil {
						cleanup()
						return nil, nil, err
					}
					watchers = append(watchers, kw)
					<-kw.Updates() // the initial-values marker
				}
				return kv, cleanup, nil
			}
			onBoth(b, setup, func(b *testing.B, kv jetstream.KeyValue) {
				ctx := context.Background()
				for i := range b.N {
					if _, err := kv.Put(ctx, keys1000[i%1000], benchValue); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
