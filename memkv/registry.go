package memkv

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/jetsim/jetsim/subject"
)

// liveWatcher is what the manager needs of a watcher of either API.
type liveWatcher interface {
	Stop() error
	Stopped() bool
	Done() <-chan struct{}
	WaitSynced(ctx context.Context, seq uint64) error
}

// watchRec records a running watcher, for introspection and clean-up.
type watchRec struct {
	bucket string
	st     *bucketState
	keys   []string // patterns, without the subject prefix
	w      liveWatcher
	// dropped is set by DropWatchers: the watcher's connection is lost, and
	// its Stop gives nats.ErrConnectionClosed from then on.
	dropped atomic.Bool

	ctx context.Context // the watcher's context: it ends the watcher
	at  string          // file:line of the Watch call; only under NewTest

	// release, if set, is called by Close after it stopped the watcher:
	// a legacy watcher's goroutine waits for it once its bucket is gone.
	release func()
}

func (r *watchRec) overlaps(pattern string) bool {
	if len(r.keys) == 0 {
		return true
	}
	return slices.ContainsFunc(r.keys, func(k string) bool { return subject.Overlap(k, pattern) })
}

// registry is the set of a manager's watchers. Ended watchers are dropped
// lazily, so that no goroutine is needed to notice their end.
type registry struct {
	mu    sync.Mutex
	recs  map[*watchRec]struct{}
	sweep int // sweep ended watchers when recs reaches this size

	// traced makes register record where each watcher was started, for
	// NewTest's leak report. Set before the manager is shared.
	traced bool
}

func (m *Manager) register(r *watchRec) {
	if m.reg.traced {
		r.at = caller()
	}
	m.reg.mu.Lock()
	defer m.reg.mu.Unlock()
	if m.reg.recs == nil {
		m.reg.recs = make(map[*watchRec]struct{})
	}
	if len(m.reg.recs) >= m.reg.sweep {
		// Amortised: a manager that starts and stops many watchers
		// keeps at most about twice the running ones.
		for old := range m.reg.recs {
			if m.reg.over(old) {
				delete(m.reg.recs, old)
			}
		}
		m.reg.sweep = 2*len(m.reg.recs) + 64
	}
	m.reg.recs[r] = struct{}{}
}

// liveWatchers returns the watchers not yet stopped whose goroutine
// still runs.
func (m *Manager) liveWatchers() []*watchRec {
	m.reg.mu.Lock()
	defer m.reg.mu.Unlock()
	var out []*watchRec
	for r := range m.reg.recs {
		select {
		case <-r.w.Done():
			if m.reg.over(r) {
				delete(m.reg.recs, r)
			}
		default:
			if !r.w.Stopped() {
				out = append(out, r)
			}
		}
	}
	return out
}

// over reports whether r can leave the registry: its goroutine has
// ended and, under NewTest, it was stopped. A watcher whose bucket was
// deleted ends its goroutine but still waits for its Stop, as the
// client's subscription does (SEMANTICS §1.5); NewTest reports it if it
// never comes.
func (reg *registry) over(r *watchRec) bool {
	select {
	case <-r.w.Done():
		return !reg.traced || r.w.Stopped()
	default:
		return false
	}
}

// unstopped returns the registered watchers not stopped: the running
// ones and, under NewTest, those whose bucket was deleted.
func (m *Manager) unstopped() []*watchRec {
	m.reg.mu.Lock()
	defer m.reg.mu.Unlock()
	var out []*watchRec
	for r := range m.reg.recs {
		if m.reg.over(r) {
			delete(m.reg.recs, r)
		} else if !r.w.Stopped() {
			out = append(out, r)
		}
	}
	return out
}

// allWatchers returns every registered watcher, ended or not.
func (m *Manager) allWatchers() []*watchRec {
	m.reg.mu.Lock()
	defer m.reg.mu.Unlock()
	out := make([]*watchRec, 0, len(m.reg.recs))
	for r := range m.reg.recs {
		out = append(out, r)
	}
	return out
}
