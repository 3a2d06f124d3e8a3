package main

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"time"
)

// A scenario is one measured situation, run on each system in turn.
type scenario struct {
	name    string // table row and benchmark name, e.g. "FanOut/all/W=100"
	figures []figure
	// once marks scenarios measured by one run per round (heap); the
	// others are calibrated to the time budget first.
	once    bool
	prepare func(ctx context.Context, k kind, sys system) (*fixture, error)
}

// A fixture is a scenario prepared on one system.
type fixture struct {
	// run does n iterations (operations, puts, watch starts) and returns
	// what it measured, excluding its own bookkeeping.
	run   func(ctx context.Context, n int) (sample, error)
	close func() error
}

// sample is what one run measured.
type sample struct {
	ops        int           // iterations done; may exceed the n asked for
	elapsed    time.Duration // time of the measured part
	deliveries int           // watch deliveries, for fan-out
	lag        time.Duration // one put's start to its arrival at the last watcher
	perKey     float64       // heap bytes per key
}

// A figure is one number taken from a sample.
type figure struct {
	label  string // after the scenario name in the table; "" for none
	unit   string // benchmark unit: "ns/op", "deliveries/s", "B/key", "puts/s", "ns"
	higher bool   // higher is better
	value  func(sample) float64
}

// The figures the scenarios report.
var (
	perOp = figure{unit: "ns/op", value: func(s sample) float64 {
		return float64(s.elapsed.Nanoseconds()) / float64(s.ops)
	}}
	putRate = figure{label: "throughput", unit: "puts/s", higher: true, value: func(s sample) float64 {
		return float64(s.ops) / s.elapsed.Seconds()
	}}
	deliveryRate = figure{label: "deliveries/s", unit: "deliveries/s", higher: true, value: func(s sample) float64 {
		return float64(s.deliveries) / s.elapsed.Seconds()
	}}
	lastDelivery = figure{label: "put → last watcher", unit: "ns", value: func(s sample) float64 {
		return float64(s.lag.Nanoseconds())
	}}
	heapPerKey = figure{label: "heap", unit: "B/key", value: func(s sample) float64 { return s.perKey }}
)

// result is the median of each figure over the rounds of one scenario on
// one system.
type result struct {
	values []float64 // by figure
	took   time.Duration
}

// measure prepares sc on each system in systems that is not nil,
// calibrates each one's iteration count to budget as testing.B does, then
// runs rounds rounds (longRounds where one operation fills a round),
// every system in turn within a round, so that a
// spell of load on the machine falls on all of them alike and their
// ratios hold (a once scenario, a heap measure, runs one system's rounds
// back to back). It returns each system's medians and error, by index in
// systems; a system that failed has an error and no result.
func measure(ctx context.Context, sc scenario, systems []system, budget time.Duration, rounds int) ([]*result, []error) {
	type run struct {
		fx       *fixture
		n        int
		rounds   int
		byFigure [][]float64
		took     time.Duration
	}
	runs := make([]*run, len(systems))
	errs := make([]error, len(systems))
	fail := func(si int, err error) {
		errs[si] = err
		if r := runs[si]; r != nil {
			r.fx.close()
		}
		runs[si] = nil
	}
	defer func() {
		for _, r := range runs {
			if r != nil {
				r.fx.close()
			}
		}
	}()
	for si, sys := range systems {
		if sys == nil {
			continue
		}
		start := time.Now()
		runtime.GC()
		fx, err := sc.prepare(ctx, kinds[si], sys)
		if err != nil {
			errs[si] = fmt.Errorf("prepare: %w", err)
			continue
		}
		r := &run{fx: fx, n: 1, rounds: rounds, byFigure: make([][]float64, len(sc.figures))}
		runs[si] = r
		if !sc.once {
			if r.n, err = calibrate(ctx, fx, budget); err != nil {
				fail(si, err)
				continue
			}
		}
		if r.n == 1 {
			// One operation fills the round (a heap measure, a large watch
			// start over the wire): a few rounds are steady enough, and
			// more would cost seconds each.
			r.rounds = min(rounds, longRounds)
		}
		r.took += time.Since(start)
	}
	step := func(si int) {
		r := runs[si]
		start := time.Now()
		s, err := r.fx.run(ctx, r.n)
		r.took += time.Since(start)
		if err != nil {
			fail(si, err)
			return
		}
		for i, f := range sc.figures {
			r.byFigure[i] = append(r.byFigure[i], f.value(s))
		}
	}
	if sc.once {
		// A heap figure is not timed, and a system's garbage collected
		// during another's round would count against that one (nats-server
		// frees a deleted stream's memory from goroutines of its own): one
		// system's rounds back to back.
		for si := range runs {
			for round := 0; runs[si] != nil && round < runs[si].rounds; round++ {
				step(si)
			}
		}
	}
	for round := 0; !sc.once && round < rounds; round++ {
		for si, r := range runs {
			if r != nil && round < r.rounds {
				step(si)
			}
		}
	}
	results := make([]*result, len(systems))
	for si, r := range runs {
		if r == nil {
			continue
		}
		runs[si] = nil
		start := time.Now()
		if err := r.fx.close(); err != nil {
			errs[si] = fmt.Errorf("close: %w", err)
			continue
		}
		res := &result{took: r.took + time.Since(start)}
		for _, vs := range r.byFigure {
			res.values = append(res.values, median(vs))
		}
		results[si] = res
	}
	return results, errs
}

// longRounds is the number of rounds of a system whose one operation
// takes the whole round budget.
const longRounds = 3

// calibrate grows n until one run takes at least budget, predicting the
// next n from the last run's time per iteration (testing.B's predictN).
func calibrate(ctx context.Context, fx *fixture, budget time.Duration) (int, error) {
	const maxN = 100_000_000
	n := 1
	for {
		s, err := fx.run(ctx, n)
		if err != nil {
			return 0, err
		}
		if s.elapsed >= budget || n >= maxN {
			return s.ops, nil
		}
		per := max(s.elapsed.Nanoseconds()/int64(max(s.ops, 1)), 1)
		next := int(budget.Nanoseconds() * 6 / 5 / per)
		n = min(max(next, s.ops+1), 100*s.ops, maxN)
	}
}

func median(vs []float64) float64 {
	s := slices.Clone(vs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
