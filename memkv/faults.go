package memkv

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jetsim/jetsim/subject"
)

// Op names a KV operation, to scope a Fault.
type Op string

// The operations a Fault can be scoped to.
const (
	OpGet          Op = "Get" // Get and GetRevision
	OpPut          Op = "Put" // Put and PutString
	OpCreate       Op = "Create"
	OpUpdate       Op = "Update"
	OpDelete       Op = "Delete"
	OpPurge        Op = "Purge"
	OpWatch        Op = "Watch" // Watch, WatchAll, WatchFiltered, ListKeys, ListKeysFiltered
	OpKeys         Op = "Keys"
	OpHistory      Op = "History"
	OpPurgeDeletes Op = "PurgeDeletes"
	OpStatus       Op = "Status"
	OpBucket       Op = "Bucket" // the manager's KeyValue, Create/Update/DeleteKeyValue
)

// knownOps are the operations Inject accepts in Fault.Ops.
var knownOps = []Op{OpGet, OpPut, OpCreate, OpUpdate, OpDelete, OpPurge, OpWatch, OpKeys,
	OpHistory, OpPurgeDeletes, OpStatus, OpBucket}

// ErrInvalidFault is the error of Inject for a Fault that cannot mean
// what it says; the returned error wraps it and names the field.
var ErrInvalidFault = errors.New("memkv: invalid fault")

// Fault makes matching calls fail or slow down, as a flaky network or
// server would. Zero fields match everything: a Fault{Err: e} fails every
// call with e.
type Fault struct {
	Bucket string // only this bucket (a valid bucket name); "" for all
	Keys   string // only keys matching this pattern (a valid watch pattern: "*" and ">" tokens); "" for all
	Ops    []Op   // only these operations (the Op constants); none for all

	// Err is returned by a call the fault hits, for example
	// context.DeadlineExceeded, nats.ErrTimeout, nats.ErrConnectionClosed,
	// jetstream.ErrNoStreamResponse or jetstream.ErrJetStreamNotEnabled.
	// With a nil Err the fault only adds Latency.
	Err error
	// Times limits the fault to the next Times matching calls; 0 means
	// no limit. It cannot be negative.
	Times int
	// Rate is the fraction of matching calls that are hit, in [0, 1],
	// drawn from the manager's seeded source (see WithSeed); 0 means every
	// call.
	Rate float64
	// Latency delays every hit call by this much on the manager's clock
	// (see WithClock: with a FakeClock the call waits for Advance; with
	// the default clock inside a testing/synctest bubble it takes the
	// bubble's time), or until its context ends. It cannot be negative.
	// A request over the wire waits off its connection's read loop, so
	// the connection's other requests are answered meanwhile.
	Latency time.Duration
}

// validate returns an error wrapping ErrInvalidFault if a field of f is
// out of its range: such a fault would silently hit never or always.
func (f *Fault) validate() error {
	switch {
	case f.Bucket != "" && !subject.ValidBucket(f.Bucket):
		return fmt.Errorf("%w: Bucket %q is not a valid bucket name", ErrInvalidFault, f.Bucket)
	case f.Keys != "" && !subject.ValidPattern(f.Keys):
		return fmt.Errorf("%w: Keys %q is not a valid key pattern", ErrInvalidFault, f.Keys)
	case f.Times < 0:
		return fmt.Errorf("%w: Times %d is negative", ErrInvalidFault, f.Times)
	case !(f.Rate >= 0 && f.Rate <= 1): // NaN too
		return fmt.Errorf("%w: Rate %v is outside [0, 1]", ErrInvalidFault, f.Rate)
	case f.Latency < 0:
		return fmt.Errorf("%w: Latency %v is negative", ErrInvalidFault, f.Latency)
	}
	for _, op := range f.Ops {
		if !slices.Contains(knownOps, op) {
			return fmt.Errorf("%w: unknown Op %q", ErrInvalidFault, op)
		}
	}
	return nil
}

// FaultHandle is an injected fault.
type FaultHandle struct {
	m    *Manager
	f    Fault
	hits atomic.Int64
	left int // guarded by faults.mu; -1 for no limit
}

// Hits returns how many calls the fault has hit so far.
func (h *FaultHandle) Hits() int { return int(h.hits.Load()) }

// Remove ends the fault.
func (h *FaultHandle) Remove() {
	h.m.faults.mu.Lock()
	defer h.m.faults.mu.Unlock()
	h.m.faults.list = slices.DeleteFunc(h.m.faults.list, func(x *FaultHandle) bool { return x == h })
	h.m.faults.n.Store(int32(len(h.m.faults.list)))
}

// faultSet is a manager's injected faults and its seeded random source.
type faultSet struct {
	n    atomic.Int32 // len(list), for a lock-free fast path
	mu   sync.Mutex
	list []*FaultHandle
	seed uint64
	rng  *rand.Rand
}

// WithSeed seeds the random source of Fault.Rate, so that a failing run
// can be replayed: the same seed and the same calls hit the same calls.
// The default seed is 1.
func WithSeed(seed uint64) Option {
	return func(m *Manager) { m.faults.seed = seed }
}

// Seed returns the seed of the manager's fault source.
func (m *Manager) Seed() uint64 { return m.faults.seed }

// Inject adds a fault. Faults are checked in the order they were added;
// the first that hits a call decides it. A fault with a field out of its
// range (see Fault) is not added: the error wraps ErrInvalidFault.
func (m *Manager) Inject(f Fault) (*FaultHandle, error) {
	if err := f.validate(); err != nil {
		return nil, err
	}
	f.Ops = slices.Clone(f.Ops)
	h := &FaultHandle{m: m, f: f, left: -1}
	if f.Times > 0 {
		h.left = f.Times
	}
	m.faults.mu.Lock()
	defer m.faults.mu.Unlock()
	if m.faults.rng == nil {
		m.faults.rng = rand.New(rand.NewPCG(m.faults.seed, m.faults.seed^0x9e3779b97f4a7c15))
	}
	m.faults.list = append(m.faults.list, h)
	m.faults.n.Store(int32(len(m.faults.list)))
	return h, nil
}

// fault applies the faults that match a call: it waits out their latency
// and returns the error of the first that fails the call. key is "" for
// calls without one, pattern reports that key is a watch pattern.
func (m *Manager) fault(ctx context.Context, op Op, bucket, key string, pattern bool) error {
	// A fault stands for the request the client would send; the client
	// has dereferenced the context by then.
	mustContext(ctx)
	if m.faults.n.Load() == 0 {
		return nil
	}
	delay, err := m.pickFault(op, bucket, key, pattern)
	if delay > 0 {
		if err := m.sleep(ctx, delay); err != nil {
			return err
		}
	}
	return err
}

// pickFault counts a call against the faults that match it and returns
// their latency, summed, and the error of the first that fails it,
// without waiting: the wire door waits on its own terms (wireBackend.Fault).
func (m *Manager) pickFault(op Op, bucket, key string, pattern bool) (delay time.Duration, err error) {
	m.faults.mu.Lock()
	defer m.faults.mu.Unlock()
	for _, h := range m.faults.list {
		if !h.matches(op, bucket, key, pattern) || h.left == 0 {
			continue
		}
		if h.f.Rate > 0 && m.faults.rng.Float64() >= h.f.Rate {
			continue
		}
		if h.left > 0 {
			h.left--
		}
		h.hits.Add(1)
		delay += h.f.Latency
		if h.f.Err != nil {
			return delay, h.f.Err
		}
	}
	return delay, nil
}

// sleep waits d on the manager's clock, or until ctx ends.
func (m *Manager) sleep(ctx context.Context, d time.Duration) error {
	elapsed := make(chan struct{})
	t := m.clock.AfterFunc(d, func() { close(elapsed) })
	select {
	case <-elapsed:
		return nil
	case <-ctx.Done():
		t.Stop()
		return ctx.Err()
	}
}

func (h *FaultHandle) matches(op Op, bucket, key string, pattern bool) bool {
	f := &h.f
	if f.Bucket != "" && f.Bucket != bucket {
		return false
	}
	if len(f.Ops) > 0 && !slices.Contains(f.Ops, op) {
		return false
	}
	if f.Keys == "" {
		return true
	}
	switch {
	case key == "":
		return false
	case pattern:
		return subject.Overlap(key, f.Keys)
	}
	return subject.Match(key, f.Keys)
}
