package memkv

import (
	"context"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetsim/jetsim/stream"
)

// StoredMsg is one message stored in a bucket, as Dump shows it.
type StoredMsg struct {
	Revision  uint64
	Key       string
	Operation jetstream.KeyValueOp // as the jetstream client reads it
	Header    nats.Header          // nil when the message has none
	ValueSize int
	Created   time.Time
}

// Dump returns every message stored in bucket, oldest first: values,
// history, delete and purge markers and limit markers alike.
func (m *Manager) Dump(bucket string) ([]StoredMsg, error) {
	st := m.lookup(bucket)
	if st == nil {
		return nil, jetstream.ErrBucketNotFound
	}
	pre := len("$KV." + bucket + ".")
	var out []StoredMsg
	st.stream.Range(func(msg stream.Msg) bool {
		sm := StoredMsg{
			Revision:  msg.Seq,
			Key:       msg.Subject[pre:],
			Operation: opOf(msg.Header, false),
			ValueSize: len(msg.Data),
			Created:   msg.Time,
		}
		if len(msg.Header) > 0 {
			sm.Header, _ = nats.DecodeHeadersMsg(msg.Header)
		}
		out = append(out, sm)
		return true
	})
	return out, nil
}

// Watchers returns the number of running watchers on bucket, or on all
// buckets when bucket is "". ListKeys and ListKeysFiltered count while
// they run.
func (m *Manager) Watchers(bucket string) int {
	n := 0
	for _, r := range m.liveWatchers() {
		if bucket == "" || r.bucket == bucket {
			n++
		}
	}
	return n
}

// Sync waits until every running watcher has been handed everything
// written so far: each entry is in its Updates channel, or already read
// from it. That is all it promises: an app's goroutine that reads the
// channel and applies the entries (to a cache, say) may not have applied
// them yet when Sync returns. To wait for the app too, run the test in a
// testing/synctest bubble and call synctest.Wait() after the write (see
// TestExample_synctest), or wait on a signal of the app's own. A watcher
// whose channel is full and not read keeps Sync waiting until ctx ends;
// Sync then returns ctx's error.
func (m *Manager) Sync(ctx context.Context) error {
	for _, r := range m.liveWatchers() {
		if err := r.w.WaitSynced(ctxOrBackground(ctx), r.st.stream.LastSeq()); err != nil {
			return err
		}
	}
	return nil
}

// DropWatchers ends the watchers on bucket ("" for all) whose patterns
// overlap keys ("" for all) as a lost connection would: their Updates
// channels close after the entries already in them, and their Stop
// returns nats.ErrConnectionClosed, as the client's does after nc.Close.
// It returns how many it ended.
func (m *Manager) DropWatchers(bucket, keys string) int {
	n := 0
	for _, r := range m.liveWatchers() {
		if bucket != "" && r.bucket != bucket {
			continue
		}
		if keys != "" && !r.overlaps(keys) {
			continue
		}
		r.dropped.Store(true)
		if r.w.Stop() == nil {
			n++
		}
	}
	return n
}
