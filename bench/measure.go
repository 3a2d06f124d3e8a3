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

// measure prepares sc on sys, calibrates the iteration count to budget
// as testing.B does, and returns the medians of rounds runs.
func measure(ctx context.Context, sc scenario, k kind, sys system, budget time.Duration, rounds int) (result, error) {
	start := time.Now()
	runtime.GC()
	fx, err := sc.prepare(ctx, k, sys)
	if err != nil {
		return result{}, fmt.Errorf("prepare: %w", err)
	}
	closed := false
	defer func() {
		if !closed {
			fx.close()
		}
	}()
	n := 1
	if !sc.once {
		if n, err = calibrate(ctx, fx, budget); err != nil {
			return result{}, err
		}
	}
	byFigure := make([][]float64, len(sc.figures))
	for range rounds {
		s, err := fx.run(ctx, n)
		if err != nil {
			return result{}, err
		}
		for i, f := range sc.figures {
			byFigure[i] = append(byFigure[i], f.value(s))
		}
	}
	closed = true
	if err := fx.close(); err != nil {
		return result{}, fmt.Errorf("close: %w", err)
	}
	r := result{took: time.Since(start)}
	for _, vs := range byFigure {
		r.values = append(r.values, median(vs))
	}
	return r, nil
}

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
