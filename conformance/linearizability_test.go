package conformance

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/memkv"
)

// Linearizability: several goroutines run Put, Get, Create, Update and
// Delete on a few keys at once; the history of calls and returns, with
// their times, must be explainable by some sequential order of the
// operations that respects real time (porcupine). The model is per key,
// and histories are partitioned by key.

// linOp is the input of one operation.
type linOp struct {
	kind  string // "put", "get", "create", "update", "delete"
	key   string
	value string // unique per write
	rev   uint64 // update: expected revision
}

// linResult is the output of one operation.
type linResult struct {
	rev   uint64 // revision written or read
	value string // value read
	err   string // "", "notfound", "exists", "mismatch"
	// cur is the key's current revision that the server reported in
	// "wrong last sequence: N".
	cur uint64
}

// linState is one key's state in the sequential model. rev is the key's
// last revision, markers included; after a Delete it is unknown (Delete
// returns no revision) and rev is only a lower bound.
type linState struct {
	live     bool
	value    string
	rev      uint64
	revKnown bool
}

// revIs reports whether r can be the key's current revision.
func (s linState) revIs(r uint64) bool {
	if s.revKnown {
		return r == s.rev
	}
	return r > s.rev
}

func linStep(state, input, output any) (bool, any) {
	s, in, out := state.(linState), input.(linOp), output.(linResult)
	written := linState{live: true, value: in.value, rev: out.rev, revKnown: true}
	switch in.kind {
	case "put":
		return out.err == "" && out.rev > s.rev, written
	case "get":
		if out.err == "notfound" {
			return !s.live, s
		}
		return s.live && out.err == "" && out.value == s.value && out.rev == s.rev, s
	case "create":
		switch out.err {
		case "":
			return !s.live && out.rev > s.rev, written
		case "exists":
			// Create is up to three requests (kv.go: Create, try with
			// revision 0, Get, retry over a marker), so it is not atomic: the
			// N it reports may be from its first try and older than the key's
			// revision, and its retry may fail on a key deleted again in
			// between. It must not fail on a key that was never written.
			return (s.live || !s.revKnown) && (!s.revKnown || out.cur <= s.rev) && out.cur > 0, s
		}
	case "update":
		switch out.err {
		case "":
			return s.revIs(in.rev) && out.rev > in.rev, written
		case "mismatch":
			return out.cur != in.rev && s.revIs(out.cur), linState{live: s.live, value: s.value, rev: out.cur, revKnown: true}
		}
	case "delete":
		return out.err == "", linState{rev: s.rev}
	}
	return false, s
}

var linModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		var keys []string
		for _, op := range history {
			k := op.Input.(linOp).key
			if _, ok := byKey[k]; !ok {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], op)
		}
		out := make([][]porcupine.Operation, 0, len(keys))
		for _, k := range keys {
			out = append(out, byKey[k])
		}
		return out
	},
	Init: func() any { return linState{revKnown: true} },
	Step: linStep,
	DescribeOperation: func(input, output any) string {
		in, out := input.(linOp), output.(linResult)
		return fmt.Sprintf("%s(%s %q rev=%d) -> rev=%d %q %s cur=%d", in.kind, in.key, in.value, in.rev, out.rev, out.value, out.err, out.cur)
	},
	DescribeState: func(state any) string {
		s := state.(linState)
		return fmt.Sprintf("live=%v %q rev=%d known=%v", s.live, s.value, s.rev, s.revKnown)
	},
}

// linCall runs in on kv and classifies the result. Any error other than
// the expected ones fails the test.
func linCall(t *testing.T, kv jetstream.KeyValue, in linOp) linResult {
	ctx := context.Background()
	var out linResult
	var err error
	switch in.kind {
	case "put":
		out.rev, err = kv.Put(ctx, in.key, []byte(in.value))
	case "get":
		var e jetstream.KeyValueEntry
		if e, err = kv.Get(ctx, in.key); err == nil {
			out.rev, out.value = e.Revision(), string(e.Value())
		}
	case "create":
		out.rev, err = kv.Create(ctx, in.key, []byte(in.value))
	case "update":
		out.rev, err = kv.Update(ctx, in.key, []byte(in.value), in.rev)
	case "delete":
		err = kv.Delete(ctx, in.key)
	}
	switch {
	case err == nil:
	case errors.Is(err, jetstream.ErrKeyNotFound) && in.kind == "get":
		out.err = "notfound"
	case errors.Is(err, jetstream.ErrKeyRevisionMismatch) && in.kind == "update":
		out.err = "mismatch"
	case errors.Is(err, jetstream.ErrKeyExists) && in.kind == "create":
		out.err = "exists"
	default:
		t.Errorf("%s %s: unexpected error %v", in.kind, in.key, err)
		out.err = err.Error()
	}
	var ae *jetstream.APIError
	if out.err != "" && errors.As(err, &ae) {
		n, perr := strconv.ParseUint(strings.TrimPrefix(ae.Description, "wrong last sequence: "), 10, 64)
		require.NoError(t, perr, "description %q", ae.Description)
		out.cur = n
	}
	return out
}

// linHistory runs clients goroutines of n operations each on keys of
// kv, all at once, and returns the history.
func linHistory(t *testing.T, kv jetstream.KeyValue, seed uint64, clients, n int, keys []string) []porcupine.Operation {
	start := time.Now()
	var mu sync.Mutex
	var history []porcupine.Operation
	var wg sync.WaitGroup
	ready := make(chan struct{})
	for c := range clients {
		wg.Go(func() {
			<-ready // start together
			rng := rand.New(rand.NewPCG(seed, uint64(c)))
			seen := map[string]uint64{} // last revision this client saw per key
			for i := range n {
				in := linOp{key: keys[rng.IntN(len(keys))], value: fmt.Sprintf("c%d-%d", c, i)}
				switch r := rng.IntN(20); {
				case r < 5:
					in.kind = "put"
				case r < 11:
					in.kind, in.value = "get", ""
				case r < 14:
					in.kind = "create"
				case r < 17:
					in.kind, in.rev = "update", seen[in.key]
				default:
					in.kind, in.value = "delete", ""
				}
				// Yield a random number of times, so that the clients keep
				// running side by side on a fast in-memory bucket.
				for range rng.IntN(64) {
					runtime.Gosched()
				}
				call := time.Since(start).Nanoseconds()
				out := linCall(t, kv, in)
				ret := time.Since(start).Nanoseconds()
				if out.rev != 0 {
					seen[in.key] = out.rev
				} else if out.cur != 0 {
					seen[in.key] = out.cur
				}
				mu.Lock()
				history = append(history, porcupine.Operation{ClientId: c, Input: in, Call: call, Output: out, Return: ret})
				mu.Unlock()
			}
		})
	}
	close(ready)
	wg.Wait()
	return history
}

// checkLinearizable runs rounds of concurrent histories, each on a fresh
// bucket from newBucket, and requires porcupine to find each one
// linearizable.
func checkLinearizable(t *testing.T, rounds int, newBucket func(name string) jetstream.KeyValue) {
	const clients, n = 4, 50
	keys := []string{"x", "y", "z"}
	ops, overlapping := 0, 0
	for round := range rounds {
		kv := newBucket(fmt.Sprintf("LIN%d", round))
		history := linHistory(t, kv, uint64(round), clients, n, keys)
		ops += len(history)
		overlapping += linOverlapping(history)
		res, info := porcupine.CheckOperationsVerbose(linModel, history, 30*time.Second)
		if res != porcupine.Ok {
			path := filepath.Join(t.TempDir(), "linearizability.html")
			if err := porcupine.VisualizePath(linModel, info, path); err == nil {
				if data, err := os.ReadFile(path); err == nil {
					out := filepath.Join(os.TempDir(), fmt.Sprintf("jetsim-%s-%d.html", strings.ReplaceAll(t.Name(), "/", "_"), round))
					_ = os.WriteFile(out, data, 0o644)
					t.Logf("visualization: %s", out)
				}
			}
		}
		require.Equal(t, porcupine.Ok, res, "round %d: history of %d operations is not linearizable", round, len(history))
	}
	t.Logf("%d rounds, %d operations (%d goroutines x %d ops on %d keys each; %d overlap another client's on the same key): porcupine.Ok",
		rounds, ops, clients, n, len(keys), overlapping)
}

// linOverlapping counts the operations concurrent with an operation of
// another client on the same key: the ones whose order porcupine has to
// find.
func linOverlapping(history []porcupine.Operation) int {
	n := 0
	for i, a := range history {
		for j, b := range history {
			if i != j && a.ClientId != b.ClientId && a.Input.(linOp).key == b.Input.(linOp).key && a.Call <= b.Return && b.Call <= a.Return {
				n++
				break
			}
		}
	}
	return n
}

func linBucket(t *testing.T, m jetstream.KeyValueManager, name string) jetstream.KeyValue {
	kv, err := m.CreateKeyValue(context.Background(), jetstream.KeyValueConfig{Bucket: name, History: 5, Storage: jetstream.MemoryStorage})
	require.NoError(t, err)
	return kv
}

func TestLinearizableMemkv(t *testing.T) {
	m := memkv.NewTest(t, memkv.WithSeed(1))
	// memkv answers in a microsecond, so the clients would mostly take
	// turns. Latency on half of the calls (before they act) makes their
	// intervals overlap, as on a network.
	_, err := m.Inject(memkv.Fault{Latency: 20 * time.Microsecond, Rate: 0.5})
	require.NoError(t, err)
	checkLinearizable(t, 20, func(name string) jetstream.KeyValue { return linBucket(t, m, name) })
}

func TestLinearizableServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a nats-server")
	}
	m := ServerManager(t)
	checkLinearizable(t, 5, func(name string) jetstream.KeyValue { return linBucket(t, m, name) })
}

// TestLinearizableModel checks the checker: histories that no sequential
// order explains are rejected.
func TestLinearizableModel(t *testing.T) {
	op := func(client int, call, ret int64, in linOp, out linResult) porcupine.Operation {
		return porcupine.Operation{ClientId: client, Input: in, Call: call, Output: out, Return: ret}
	}
	for _, tc := range []struct {
		name    string
		history []porcupine.Operation
	}{
		{"stale read", []porcupine.Operation{
			op(0, 0, 1, linOp{kind: "put", key: "x", value: "a"}, linResult{rev: 1}),
			op(0, 2, 3, linOp{kind: "put", key: "x", value: "b"}, linResult{rev: 2}),
			op(1, 4, 5, linOp{kind: "get", key: "x"}, linResult{rev: 1, value: "a"}),
		}},
		{"read after delete", []porcupine.Operation{
			op(0, 0, 1, linOp{kind: "put", key: "x", value: "a"}, linResult{rev: 1}),
			op(0, 2, 3, linOp{kind: "delete", key: "x"}, linResult{}),
			op(1, 4, 5, linOp{kind: "get", key: "x"}, linResult{rev: 1, value: "a"}),
		}},
		{"two creates succeed", []porcupine.Operation{
			op(0, 0, 10, linOp{kind: "create", key: "x", value: "a"}, linResult{rev: 1}),
			op(1, 0, 10, linOp{kind: "create", key: "x", value: "b"}, linResult{rev: 2}),
		}},
		{"update with a stale revision succeeds", []porcupine.Operation{
			op(0, 0, 1, linOp{kind: "put", key: "x", value: "a"}, linResult{rev: 1}),
			op(0, 2, 3, linOp{kind: "put", key: "x", value: "b"}, linResult{rev: 2}),
			op(1, 4, 5, linOp{kind: "update", key: "x", value: "c", rev: 1}, linResult{rev: 3}),
		}},
		{"create fails on a key never written", []porcupine.Operation{
			op(0, 0, 1, linOp{kind: "create", key: "x", value: "a"}, linResult{err: "exists", cur: 1}),
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, porcupine.Illegal, porcupine.CheckOperationsTimeout(linModel, tc.history, 10*time.Second))
		})
	}
}
