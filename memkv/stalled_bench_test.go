package memkv_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetsim/jetsim/conformance"
	"github.com/jetsim/jetsim/memkv"
)

// stalledPuts is how many puts BenchmarkStalledWatchersHeap makes per run.
const stalledPuts = 1_000_000

// stallWatchers starts w watchers of every key of kv that nobody reads
// and, with stall, puts past their flow-control window (20 rounds of 1000
// keys, SEMANTICS §6.5.2). It returns the function that stops them.
func stallWatchers(ctx context.Context, kvm jetstream.KeyValueManager, kv jetstream.KeyValue, w int, stall bool) (func(), error) {
	var watchers []jetstream.KeyWatcher
	stop := func() {
		for _, kw := range watchers {
			_ = kw.Stop()
		}
	}
	for range w {
		kw, err := kv.WatchAll(ctx)
		if err != nil {
			stop()
			return nil, err
		}
		watchers = append(watchers, kw)
	}
	if !stall {
		return stop, nil
	}
	if err := fill(ctx, kvm, kv, keys1000, 20); err != nil {
		stop()
		return nil, err
	}
	return stop, nil
}

// BenchmarkStalledWatchersHeap measures what watchers that are never read
// cost in memory (issue #12 item 9): the growth of the live heap from
// before W such watchers start on 1000 keys (100-byte values, history 1)
// to after 1M puts, as heap-MB, the same run on memkv and on nats-server
// (in this process: the heap holds both the server and its client). The
// server stops pushing to a watcher at its flow-control window, and so
// does memkv; the server's idle heartbeat reopens the window every 5 s of
// stall (not modelled), so that a longer run costs it more.
//
//	go test -run '^$' -bench StalledWatchersHeap -benchtime 1x ./memkv
func BenchmarkStalledWatchersHeap(b *testing.B) {
	ctx := context.Background()
	for _, w := range []int{0, 1, 10} {
		for _, sys := range []struct {
			name string
			kvm  func(b *testing.B) jetstream.KeyValueManager
		}{
			{"memkv", func(*testing.B) jetstream.KeyValueManager { return memkv.New() }},
			{"server", func(b *testing.B) jetstream.KeyValueManager { return conformance.ServerManager(b) }},
		} {
			b.Run("W="+strconv.Itoa(w)+"/"+sys.name, func(b *testing.B) {
				kvm := sys.kvm(b)
				var grown float64
				for range b.N {
					b.StopTimer()
					kv, drop, err := newBucket(ctx, kvm, 1)
					if err != nil {
						b.Fatal(err)
					}
					if err := fill(ctx, kvm, kv, keys1000, 1); err != nil {
						b.Fatal(err)
					}
					before := stressHeap()
					stop, err := stallWatchers(ctx, kvm, kv, w, false)
					if err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					if err := fill(ctx, kvm, kv, keys1000, stalledPuts/1000); err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					after := stressHeap()
					grown += (float64(after) - float64(before)) / (1 << 20)
					stop()
					drop()
					b.StartTimer()
				}
				b.ReportMetric(grown/float64(b.N), "heap-MB")
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*stalledPuts), "ns/put")
			})
		}
	}
}

// BenchmarkPutStalledWatchers is BenchmarkPut on 1000 keys with W
// watchers of every key that are never read, stalled past their
// flow-control window before the timer starts: what they cost a writer.
func BenchmarkPutStalledWatchers(b *testing.B) {
	for _, w := range []int{0, 10, 100} {
		b.Run("watchers="+strconv.Itoa(w), func(b *testing.B) {
			setup := func(ctx context.Context, kvm jetstream.KeyValueManager) (jetstream.KeyValue, func(), error) {
				kv, drop, err := newBucket(ctx, kvm, 1)
				if err != nil {
					return nil, nil, err
				}
				stop, err := stallWatchers(ctx, kvm, kv, w, true)
				if err != nil {
					drop()
					return nil, nil, err
				}
				return kv, func() { stop(); drop() }, nil
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
