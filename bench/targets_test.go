package main

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// outcomeOf returns an outcome of sc with one value per named system.
func outcomeOf(sc scenario, values map[string]float64) outcome {
	o := outcome{sc: sc, results: make([]*result, len(kinds))}
	for name, v := range values {
		o.results[kindIndex(name)] = &result{values: []float64{v, v}}
	}
	return o
}

func TestTargetVerdicts(t *testing.T) {
	put := scenario{name: "Put", figures: []figure{perOp}}
	fan := scenario{name: "FanOut/all/W=100", figures: []figure{deliveryRate, lastDelivery}}
	heap := scenario{name: "Heap/keys=500", figures: []figure{heapPerKey}}
	pick := func(sc scenario, system, base string) target {
		for _, x := range targets {
			if x.matches(sc.name) && x.system == system && x.base == base {
				return x
			}
		}
		t.Fatalf("no target for %s of %s against %s", sc.name, system, base)
		return target{}
	}
	for _, tc := range []struct {
		name         string
		o            outcome
		system, base string
		verdict      string
	}{
		{"time within", outcomeOf(put, map[string]float64{"memkv": 150, "limit": 100}), "memkv", "limit", verdictMet},
		{"time at the bound", outcomeOf(put, map[string]float64{"memkv": 150, "limit": 100, "server": 1e9}), "memkv", "limit", verdictMet},
		{"time over, however slow the server", outcomeOf(put, map[string]float64{"memkv": 151, "limit": 100, "server": 1e9}), "memkv", "limit", verdictMissed},
		{"rate within", outcomeOf(fan, map[string]float64{"memkv": 6e6, "limit": 10e6}), "memkv", "limit", verdictMet},
		{"rate under, however slow the server", outcomeOf(fan, map[string]float64{"memkv": 4e6, "limit": 10e6, "server": 1}), "memkv", "limit", verdictMissed},
		{"no limit", outcomeOf(put, map[string]float64{"memkv": 150, "server": 1e9}), "memkv", "limit", verdictNotMeasured},
		{"no memkv", outcomeOf(put, map[string]float64{"limit": 100}), "memkv", "limit", verdictNotMeasured},
		{"wire 1.7× faster", outcomeOf(put, map[string]float64{"wire": 10, "server-inproc": 17}), "wire", "server-inproc", verdictMet},
		{"wire not 1.7× faster", outcomeOf(put, map[string]float64{"wire": 10, "server-inproc": 16.9}), "wire", "server-inproc", verdictMissed},
		{"wire at 1.25× the wire limit", outcomeOf(put, map[string]float64{"wire": 12.5, "wire-limit": 10}), "wire", "wire-limit", verdictMet},
		{"wire over 1.25× the wire limit", outcomeOf(put, map[string]float64{"wire": 12.6, "wire-limit": 10}), "wire", "wire-limit", verdictMissed},
		{"wire fan-out 2× the server's", outcomeOf(fan, map[string]float64{"wire": 2e6, "server-inproc": 1e6}), "wire", "server-inproc", verdictMet},
		{"wire fan-out under 2×", outcomeOf(fan, map[string]float64{"wire": 1.9e6, "server-inproc": 1e6}), "wire", "server-inproc", verdictMissed},
		{"wire heap at the server's", outcomeOf(heap, map[string]float64{"wire": 300, "server-inproc": 300}), "wire", "server-inproc", verdictMet},
		{"wire heap over", outcomeOf(heap, map[string]float64{"wire": 301, "server-inproc": 300}), "wire", "server-inproc", verdictMissed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			verdict, _ := pick(tc.o.sc, tc.system, tc.base).judge(tc.o)
			assert.Equal(t, tc.verdict, verdict)
		})
	}
}

// TestWriteTargets checks the targets table: only the targets of the
// scenarios run, the figures, the ratio, the bound and its verdict, the
// legend, and the count missed.
func TestWriteTargets(t *testing.T) {
	var b bytes.Buffer
	missed, err := writeTargets(&b, []outcome{
		outcomeOf(scenario{name: "Put", figures: []figure{perOp}}, map[string]float64{"memkv": 200, "limit": 100, "server": 20000,
			"wire": 7000, "server-inproc": 14000, "wire-limit": 6000}),
		outcomeOf(scenario{name: "Get", figures: []figure{perOp}}, map[string]float64{"memkv": 60, "limit": 30, "server": 30000}),
		outcomeOf(scenario{name: "History10", figures: []figure{perOp}}, map[string]float64{"memkv": 900, "limit": 10}),
	})
	require.NoError(t, err)
	out := b.String()
	assert.Equal(t, 1, missed)
	assert.Regexp(t, `\| Put +\| +memkv +\| +200 ns \| +limit +\| +100 ns \| +2\.00× \| +≤ 1\.5× \| +MISSED \|`, out)
	assert.Regexp(t, `\| Get +\| +memkv +\| +60\.0 ns \| +limit +\| +30\.0 ns \| +2\.00× \| +≤ 3× \| +MET \|`, out)
	assert.Regexp(t, `\| Put +\| +wire +\| +7\.00 µs \| +server-inproc +\| +14\.0 µs \| +2\.00× \| ≥ 1\.7× better \| +MET \|`, out)
	assert.Regexp(t, `\| Put +\| +wire +\| +7\.00 µs \| +wire-limit +\| +6\.00 µs \| +1\.17× \| +≤ 1\.25× \| +MET \|`, out)
	assert.Regexp(t, `\| Get +\| +wire +\| +— \| +server-inproc +\| +— \| +— \| ≥ 1\.7× better \| not measured \|`, out)
	assert.NotContains(t, out, "History10", "no target for History10")
	assert.NotContains(t, out, "FanOut", "a narrowed run judges only what it measured")
	assert.Contains(t, out, "MISSED: ")
	assert.Contains(t, out, "exits with status 1")
	assert.Contains(t, out, "3 MET, 1 MISSED, 2 not measured")
}

// slowStore is the limit with a sleep in each Put: a memkv that misses
// the Put target whatever the machine's speed.
type slowStore struct{ *limitStore }

func (s slowStore) put(ctx context.Context, key string, value []byte) (uint64, error) {
	time.Sleep(100 * time.Microsecond)
	return s.limitStore.put(ctx, key, value)
}

type slowSystem struct{ limitSystem }

func (slowSystem) Open(_ context.Context, history int) (store, error) {
	return slowStore{newLimitStore(history)}, nil
}

// TestRunExitsNonZeroOnMissed runs the command with a memkv slower than
// the Put target allows: it prints and writes everything, then exits 1.
func TestRunExitsNonZeroOnMissed(t *testing.T) {
	saved := kinds
	t.Cleanup(func() { kinds = saved })
	kinds = []kind{
		{name: "memkv", start: func() (system, error) { return slowSystem{}, nil }},
		{name: "limit", start: startLimit},
	}
	out := t.TempDir() + "/R.md"
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-run", "^Put$", "-rounds", "1", "-time", "1ms", "-out", out}, &stdout, &stderr)
	require.ErrorIs(t, err, errMissed)
	var msg bytes.Buffer
	assert.Equal(t, 1, exitCode(err, &msg))
	assert.Contains(t, msg.String(), "bench: targets MISSED: 1")
	assert.Regexp(t, `\| Put .*\| +MISSED \|`, stdout.String())
	assert.FileExists(t, out, "written before exiting")

	// Without the limit in kinds, nothing is judged.
	kinds = kinds[:1]
	stdout.Reset()
	err = run(context.Background(), []string{"-run", "^Put$", "-rounds", "1", "-time", "1ms"}, &stdout, io.Discard)
	require.NoError(t, err)
	assert.Regexp(t, `\| Put .*\| +not measured \|`, stdout.String())

	kinds = []kind{{name: "memkv", start: startLimit}, {name: "limit", start: startLimit}}
	stdout.Reset()
	err = run(context.Background(), []string{"-run", "^(Put|Get)$", "-rounds", "1", "-time", "1ms"}, &stdout, io.Discard)
	// The limit against itself is at 1× on Put and Get, within both bounds
	// unless the machine stalls one of them for half a round.
	if err != nil {
		require.ErrorIs(t, err, errMissed)
		t.Logf("limit against itself missed on a loaded machine:\n%s", stdout.String())
	}
	assert.Len(t, regexp.MustCompile(`\| +(MET|MISSED) \|`).FindAllString(stdout.String(), -1), 2, "a verdict for Put and Get")
}
