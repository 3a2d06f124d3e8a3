package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Fan-out modes: every watcher on every key, or each on its own keys.
const (
	modeAll = "all" // every watcher watches ">"
	modeOwn = "own" // watcher i watches "w<i>.>", and puts go round-robin
)

// watchScenarios are the fan-out and watch-start scenarios.
func watchScenarios(sz sizes) []scenario {
	var out []scenario
	for _, mode := range []string{modeAll, modeOwn} {
		for _, w := range sz.watchers {
			out = append(out, fanOut(mode, w))
		}
	}
	return append(out, watchStart(sz.keys), watchStart(10*sz.keys))
}

// deliveryTimeout bounds the wait for one burst's deliveries.
const deliveryTimeout = time.Minute

// watchTally is one watcher's count of deliveries, read by its own
// goroutine.
type watchTally struct {
	got    atomic.Int64
	want   atomic.Int64 // got's value when this burst is complete
	doneAt atomic.Int64 // when got reached want, since the fixture's epoch
}

// fanOut measures puts delivered to w watchers: deliveries per second
// over a burst, from the first put until the last watcher has its last
// entry; and, in an idle bucket, the time from the start of one put until
// the last watcher it is for has it.
func fanOut(mode string, w int) scenario {
	return scenario{
		name:    fmt.Sprintf("FanOut/%s/W=%d", mode, w),
		figures: []figure{deliveryRate, lastDelivery},
		prepare: func(ctx context.Context, _ kind, sys system) (*fixture, error) {
			st, err := sys.Open(ctx, 1)
			if err != nil {
				return nil, err
			}
			fo := &fanOutFixture{st: st, mode: mode, epoch: time.Now(), tallies: make([]watchTally, w)}
			if err := fo.start(ctx, w); err != nil {
				fo.close()
				return nil, err
			}
			return &fixture{run: fo.run, close: fo.close}, nil
		},
	}
}

type fanOutFixture struct {
	st      store
	mode    string
	epoch   time.Time
	feeds   []feed
	keys    []string // by put within a burst
	tallies []watchTally
	burst   sync.WaitGroup // one Done per watcher per burst
	readers sync.WaitGroup
}

// start starts the watchers and their readers, each after its
// end-of-initial-values marker.
func (fo *fanOutFixture) start(ctx context.Context, w int) error {
	for i := range w {
		pattern := ">"
		if fo.mode == modeOwn {
			pattern = "w" + strconv.Itoa(i) + ".>"
		}
		f, err := fo.st.watch(ctx, pattern)
		if err != nil {
			return err
		}
		fo.feeds = append(fo.feeds, f)
		if rev, ok := f.next(); !ok || rev != 0 {
			return fmt.Errorf("watcher %d: got revision %d (open %t) before the initial-values marker", i, rev, ok)
		}
		t := &fo.tallies[i]
		fo.readers.Go(func() {
			for {
				rev, ok := f.next()
				if !ok {
					return
				}
				if rev != 0 && t.got.Add(1) == t.want.Load() {
					t.doneAt.Store(int64(time.Since(fo.epoch)))
					fo.burst.Done()
				}
			}
		})
	}
	return nil
}

// run puts n entries (in modeOwn, n rounded up to a multiple of the
// watcher count, so that every watcher gets as many) and waits until every
// watcher has its share; then it probes the latency of single puts.
func (fo *fanOutFixture) run(ctx context.Context, n int) (sample, error) {
	w := len(fo.feeds)
	puts, each, deliveries := n, n, n*w
	if fo.mode == modeOwn {
		puts = (n + w - 1) / w * w
		each, deliveries = puts/w, puts
	}
	fo.growKeys(puts)
	all := make([]int, w)
	for i := range all {
		all[i] = i
	}
	fo.expect(all, each)
	start := time.Since(fo.epoch)
	for _, key := range fo.keys[:puts] {
		if _, err := fo.st.put(ctx, key, value); err != nil {
			return sample{}, err
		}
	}
	end, err := fo.await(all)
	if err != nil {
		return sample{}, fmt.Errorf("%w: %d puts to %d watchers", err, puts, w)
	}
	lag, err := fo.probe(ctx, all)
	if err != nil {
		return sample{}, err
	}
	return sample{ops: puts, elapsed: end - start, deliveries: deliveries, lag: lag}, nil
}

// probes is the number of single puts whose latency run measures.
const probes = 5

// probe returns the median time from the start of a put in an idle bucket
// until the last watcher it is for has it: all of them in modeAll, one in
// modeOwn.
func (fo *fanOutFixture) probe(ctx context.Context, all []int) (time.Duration, error) {
	lats := make([]float64, probes)
	for p := range probes {
		key, for_ := "p"+strconv.Itoa(p), all
		if fo.mode == modeOwn {
			i := p % len(fo.feeds)
			key, for_ = "w"+strconv.Itoa(i)+".p"+strconv.Itoa(p), []int{i}
		}
		fo.expect(for_, 1)
		start := time.Since(fo.epoch)
		if _, err := fo.st.put(ctx, key, value); err != nil {
			return 0, err
		}
		end, err := fo.await(for_)
		if err != nil {
			return 0, fmt.Errorf("%w: probe put", err)
		}
		lats[p] = float64(end - start)
	}
	return time.Duration(median(lats)), nil
}

// expect sets the watchers ws up to wait for each more deliveries.
func (fo *fanOutFixture) expect(ws []int, each int) {
	fo.burst.Add(len(ws))
	for _, i := range ws {
		t := &fo.tallies[i]
		t.want.Store(t.got.Load() + int64(each))
	}
}

// await waits until the watchers ws have what expect set them up for and
// returns when the last of them got it.
func (fo *fanOutFixture) await(ws []int) (time.Duration, error) {
	if err := waitFor(&fo.burst, deliveryTimeout); err != nil {
		var short []string
		for _, i := range ws {
			if t := &fo.tallies[i]; t.got.Load() < t.want.Load() {
				short = append(short, fmt.Sprintf("w%d %d/%d", i, t.got.Load(), t.want.Load()))
			}
		}
		return 0, fmt.Errorf("%w; behind: %v", err, short)
	}
	var end time.Duration
	for _, i := range ws {
		end = max(end, time.Duration(fo.tallies[i].doneAt.Load()))
	}
	return end, nil
}

// growKeys makes sure there are key names for puts puts. Every put of a
// burst has its own key: a put supersedes the key's previous revision, and
// a watcher that is behind skips superseded revisions (a watcher is a
// cursor over the stream, on the server as in memkv), which would leave
// deliveries uncounted. In modeOwn put i goes to watcher i mod W.
func (fo *fanOutFixture) growKeys(puts int) {
	w := len(fo.feeds)
	for i := len(fo.keys); i < puts; i++ {
		key := "k" + strconv.Itoa(i)
		if fo.mode == modeOwn {
			key = "w" + strconv.Itoa(i%w) + ".k" + strconv.Itoa(i/w)
		}
		fo.keys = append(fo.keys, key)
	}
}

// close drops the bucket, which for the server also drops the watchers'
// connection, then stops the watchers and waits for their readers.
func (fo *fanOutFixture) close() error {
	err := fo.st.close()
	for _, f := range fo.feeds {
		f.stop()
	}
	if werr := waitFor(&fo.readers, 10*time.Second); err == nil && werr != nil {
		err = fmt.Errorf("stopping watchers: %w", werr)
	}
	return err
}

var errTimeout = errors.New("timed out waiting for deliveries")

func waitFor(wg *sync.WaitGroup, d time.Duration) error {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-time.After(d):
		return errTimeout
	}
}

// watchStart measures starting a watcher on ">" over a bucket of n keys
// until its end-of-initial-values marker.
func watchStart(n int) scenario {
	return scenario{
		name:    "WatchStart/keys=" + strconv.Itoa(n),
		figures: []figure{perOp},
		prepare: func(ctx context.Context, _ kind, sys system) (*fixture, error) {
			st, err := sys.Open(ctx, 1)
			if err != nil {
				return nil, err
			}
			if err := st.fill(ctx, keyNames("k", n), sameValue); err != nil {
				st.close()
				return nil, fmt.Errorf("fill: %w", err)
			}
			return &fixture{close: st.close, run: func(ctx context.Context, runs int) (sample, error) {
				var elapsed time.Duration
				for range runs {
					start := time.Now()
					f, err := st.watch(ctx, ">")
					if err != nil {
						return sample{}, err
					}
					got := 0
					for {
						rev, ok := f.next()
						if !ok {
							return sample{}, errors.New("watcher closed before the initial-values marker")
						}
						if rev == 0 {
							break
						}
						got++
					}
					elapsed += time.Since(start)
					f.stop()
					if got != n {
						return sample{}, fmt.Errorf("watch start: got %d initial values, want %d", got, n)
					}
				}
				return sample{ops: runs, elapsed: elapsed}, nil
			}}, nil
		},
	}
}
