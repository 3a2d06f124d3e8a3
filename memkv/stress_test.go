package memkv_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/memkv"
)

// stressWait bounds every wait in the stress tests.
const stressWait = 10 * time.Second

// stressGoroutines waits until at most base goroutines run, and dumps them
// if they do not come down.
func stressGoroutines(t testing.TB, base int) {
	t.Helper()
	deadline := time.Now().Add(stressWait)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			require.FailNow(t, "goroutines leaked", "%d running, %d at start\n%s", runtime.NumGoroutine(), base, buf)
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}

// stressDrain reads ch until it is closed, checking that revisions only
// increase, and reports whether it closed in time.
func stressDrain(ch <-chan jetstream.KeyValueEntry, last *uint64) (ok bool, err error) {
	deadline := time.After(stressWait)
	for {
		select {
		case e, open := <-ch:
			if !open {
				return true, err
			}
			if e != nil {
				if e.Revision() <= *last && err == nil {
					err = fmt.Errorf("revision %d after %d", e.Revision(), *last)
				}
				*last = e.Revision()
			}
		case <-deadline:
			return false, err
		}
	}
}

type stressWin struct{ prev, next uint64 }

// TestStress runs writers (Put, Delete, Purge on overlapping keys), CAS
// contenders on one key, watchers that start and stop, and readers (Keys,
// History, Get) at the same time, under -race. It checks that each
// revision of the CAS key has exactly one winner and that the winners form
// one chain; that every watcher sees strictly increasing revisions, at
// most one nil marker (none with UpdatesOnly), and a closed channel after
// Stop or the end of its context; and that no goroutine is left.
func TestStress(t *testing.T) {
	base := runtime.NumGoroutine()
	ctx := context.Background()
	m := memkv.New()
	kv, err := m.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "S", History: 5, Storage: jetstream.MemoryStorage})
	require.NoError(t, err)

	const (
		duration   = 1500 * time.Millisecond
		writers    = 4
		contenders = 4
		watchers   = 4
		readers    = 2
		keysInPlay = 8
		casKey     = "cas"
	)
	deadline := time.Now().Add(duration)
	first, err := kv.Create(ctx, casKey, []byte("0"))
	require.NoError(t, err)

	var (
		writersWG, othersWG sync.WaitGroup
		done                = make(chan struct{})
		mu                  sync.Mutex
		wins                []stressWin
		watcherRounds       atomic.Int64
		watchedEntries      atomic.Int64
		casLosses           atomic.Int64
	)
	key := func(r *rand.Rand) string { return fmt.Sprintf("k%d", r.IntN(keysInPlay)) }

	for i := range writers {
		writersWG.Add(1)
		go func() {
			defer writersWG.Done()
			r := rand.New(rand.NewPCG(uint64(i), 1))
			for j := 0; time.Now().Before(deadline); j++ {
				var err error
				switch n := r.IntN(10); {
				case n < 7:
					_, err = kv.Put(ctx, key(r), []byte(fmt.Sprintf("w%d-%d", i, j)))
				case n < 9:
					err = kv.Delete(ctx, key(r))
				default:
					err = kv.Purge(ctx, key(r))
				}
				assert.NoError(t, err)
			}
		}()
	}

	for i := range contenders {
		writersWG.Add(1)
		go func() {
			defer writersWG.Done()
			for j := 0; time.Now().Before(deadline); j++ {
				e, err := kv.Get(ctx, casKey)
				if !assert.NoError(t, err) {
					return
				}
				rev, err := kv.Update(ctx, casKey, []byte(fmt.Sprintf("c%d-%d", i, j)), e.Revision())
				switch {
				case err == nil:
					mu.Lock()
					wins = append(wins, stressWin{e.Revision(), rev})
					mu.Unlock()
				case errors.Is(err, jetstream.ErrKeyExists):
					casLosses.Add(1)
					assert.ErrorIs(t, err, jetstream.ErrKeyRevisionMismatch)
				default:
					assert.NoError(t, err)
				}
			}
		}()
	}

	for i := range watchers {
		othersWG.Add(1)
		go func() {
			defer othersWG.Done()
			r := rand.New(rand.NewPCG(uint64(i), 2))
			for {
				select {
				case <-done:
					return
				default:
				}
				var opts []jetstream.WatchOpt
				updatesOnly := false
				switch r.IntN(4) {
				case 1:
					opts = append(opts, jetstream.IncludeHistory())
				case 2:
					opts = append(opts, jetstream.UpdatesOnly())
					updatesOnly = true
				case 3:
					opts = append(opts, jetstream.IgnoreDeletes(), jetstream.MetaOnly())
				}
				pattern := jetstream.AllKeys
				if r.IntN(2) == 0 {
					pattern = key(r)
				}
				wctx, cancel := context.WithCancel(ctx)
				w, err := kv.Watch(wctx, pattern, opts...)
				if !assert.NoError(t, err) {
					cancel()
					return
				}
				var last uint64
				nils := 0
			read:
				for range r.IntN(300) {
					var e jetstream.KeyValueEntry
					var open bool
					select {
					case e, open = <-w.Updates():
					case <-done: // no more writes: there may be nothing left to read
						break read
					}
					if !assert.True(t, open, "channel closed before Stop") {
						break
					}
					if e == nil {
						nils++
						continue
					}
					assert.Greater(t, e.Revision(), last, "watcher revisions")
					last = e.Revision()
					watchedEntries.Add(1)
				}
				if r.IntN(2) == 0 {
					assert.NoError(t, w.Stop())
				} else {
					cancel()
				}
				closed, err := stressDrain(w.Updates(), &last)
				if !closed {
					buf := make([]byte, 1<<20)
					buf = buf[:runtime.Stack(buf, true)]
					t.Errorf("channel not closed after the watcher was stopped (pattern %q, opts %d)\n%s", pattern, len(opts), buf)
				}
				assert.NoError(t, err)
				assert.LessOrEqual(t, nils, 1, "at most one nil marker")
				if updatesOnly {
					assert.Zero(t, nils, "no nil with UpdatesOnly")
				}
				cancel()
				watcherRounds.Add(1)
			}
		}()
	}

	for i := range readers {
		othersWG.Add(1)
		go func() {
			defer othersWG.Done()
			r := rand.New(rand.NewPCG(uint64(i), 3))
			for {
				select {
				case <-done:
					return
				default:
				}
				keys, err := kv.Keys(ctx)
				if err == nil {
					assert.True(t, slices.IsSorted(keys), "Keys sorted: %v", keys)
					assert.Equal(t, len(keys), len(slices.Compact(slices.Clone(keys))), "Keys unique: %v", keys)
				} else {
					assert.ErrorIs(t, err, jetstream.ErrNoKeysFound)
				}
				h, err := kv.History(ctx, key(r))
				if err == nil {
					assert.LessOrEqual(t, len(h), 5)
					for j := 1; j < len(h); j++ {
						assert.Greater(t, h[j].Revision(), h[j-1].Revision(), "History in revision order")
					}
					assert.Zero(t, h[len(h)-1].Delta())
				} else {
					assert.ErrorIs(t, err, jetstream.ErrKeyNotFound)
				}
				if e, err := kv.Get(ctx, key(r)); err == nil {
					assert.Equal(t, jetstream.KeyValuePut, e.Operation())
				} else {
					assert.ErrorIs(t, err, jetstream.ErrKeyNotFound)
				}
			}
		}()
	}

	writersWG.Wait()
	close(done)
	othersWG.Wait()
	t.Logf("%d CAS wins, %d CAS losses, %d watcher rounds, %d watched entries", len(wins), casLosses.Load(), watcherRounds.Load(), watchedEntries.Load())

	// One winner per revision, and the winners form one chain from the
	// Create to the key's latest revision.
	slices.SortFunc(wins, func(a, b stressWin) int { return int(a.prev) - int(b.prev) })
	require.NotEmpty(t, wins)
	require.Equal(t, first, wins[0].prev, "the chain starts at the Create")
	for i := 1; i < len(wins); i++ {
		require.NotEqual(t, wins[i-1].prev, wins[i].prev, "two winners over revision %d", wins[i].prev)
		require.Equal(t, wins[i-1].next, wins[i].prev, "broken chain at %d", i)
	}
	latest, err := kv.Get(ctx, casKey)
	require.NoError(t, err)
	require.Equal(t, wins[len(wins)-1].next, latest.Revision())

	require.Zero(t, m.Watchers("S"), "every watcher stopped")
	require.NoError(t, m.DeleteKeyValue(ctx, "S"))
	stressGoroutines(t, base)
}

// TestStopManyWatchers starts 1000 watchers, some with a full channel
// (their goroutine is blocked sending), and ends half with Stop and half
// with their context, without reading them: every goroutine ends and
// every channel closes.
func TestStopManyWatchers(t *testing.T) {
	base := runtime.NumGoroutine()
	ctx := context.Background()
	m := memkv.New()
	small, err := m.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "SMALL", Storage: jetstream.MemoryStorage})
	require.NoError(t, err)
	big, err := m.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "BIG", Storage: jetstream.MemoryStorage})
	require.NoError(t, err)
	for i := range 3 {
		_, err := small.PutString(ctx, fmt.Sprintf("k%d", i), "v")
		require.NoError(t, err)
	}
	for i := range 300 { // more than a watcher's channel holds
		_, err := big.PutString(ctx, fmt.Sprintf("k%d", i), "v")
		require.NoError(t, err)
	}

	const n = 1000
	type started struct {
		w      jetstream.KeyWatcher
		cancel context.CancelFunc
	}
	ws := make([]started, n)
	for i := range ws {
		kv := small
		if i%20 == 0 {
			kv = big
		}
		wctx, cancel := context.WithCancel(ctx)
		w, err := kv.WatchAll(wctx)
		require.NoError(t, err)
		ws[i] = started{w, cancel}
	}
	require.Eventually(t, func() bool { return len(ws[0].w.Updates()) == 256 }, stressWait, time.Millisecond, "big watcher filled its channel")
	for i, s := range ws {
		if i%2 == 0 {
			require.NoError(t, s.w.Stop())
		} else {
			s.cancel()
		}
	}
	for i, s := range ws {
		var last uint64
		closed, err := stressDrain(s.w.Updates(), &last)
		require.True(t, closed, "watcher %d: channel not closed", i)
		require.NoError(t, err)
		s.cancel()
	}
	stressGoroutines(t, base)
	require.Zero(t, m.Watchers(""))
}

// stressHeap returns the live heap after a collection.
func stressHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestStoppedWatchersAreReleased checks that a program that keeps
// watching and stopping (one watcher per request, say) does not keep the
// stopped watchers in memory.
func TestStoppedWatchersAreReleased(t *testing.T) {
	ctx := context.Background()
	m := memkv.New()
	kv, err := m.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "R", Storage: jetstream.MemoryStorage})
	require.NoError(t, err)
	_, err = kv.PutString(ctx, "k", "v")
	require.NoError(t, err)

	cycle := func(n int) {
		for range n {
			w, err := kv.Watch(ctx, "k")
			require.NoError(t, err)
			require.NotNil(t, <-w.Updates())
			require.Nil(t, <-w.Updates())
			require.NoError(t, w.Stop())
			_, open := <-w.Updates()
			require.False(t, open)
		}
	}
	cycle(100) // warm up
	before := stressHeap()
	const n = 5000
	cycle(n)
	grown := int64(stressHeap()) - int64(before)
	t.Logf("heap grew by %d bytes over %d watch/stop cycles", grown, n)
	// A watcher's channel alone is 256 pointers (2 KiB): keeping them would
	// cost about 10 MiB here.
	require.Less(t, grown, int64(1<<20), "stopped watchers are kept: %d bytes for %d watchers", grown, n)
}
