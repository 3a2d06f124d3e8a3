package conformance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetsim/jetsim/memkv"
)

// lockstep runs generated operations on a Model and on a bucket of a real
// KeyValueManager (memkv or the server) side by side, and compares what
// they return after each one: revisions, errors (text and identity),
// entries with their deltas and the watcher's nil marker, and the
// bucket's Values and Bytes.
type lockstep struct {
	model *Model
	kv    jetstream.KeyValue
	// mem, with clock, is set when kv is a memkv bucket: Advance moves the
	// clock, created times are compared, the stored messages are compared
	// with Dump, and a watcher's extra entries are caught with Sync.
	mem   *memkv.Manager
	clock *memkv.FakeClock
	done  []string // the operations run so far, for failure messages
}

// fataler is the part of testing.T and rapid.T that lockstep needs.
type fataler interface {
	Fatalf(format string, args ...any)
}

// lockstepStart is the model's and the fake clock's starting time.
var lockstepStart = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// lockstepWait bounds every wait for a watcher entry.
const lockstepWait = 3 * time.Second

// step runs o on both sides and fails t at the first difference.
func (ls *lockstep) step(t fataler, o kvOp) {
	ls.done = append(ls.done, o.String())
	want, live := ls.applyModel(o)
	got := ls.applyKV(o, live)
	if got != want {
		t.Fatalf("divergence at step %d %v\nmodel: %s\n   kv: %s\nsteps:\n  %s", len(ls.done), o, want, got, strings.Join(ls.done, "\n  "))
	}
	values, bytes := ls.model.Status()
	want = fmt.Sprintf("Values=%d Bytes=%d", values, bytes)
	if got = ls.status(); got != want {
		t.Fatalf("status after step %d %v\nmodel: %s\n   kv: %s\nsteps:\n  %s", len(ls.done), o, want, got, strings.Join(ls.done, "\n  "))
	}
	if ls.mem != nil {
		want, got = ls.modelDump(), ls.memDump()
		if got != want {
			t.Fatalf("stored messages after step %d %v\nmodel: %s\n   kv: %s\nsteps:\n  %s", len(ls.done), o, want, got, strings.Join(ls.done, "\n  "))
		}
	}
}

func (ls *lockstep) status() string {
	st, err := ls.kv.Status(context.Background())
	if err != nil {
		return "Status: " + describeErr(err)
	}
	return fmt.Sprintf("Values=%d Bytes=%d", st.Values(), st.Bytes())
}

func (ls *lockstep) modelDump() string {
	var b strings.Builder
	for _, x := range ls.model.Messages() {
		fmt.Fprintf(&b, "[%d %s %v %dB %s]", x.Revision, x.Key, x.Op, len(x.Value), x.Created.Sub(lockstepStart))
	}
	return b.String()
}

func (ls *lockstep) memDump() string {
	msgs, err := ls.mem.Dump(ls.kv.Bucket())
	if err != nil {
		return "Dump: " + err.Error()
	}
	var b strings.Builder
	for _, x := range msgs {
		fmt.Fprintf(&b, "[%d %s %v %dB %s]", x.Revision, x.Key, x.Operation, x.ValueSize, x.Created.Sub(lockstepStart))
	}
	return b.String()
}

// applyModel runs o on the model and describes the outcome. live is the
// number of entries a watcher reads without a nil marker to stop at.
func (ls *lockstep) applyModel(o kvOp) (out string, live [2]int) {
	m := ls.model
	switch o.kind {
	case opPut:
		return describeRev(m.Put(o.key, o.value)), live
	case opCreate:
		return describeRev(m.Create(o.key, o.value, o.ttl)), live
	case opUpdate:
		return describeRev(m.Update(o.key, o.value, o.rev)), live
	case opDelete:
		return describeErr(m.Delete(o.key, o.rev, o.ttl)), live
	case opPurge:
		return describeErr(m.Purge(o.key, o.rev, o.ttl)), live
	case opGet:
		e, err := m.Get(o.key)
		return ls.describeEntry(e, err), live
	case opGetRevision:
		e, err := m.GetRevision(o.key, o.rev)
		return ls.describeEntry(e, err), live
	case opHistory:
		es, err := m.History(o.patterns[0], o.spec)
		return ls.describeEntries(es, err), live
	case opKeys:
		keys, err := m.Keys()
		return describeKeys(keys, err), live
	case opPurgeDeletes:
		return describeErr(m.PurgeDeletes(o.ttl)), live
	case opWatch:
		w, err := m.Watch(o.patterns, o.spec)
		if err != nil {
			return describeErr(err), live
		}
		out = ls.describeEntries(w.Initial, nil)
		live[0] = len(w.Initial)
		if w.InitDone {
			out += " <nil>"
		}
		if o.livePut {
			out += " | " + describeRev(m.Put(o.key, o.value))
			next := w.Next()
			live[1] = len(next)
			out += " -> " + ls.describeEntries(next, nil)
		}
		return out, live
	case opStatus:
		values, bytes := m.Status()
		return fmt.Sprintf("Values=%d Bytes=%d History=%d TTL=%v LMT=%v", values, bytes, m.history, m.maxAge, m.markerTTL), live
	case opAdvance:
		m.Advance(o.ttl)
		return "", live
	}
	panic(fmt.Sprintf("unknown op %v", o.kind))
}

// applyKV runs o on the bucket and describes the outcome as applyModel
// does. live gives the model's counts of entries for watchers without a
// nil marker, which is the only way to know when to stop reading.
func (ls *lockstep) applyKV(o kvOp, live [2]int) string {
	ctx := context.Background()
	kv := ls.kv
	switch o.kind {
	case opPut:
		return describeRev(kv.Put(ctx, o.key, o.value))
	case opCreate:
		var opts []jetstream.KVCreateOpt
		if o.ttl != 0 {
			opts = append(opts, jetstream.KeyTTL(o.ttl))
		}
		return describeRev(kv.Create(ctx, o.key, o.value, opts...))
	case opUpdate:
		return describeRev(kv.Update(ctx, o.key, o.value, o.rev))
	case opDelete, opPurge:
		var opts []jetstream.KVDeleteOpt
		if o.rev != 0 {
			opts = append(opts, jetstream.LastRevision(o.rev))
		}
		if o.ttl != 0 {
			opts = append(opts, jetstream.PurgeTTL(o.ttl))
		}
		if o.kind == opDelete {
			return describeErr(kv.Delete(ctx, o.key, opts...))
		}
		return describeErr(kv.Purge(ctx, o.key, opts...))
	case opGet:
		e, err := kv.Get(ctx, o.key)
		return ls.describeEntry(e, err)
	case opGetRevision:
		e, err := kv.GetRevision(ctx, o.key, o.rev)
		return ls.describeEntry(e, err)
	case opHistory:
		es, err := kv.History(ctx, o.patterns[0], o.spec.Opts()...)
		return ls.describeEntries(es, err)
	case opKeys:
		keys, err := kv.Keys(ctx)
		return describeKeys(keys, err)
	case opPurgeDeletes:
		var opts []jetstream.KVPurgeOpt
		if o.ttl != 0 {
			opts = append(opts, jetstream.DeleteMarkersOlderThan(o.ttl))
		}
		return describeErr(kv.PurgeDeletes(ctx, opts...))
	case opWatch:
		return ls.watchKV(ctx, o, live)
	case opStatus:
		st, err := kv.Status(ctx)
		if err != nil {
			return describeErr(err)
		}
		return fmt.Sprintf("Values=%d Bytes=%d History=%d TTL=%v LMT=%v", st.Values(), st.Bytes(), st.History(), st.TTL(), st.LimitMarkerTTL())
	case opAdvance:
		if ls.clock != nil {
			ls.clock.Advance(o.ttl)
		}
		return ""
	}
	panic(fmt.Sprintf("unknown op %v", o.kind))
}

func (ls *lockstep) watchKV(ctx context.Context, o kvOp, live [2]int) string {
	var w jetstream.KeyWatcher
	var err error
	switch len(o.patterns) {
	case 0:
		w, err = ls.kv.WatchAll(ctx, o.spec.Opts()...)
	case 1:
		w, err = ls.kv.Watch(ctx, o.patterns[0], o.spec.Opts()...)
	default:
		w, err = ls.kv.WatchFiltered(ctx, slices.Clone(o.patterns), o.spec.Opts()...)
	}
	if err != nil {
		return describeErr(err)
	}
	defer func() { _ = w.Stop() }()
	var initial []jetstream.KeyValueEntry
	var out string
	if o.spec.UpdatesOnly {
		// No nil marker: read as many entries as the model delivers.
		initial, _ = readEntries(w, live[0], false)
		out = ls.describeEntries(initial, nil)
		if len(initial) < live[0] {
			out += " <timeout>"
		}
	} else {
		var ok bool
		initial, ok = readEntries(w, -1, true)
		out = ls.describeEntries(initial, nil)
		if ok {
			out += " <nil>"
		} else {
			out += " <timeout>"
		}
	}
	if o.livePut {
		out += " | " + describeRev(ls.kv.Put(ctx, o.key, o.value))
		next, _ := readEntries(w, live[1], false)
		out += " -> " + ls.describeEntries(next, nil)
	}
	if extra := ls.extra(w); len(extra) > 0 {
		out += " extra: " + ls.describeEntries(extra, nil)
	}
	return out
}

// readEntries reads n entries from w (n < 0: any number), stopping at the
// nil marker if untilNil. It reports whether it stopped at nil (untilNil)
// or read n entries, rather than timing out.
func readEntries(w jetstream.KeyWatcher, n int, untilNil bool) ([]jetstream.KeyValueEntry, bool) {
	out := []jetstream.KeyValueEntry{}
	timeout := time.NewTimer(lockstepWait)
	defer timeout.Stop()
	for n < 0 || len(out) < n {
		select {
		case e, ok := <-w.Updates():
			if !ok {
				return out, false
			}
			if e == nil {
				if untilNil {
					return out, true
				}
				continue // a nil where none was expected shows as a count mismatch
			}
			out = append(out, e)
		case <-timeout.C:
			return out, false
		}
	}
	return out, true
}

// extra returns entries the watcher delivers beyond what was read. On
// memkv, Sync makes that exact (and a Sync that does not return is a
// failure, TestRegressSyncNonMatchingWrite); on the server a short wait
// has to do.
func (ls *lockstep) extra(w jetstream.KeyWatcher) []jetstream.KeyValueEntry {
	if ls.mem != nil {
		ctx, cancel := context.WithTimeout(context.Background(), lockstepWait)
		defer cancel()
		if err := ls.mem.Sync(ctx); err != nil {
			return []jetstream.KeyValueEntry{&modelEntry{key: "<Sync: " + err.Error() + ">"}}
		}
	} else {
		time.Sleep(5 * time.Millisecond)
	}
	var out []jetstream.KeyValueEntry
	for {
		select {
		case e := <-w.Updates():
			if e == nil {
				e = &modelEntry{key: "<nil>"}
			}
			out = append(out, e)
		default:
			return out
		}
	}
}

// Outcome descriptions. Errors are described by text, by which of the
// client's sentinels they are (== or errors.Is) and by API error codes.

var lockstepSentinels = []struct {
	name string
	err  error
}{
	{"KeyNotFound", jetstream.ErrKeyNotFound},
	{"KeyDeleted", jetstream.ErrKeyDeleted},
	{"KeyExists", jetstream.ErrKeyExists},
	{"KeyRevisionMismatch", jetstream.ErrKeyRevisionMismatch},
	{"NoKeysFound", jetstream.ErrNoKeysFound},
	{"InvalidKey", jetstream.ErrInvalidKey},
	{"MessageExceedsMaximum", jetstream.ErrStreamMessageExceedsMaximum},
	{"TTLOnDeleteNotSupported", jetstream.ErrTTLOnDeleteNotSupported},
	{"InvalidOption", jetstream.ErrInvalidOption},
}

func describeErr(err error) string {
	if err == nil {
		return "ok"
	}
	s := fmt.Sprintf("err %q", err.Error())
	for _, x := range lockstepSentinels {
		switch {
		case err == x.err:
			s += " ==" + x.name
		case errors.Is(err, x.err):
			s += " is:" + x.name
		}
	}
	var ae *jetstream.APIError
	if errors.As(err, &ae) {
		s += fmt.Sprintf(" api:%d/%d", ae.Code, ae.ErrorCode)
	}
	return s
}

func describeRev(rev uint64, err error) string {
	if err != nil {
		return fmt.Sprintf("rev=%d %s", rev, describeErr(err))
	}
	return fmt.Sprintf("rev=%d", rev)
}

func describeKeys(keys []string, err error) string {
	if err != nil {
		return fmt.Sprintf("%q %s", keys, describeErr(err))
	}
	return fmt.Sprintf("%q", keys)
}

// describeEntry describes e with its bucket, key, revision, operation,
// delta, value and the zone of Created(); on memkv also Created() itself
// (the server's store times are wall-clock times the model cannot know).
func (ls *lockstep) describeEntry(e jetstream.KeyValueEntry, err error) string {
	if err != nil || e == nil {
		return fmt.Sprintf("entry=%v %s", e != nil, describeErr(err))
	}
	s := fmt.Sprintf("%s/%s@%d %v d%d %q %s", e.Bucket(), e.Key(), e.Revision(), e.Operation(), e.Delta(), e.Value(), e.Created().Location())
	if ls.mem != nil {
		s += " +" + e.Created().Sub(lockstepStart).String()
	}
	return s
}

func (ls *lockstep) describeEntries(es []jetstream.KeyValueEntry, err error) string {
	if err != nil {
		return fmt.Sprintf("%d entries %s", len(es), describeErr(err))
	}
	parts := make([]string, 0, len(es))
	for _, e := range es {
		parts = append(parts, ls.describeEntry(e, nil))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
