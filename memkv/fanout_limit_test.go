package memkv_test

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// limitEntry is the limit's delivery: one immutable entry per put, shared
// by every watcher by pointer, as memkv shares a message's memo.
type limitEntry struct {
	key string
	val []byte
	rev uint64
}

// BenchmarkFanOutLimit is BenchmarkFanOut/all against the least a
// fan-out can cost in one process: a mutex, a map and a revision counter
// per put, then the shared entry's pointer sent to each watcher's
// buffered channel (capacity 256, as a watcher's) by the writer, and read
// by one goroutine per watcher. memkv's deliveries/s over this figure is
// its fan-out efficiency (issue #12 item 8).
func BenchmarkFanOutLimit(b *testing.B) {
	for _, w := range []int{1, 10, 100, 1000} {
		b.Run("all/W="+strconv.Itoa(w), func(b *testing.B) {
			var mu sync.Mutex
			kv := map[string]*limitEntry{}
			var rev uint64
			chans := make([]chan *limitEntry, w)
			var got atomic.Int64
			var lastAt atomic.Int64
			var readers sync.WaitGroup
			epoch := time.Now()
			want := int64(b.N) * int64(w)
			for i := range chans {
				ch := make(chan *limitEntry, 256)
				chans[i] = ch
				readers.Go(func() {
					for range ch {
						if got.Add(1) == want {
							lastAt.Store(int64(time.Since(epoch)))
						}
					}
				})
			}
			keys := make([]string, b.N)
			for i := range keys {
				keys[i] = "k" + strconv.Itoa(i)
			}
			b.ResetTimer()
			start := time.Since(epoch)
			for _, k := range keys {
				mu.Lock()
				rev++
				e := &limitEntry{key: k, val: append([]byte(nil), benchValue...), rev: rev}
				kv[k] = e
				mu.Unlock()
				for _, ch := range chans {
					ch <- e
				}
			}
			for _, ch := range chans {
				close(ch)
			}
			readers.Wait()
			b.StopTimer()
			b.ReportMetric(float64(want)/(time.Duration(lastAt.Load())-start).Seconds(), "deliveries/s")
		})
	}
}
