package main

import (
	"context"
	"testing"
)

// benchSizes are the sizes of the benchmarks: the command's defaults.
var benchSizes = sizes{keys: 10000, watchers: []int{1, 10, 100, 1000}}

// BenchmarkScenarios runs the command's scenarios as benchmarks, one
// sub-benchmark per scenario and system, named so that benchstat can set
// the systems side by side:
//
//	go test -run '^$' -bench . -count 6 ./bench > new.txt
//	benchstat -col /system new.txt
//
// Each sub-benchmark reports the scenario's figures as metrics (ns/op,
// puts/s, deliveries/s, ns for one put to the last watcher, B/key) and
// its allocations.
func BenchmarkScenarios(b *testing.B) {
	ctx := context.Background()
	systems := make([]system, len(kinds))
	for i, k := range kinds {
		sys, err := k.start()
		if err != nil {
			b.Fatalf("start %s: %v", k.name, err)
		}
		b.Cleanup(func() { sys.Close() })
		systems[i] = sys
	}
	for _, sc := range allScenarios(benchSizes) {
		b.Run(sc.name, func(b *testing.B) {
			for i, k := range kinds {
				if k.serves(sc.name) {
					benchScenario(ctx, b, sc, k, systems[i])
				}
			}
		})
	}
}

// benchScenario runs sc on one system as a sub-benchmark. The fixture is
// prepared once and serves every b.N the benchmark tries.
func benchScenario(ctx context.Context, b *testing.B, sc scenario, k kind, sys system) {
	var fx *fixture
	defer func() {
		if fx != nil {
			if err := fx.close(); err != nil {
				b.Errorf("%s on %s: close: %v", sc.name, k.name, err)
			}
		}
	}()
	b.Run("system="+k.name, func(b *testing.B) {
		b.ReportAllocs()
		if fx == nil {
			var err error
			if fx, err = sc.prepare(ctx, k, sys); err != nil {
				b.Fatalf("prepare: %v", err)
			}
			b.ResetTimer()
		}
		var s sample
		var err error
		if sc.once {
			for range b.N {
				s, err = fx.run(ctx, 1)
			}
		} else {
			s, err = fx.run(ctx, b.N)
		}
		if err != nil {
			b.Fatal(err)
		}
		for _, f := range sc.figures {
			b.ReportMetric(f.value(s), f.unit)
		}
	})
}
