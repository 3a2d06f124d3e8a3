package conformance

import (
	"context"
	"testing"

	"github.com/jetsim/jetsim/memkv"
)

// FuzzOps decodes a bucket configuration and a sequence of operations from
// the input (ops.go: byteChooser, one byte per choice) and runs them on
// memkv and the Model in lockstep, time included, like
// TestPropertyMemkvModel.
//
//	go test -run '^$' -fuzz FuzzOps -fuzztime 60s ./conformance
func FuzzOps(f *testing.F) {
	// Seeds: the choice bytes of genConfig (history, max bytes, max value
	// size, ttl, limit marker ttl), then of each operation (op kind first,
	// see genOp).
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 5, 1, 0, 10, 1})                   // put a, get a, ...
	f.Add([]byte{2, 2, 0, 0, 0, 0, 1, 0, 4, 0, 3, 1, 0, 1, 7, 1, 0, 15, 0, 0, 0, 0}) // history 2, create, delete, watch
	f.Add([]byte{1, 0, 0, 4, 1, 0, 1, 0, 5, 0, 18, 2, 18, 4, 5, 1, 0})               // TTL 1s with markers, advance, get
	f.Add([]byte{0, 2, 3, 0, 0, 0, 2, 0, 6, 1, 3, 1, 0, 4, 1, 2, 1, 9, 1, 0, 11})    // small limits
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &byteChooser{data: data}
		space := genSpace{timed: true}
		cfg := genConfig(c, "F", space)
		clock := memkv.NewFakeClock(lockstepStart)
		mgr := memkv.New(memkv.WithClock(clock))
		defer mgr.Close()
		kv, err := mgr.CreateKeyValue(context.Background(), cfg)
		if err != nil {
			t.Fatalf("create bucket %+v: %v", cfg, err)
		}
		ls := &lockstep{model: NewModel(cfg, lockstepStart), kv: kv, mem: mgr, clock: clock}
		for i := 0; i < 100 && !c.done(); i++ {
			ls.step(t, genOp(c, ls.model, space))
		}
	})
}
