package main

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"time"
)

// sizes are the scenario sizes the flags choose.
type sizes struct {
	keys     int   // keys for Keys and the small watch start; ten times as many for the large one and Heap
	watchers []int // watcher counts for fan-out
}

// valueSize is the size of every stored value.
const valueSize = 100

var value = make([]byte, valueSize)

// keyNames returns "<prefix><i>" for i < n.
func keyNames(prefix string, n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = prefix + strconv.Itoa(i)
	}
	return keys
}

// sameValue is a fill value function giving the shared value.
func sameValue(int) []byte { return value }

// kvScenarios are the single-operation and storage scenarios.
func kvScenarios(sz sizes) []scenario {
	// Latency scenarios cycle over a bucket of this many keys.
	const cycle = 1000
	keys := keyNames("k", cycle)
	return []scenario{
		{name: "Setup", figures: []figure{perOp}, prepare: setupScenario},
		opScenario("Put", 1, nil, func(ctx context.Context, st store, i int) error {
			_, err := st.put(ctx, keys[i%cycle], value)
			return err
		}),
		// Get reads the value too: its figure is Get + Value().
		opScenario("Get", 1, filled(keys, 1), func(ctx context.Context, st store, i int) error {
			v, _, err := st.get(ctx, keys[i%cycle])
			if err == nil && len(v) != valueSize {
				err = fmt.Errorf("get: %d-byte value, want %d", len(v), valueSize)
			}
			return err
		}),
		{name: "Create", figures: []figure{perOp}, prepare: createScenario},
		updateScenario(keys),
		opScenario("Delete", 1, filled(keys, 1), func(ctx context.Context, st store, i int) error {
			return st.del(ctx, keys[i%cycle])
		}),
		opScenario("History10", 10, filled(keys[:100], 10), func(ctx context.Context, st store, i int) error {
			return expect(st.history(ctx, keys[i%100]))(10)
		}),
		opScenario(fmt.Sprintf("Keys/keys=%d", sz.keys), 1, filled(keyNames("k", sz.keys), 1), func(ctx context.Context, st store, _ int) error {
			return expect(st.keys(ctx))(sz.keys)
		}),
		putParallel(1), putParallel(2), putParallel(8),
		{name: fmt.Sprintf("Heap/keys=%d", 10*sz.keys), figures: []figure{heapPerKey}, once: true, prepare: heapScenario(10 * sz.keys)},
	}
}

// expect turns a count and an error into a check of the count.
func expect(got int, err error) func(want int) error {
	return func(want int) error {
		if err == nil && got != want {
			err = fmt.Errorf("got %d, want %d", got, want)
		}
		return err
	}
}

// filled returns a prefill storing keys rounds times each.
func filled(keys []string, rounds int) func(context.Context, store) error {
	return func(ctx context.Context, st store) error {
		for range rounds {
			if err := st.fill(ctx, keys, sameValue); err != nil {
				return err
			}
		}
		return nil
	}
}

// opScenario times op on a bucket keeping history revisions, prefilled by
// fill when not nil.
func opScenario(name string, history int, fill func(context.Context, store) error, op func(ctx context.Context, st store, i int) error) scenario {
	return scenario{name: name, figures: []figure{perOp}, prepare: func(ctx context.Context, _ kind, sys system) (*fixture, error) {
		st, err := sys.Open(ctx, history)
		if err != nil {
			return nil, err
		}
		if fill != nil {
			if err := fill(ctx, st); err != nil {
				st.close()
				return nil, fmt.Errorf("fill: %w", err)
			}
		}
		return &fixture{close: st.close, run: func(ctx context.Context, n int) (sample, error) {
			start := time.Now()
			for i := range n {
				if err := op(ctx, st, i); err != nil {
					return sample{}, err
				}
			}
			return sample{ops: n, elapsed: time.Since(start)}, nil
		}}, nil
	}}
}

// setupScenario times a new system to a ready bucket: for the server,
// starting it and connecting.
func setupScenario(ctx context.Context, k kind, _ system) (*fixture, error) {
	return &fixture{close: func() error { return nil }, run: func(ctx context.Context, n int) (sample, error) {
		var elapsed time.Duration
		for range n {
			start := time.Now()
			sys, err := k.start()
			if err != nil {
				return sample{}, err
			}
			st, err := sys.Open(ctx, 1)
			elapsed += time.Since(start)
			if err == nil {
				err = st.close()
			}
			if cerr := sys.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return sample{}, err
			}
		}
		return sample{ops: n, elapsed: elapsed}, nil
	}}, nil
}

// createScenario times Create of new keys, in a new bucket each run so
// that memory stays bounded.
func createScenario(ctx context.Context, _ kind, sys system) (*fixture, error) {
	var keys []string
	return &fixture{close: func() error { return nil }, run: func(ctx context.Context, n int) (sample, error) {
		if len(keys) < n {
			keys = keyNames("c", n)
		}
		st, err := sys.Open(ctx, 1)
		if err != nil {
			return sample{}, err
		}
		defer st.close()
		start := time.Now()
		for _, k := range keys[:n] {
			if _, err := st.create(ctx, k, value); err != nil {
				return sample{}, err
			}
		}
		return sample{ops: n, elapsed: time.Since(start)}, nil
	}}, nil
}

// updateScenario times Update with the right revision, cycling over keys.
func updateScenario(keys []string) scenario {
	return scenario{name: "Update", figures: []figure{perOp}, prepare: func(ctx context.Context, _ kind, sys system) (*fixture, error) {
		st, err := sys.Open(ctx, 1)
		if err != nil {
			return nil, err
		}
		revs := make([]uint64, len(keys))
		for i, k := range keys {
			if revs[i], err = st.put(ctx, k, value); err != nil {
				st.close()
				return nil, err
			}
		}
		return &fixture{close: st.close, run: func(ctx context.Context, n int) (sample, error) {
			start := time.Now()
			for i := range n {
				j := i % len(keys)
				if revs[j], err = st.update(ctx, keys[j], value, revs[j]); err != nil {
					return sample{}, err
				}
			}
			return sample{ops: n, elapsed: time.Since(start)}, nil
		}}, nil
	}}
}

// putParallel measures Put throughput with g goroutines, each on its own
// 1000 keys.
func putParallel(g int) scenario {
	return scenario{name: "PutParallel/goroutines=" + strconv.Itoa(g), figures: []figure{putRate}, prepare: func(ctx context.Context, _ kind, sys system) (*fixture, error) {
		st, err := sys.Open(ctx, 1)
		if err != nil {
			return nil, err
		}
		keys := make([][]string, g)
		for j := range keys {
			keys[j] = keyNames("g"+strconv.Itoa(j)+".k", 1000)
		}
		return &fixture{close: st.close, run: func(ctx context.Context, n int) (sample, error) {
			per := (n + g - 1) / g
			errs := make([]error, g)
			var wg sync.WaitGroup
			start := time.Now()
			for j := range g {
				wg.Go(func() {
					for i := range per {
						if _, err := st.put(ctx, keys[j][i%1000], value); err != nil {
							errs[j] = err
							return
						}
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			for _, err := range errs {
				if err != nil {
					return sample{}, err
				}
			}
			return sample{ops: per * g, elapsed: elapsed}, nil
		}}, nil
	}}
}

// heapScenario measures the live heap a bucket of n keys with 100-byte
// values adds, after a collection: for the server, its memory store and
// the client's share, as both live in this process.
func heapScenario(n int) func(context.Context, kind, system) (*fixture, error) {
	return func(ctx context.Context, _ kind, sys system) (*fixture, error) {
		keys := keyNames("h", n)
		return &fixture{close: func() error { return nil }, run: func(ctx context.Context, _ int) (sample, error) {
			before := liveHeap()
			start := time.Now()
			st, err := sys.Open(ctx, 1)
			if err != nil {
				return sample{}, err
			}
			defer st.close()
			// A fresh value per key, so the figure holds the values whether
			// the store copies them or keeps them.
			err = st.fill(ctx, keys, func(int) []byte { return make([]byte, valueSize) })
			if err != nil {
				return sample{}, err
			}
			elapsed := time.Since(start)
			after := liveHeap()
			runtime.KeepAlive(st)
			return sample{ops: 1, elapsed: elapsed, perKey: float64(int64(after)-int64(before)) / float64(n)}, nil
		}}, nil
	}
}

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
