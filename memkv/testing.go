package memkv

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// TB is the part of testing.TB that NewTest uses.
type TB interface {
	Helper()
	Cleanup(func())
	Errorf(format string, args ...any)
}

// leakWait is how long NewTest's clean-up waits for goroutines to end.
const leakWait = 5 * time.Second

// NewTest returns a Manager tied to a test. When the test ends, its
// clean-up fails the test if any watcher is still running (a missing
// Stop), then stops every watcher, deletes every bucket and fails the test
// if a goroutine of the manager has not ended.
func NewTest(t TB, opts ...Option) *Manager {
	t.Helper()
	m := New(opts...)
	t.Cleanup(func() {
		if live := m.liveWatchers(); len(live) > 0 {
			var b strings.Builder
			for _, r := range live {
				fmt.Fprintf(&b, " %s%v", r.bucket, r.keys)
			}
			t.Errorf("memkv: %d watcher(s) not stopped:%s", len(live), b.String())
		}
		m.Close()
		ctx, cancel := context.WithTimeout(context.Background(), leakWait)
		defer cancel()
		for _, r := range m.allWatchers() {
			select {
			case <-r.w.Done():
			case <-ctx.Done():
				t.Errorf("memkv: a watcher goroutine of bucket %s has not ended", r.bucket)
				return
			}
		}
	})
	return m
}

// Close stops every watcher, closes the connections of the manager's
// server (see InProcessConn) and waits for its goroutines, and deletes
// every stream: the manager's goroutines end and its timers stop. The
// manager is empty and usable afterwards.
func (m *Manager) Close() {
	for _, r := range m.liveWatchers() {
		_ = r.w.Stop()
	}
	m.closeServer()
	for _, st := range m.sortedStreams(false) {
		m.deleteStream(st.cfg.Name)
	}
}
