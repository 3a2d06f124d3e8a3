package conformance

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/jetsim/jetsim/memkv"
)

// Property tests: random operation sequences on random bucket
// configurations, run in lockstep on memkv and the Model (with time), and
// on memkv and the real server (without time). Every result is compared.
//
// They are bounded by default. JETSIM_PROPERTY_CHECKS=n runs n sequences
// per test; JETSIM_LONG=1 runs 20 times the default. -rapid.checks, when
// given, wins.

// rapidChooser draws choices from rapid, so that failures shrink.
type rapidChooser struct{ t *rapid.T }

func (r rapidChooser) choose(n int, label string) int {
	if n <= 1 {
		return 0
	}
	return rapid.IntRange(0, n-1).Draw(r.t, label)
}

// propertyChecks sets rapid's number of checks for the calling test to
// def, or to what the environment asks for, unless -rapid.checks was given.
func propertyChecks(t *testing.T, def int) int {
	n := def
	if os.Getenv("JETSIM_LONG") != "" {
		n = 20 * def
	}
	if v, err := strconv.Atoi(os.Getenv("JETSIM_PROPERTY_CHECKS")); err == nil && v > 0 {
		n = v
	}
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "rapid.checks" })
	f := flag.Lookup("rapid.checks")
	if set || f == nil {
		if f != nil {
			n, _ = strconv.Atoi(f.Value.String())
		}
		return n
	}
	old := f.Value.String()
	_ = f.Value.Set(strconv.Itoa(n)) // Value.Set, not flag.Set: the flag stays "not given"
	t.Cleanup(func() { _ = f.Value.Set(old) })
	return n
}

// propertyCounts counts what a property test ran.
type propertyCounts struct {
	sequences, ops int
	kinds          [opAdvance + 1]int
}

func (c *propertyCounts) add(o kvOp) {
	c.ops++
	c.kinds[o.kind]++
}

func (c *propertyCounts) log(t *testing.T, start time.Time) {
	var b strings.Builder
	for k, n := range c.kinds {
		if n > 0 {
			fmt.Fprintf(&b, " %v=%d", opKind(k), n)
		}
	}
	t.Logf("ran %d sequences, %d operations in %v:%s", c.sequences, c.ops, time.Since(start).Round(time.Millisecond), b.String())
}

// TestPropertyMemkvModel runs memkv and the Model in lockstep, time driven
// by memkv's FakeClock: bucket TTL, limit markers, per-key TTLs and
// Advance included.
func TestPropertyMemkvModel(t *testing.T) {
	propertyChecks(t, 100)
	var counts propertyCounts
	start := time.Now()
	rapid.Check(t, func(rt *rapid.T) {
		c := rapidChooser{rt}
		space := genSpace{timed: true}
		cfg := genConfig(c, "P", space)
		clock := memkv.NewFakeClock(lockstepStart)
		mgr := memkv.New(memkv.WithClock(clock))
		defer mgr.Close()
		kv, err := mgr.CreateKeyValue(context.Background(), cfg)
		if err != nil {
			rt.Fatalf("create bucket %+v: %v", cfg, err)
		}
		ls := &lockstep{model: NewModel(cfg, lockstepStart), kv: kv, mem: mgr, clock: clock}
		ls.done = append(ls.done, fmt.Sprintf("config History=%d MaxBytes=%d MaxValueSize=%d TTL=%v LimitMarkerTTL=%v",
			cfg.History, cfg.MaxBytes, cfg.MaxValueSize, cfg.TTL, cfg.LimitMarkerTTL))
		n := rapid.IntRange(1, 150).Draw(rt, "ops")
		counts.sequences++
		for range n {
			o := genOp(c, ls.model, space)
			ls.step(rt, o)
			counts.add(o)
		}
	})
	counts.log(t, start)
}

// TestPropertyMemkvServer runs memkv and an embedded nats-server in
// lockstep, each against the Model, on operations that do not depend on
// the clock. One server for the test, one bucket per sequence.
func TestPropertyMemkvServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a nats-server")
	}
	propertyChecks(t, 50)
	server := ServerManager(t)
	var counts propertyCounts
	start := time.Now()
	rapid.Check(t, func(rt *rapid.T) {
		c := rapidChooser{rt}
		space := genSpace{}
		counts.sequences++
		cfg := genConfig(c, fmt.Sprintf("S%d", counts.sequences), space)
		ctx := context.Background()
		mgr := memkv.New(memkv.WithClock(memkv.NewFakeClock(lockstepStart)))
		defer mgr.Close()
		memKV, err := mgr.CreateKeyValue(ctx, cfg)
		if err != nil {
			rt.Fatalf("memkv: create bucket %+v: %v", cfg, err)
		}
		srvKV, err := server.CreateKeyValue(ctx, cfg)
		if err != nil {
			rt.Fatalf("server: create bucket %+v: %v", cfg, err)
		}
		defer func() { _ = server.DeleteKeyValue(ctx, cfg.Bucket) }()
		header := fmt.Sprintf("config History=%d MaxBytes=%d MaxValueSize=%d TTL=%v LimitMarkerTTL=%v",
			cfg.History, cfg.MaxBytes, cfg.MaxValueSize, cfg.TTL, cfg.LimitMarkerTTL)
		mem := &lockstep{model: NewModel(cfg, lockstepStart), kv: memKV, mem: mgr, done: []string{header}}
		srv := &lockstep{model: NewModel(cfg, lockstepStart), kv: srvKV, done: []string{header}}
		n := rapid.IntRange(1, 100).Draw(rt, "ops")
		for range n {
			o := genOp(c, mem.model, space)
			// The server first: where it and the model disagree, the
			// server is right and the model is to be fixed.
			srv.step(rt, o)
			mem.step(rt, o)
			counts.add(o)
		}
	})
	counts.log(t, start)
}
