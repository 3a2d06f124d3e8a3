package memkv

import (
	"cmp"
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"time"
)

// TB is the part of testing.TB that NewTest uses.
type TB interface {
	Helper()
	Cleanup(func())
	Errorf(format string, args ...any)
}

// leakWait bounds how long NewTest's clean-up waits for the goroutines of
// the watchers to end, those it stopped and those ended by their context
// (which ends them from a goroutine of its own, context.AfterFunc, so not
// at once).
const leakWait = 5 * time.Second

// NewTest returns a Manager tied to a test. When the test ends, its
// clean-up fails the test for each leaked watcher, naming the file:line
// of the Watch (or WatchAll, WatchFiltered, ListKeys) call that started
// it. A leaked watcher is one that was not stopped and whose context is
// not done, even if its bucket was deleted (the client's subscription
// lives on until Stop). A watcher left to its context, such as
// t.Context(), which ends before clean-ups run, is not a leak. Then the
// clean-up stops every watcher, deletes every bucket and fails the test
// if a watcher's goroutine has not ended within a few seconds.
func NewTest(t TB, opts ...Option) *Manager {
	t.Helper()
	m := New(opts...)
	m.reg.traced = true
	t.Cleanup(func() {
		t.Helper() // report at the NewTest call, not in this file
		m.cleanUp(t)
	})
	return m
}

// cleanUp is NewTest's clean-up.
func (m *Manager) cleanUp(t TB) {
	t.Helper()
	if leaks := m.leaks(); len(leaks) > 0 {
		var b strings.Builder
		for _, r := range leaks {
			fmt.Fprintf(&b, "\n\t%s watched at %s", r.pattern(), r.at)
		}
		t.Errorf("memkv: %d watcher(s) not stopped, with a context that is not done:%s", len(leaks), b.String())
	}
	m.Close()
	timer := time.NewTimer(leakWait)
	defer timer.Stop()
	for _, r := range m.allWatchers() {
		select {
		case <-r.w.Done():
		case <-timer.C:
			t.Errorf("memkv: the goroutine of the watcher of %s watched at %s has not ended after %v", r.pattern(), r.at, leakWait)
			return
		}
	}
}

// leaks returns the watchers that nothing will end, by where they were
// started: not stopped, and their context not done, whether their bucket
// still exists or not. A watcher whose context is done may still look
// running for a moment; its context's AfterFunc stops it.
func (m *Manager) leaks() []*watchRec {
	var out []*watchRec
	for _, r := range m.unstopped() {
		if r.ctx.Err() == nil {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b *watchRec) int { return cmp.Compare(a.at, b.at) })
	return out
}

// pattern is the watcher's bucket and key patterns, as "B[a.* b]".
func (r *watchRec) pattern() string {
	return fmt.Sprintf("%s%v", r.bucket, r.keys)
}

// memkvFuncs prefixes the names of memkv's functions and methods (not
// those of its external tests, package memkv_test).
var memkvFuncs = reflect.TypeFor[Manager]().PkgPath() + "."

// caller returns the file:line of the innermost caller outside memkv: the
// application's call that started a watcher, through either API.
func caller() string {
	var pcs [32]uintptr
	n := runtime.Callers(2, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if !strings.HasPrefix(f.Function, memkvFuncs) {
			return fmt.Sprintf("%s:%d", f.File, f.Line)
		}
		if !more {
			return "an unknown place"
		}
	}
}

// Close stops every watcher, closes the connections of the manager's
// server (see InProcessConn) and waits for its goroutines, and deletes
// every stream: the manager's goroutines end and its timers stop. The
// manager is empty and usable afterwards.
func (m *Manager) Close() {
	// closing stays closed until Close returns, so that what starts
	// during Close (a request's latency, a lister) ends at once too.
	m.mu.Lock()
	if m.closing == nil {
		m.closing = make(chan struct{})
	}
	closing := m.closing
	select {
	case <-closing: // a concurrent Close closed it
	default:
		close(closing)
	}
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		if m.closing == closing {
			m.closing = nil
		}
		m.mu.Unlock()
	}()
	for _, r := range m.unstopped() {
		_ = r.w.Stop()
		if r.release != nil {
			r.release()
		}
	}
	m.closeServer()
	for _, st := range m.sortedStreams(false) {
		m.deleteStream(st.cfg.Name)
	}
}

// closingCh returns a channel that the next Close closes, for the
// goroutines a manager runs beside its watchers (ListKeys's), which could
// otherwise wait for a reader forever.
func (m *Manager) closingCh() <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closing == nil {
		m.closing = make(chan struct{})
	}
	return m.closing
}
