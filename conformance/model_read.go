package conformance

import (
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetsim/jetsim/subject"
)

// modelEntry is a jetstream.KeyValueEntry returned by the Model.
type modelEntry struct {
	bucket, key string
	value       []byte
	revision    uint64
	created     time.Time
	delta       uint64
	op          jetstream.KeyValueOp
}

var _ jetstream.KeyValueEntry = (*modelEntry)(nil)

func (e *modelEntry) Bucket() string                  { return e.bucket }
func (e *modelEntry) Key() string                     { return e.key }
func (e *modelEntry) Value() []byte                   { return e.value }
func (e *modelEntry) Revision() uint64                { return e.revision }
func (e *modelEntry) Created() time.Time              { return e.created }
func (e *modelEntry) Delta() uint64                   { return e.delta }
func (e *modelEntry) Operation() jetstream.KeyValueOp { return e.op }

func (m *Model) entry(x ModelMsg, delta uint64, metaOnly bool, loc *time.Location) *modelEntry {
	e := &modelEntry{bucket: m.bucket, key: x.Key, value: []byte{}, revision: x.Revision,
		created: x.Created.In(loc), delta: delta, op: x.Op}
	if !metaOnly {
		e.value = append(e.value, x.Value...)
	}
	return e
}

// Get returns key's latest entry, or ErrKeyNotFound when the key is absent
// or its last message is a marker (SEMANTICS 4.1).
func (m *Model) Get(key string) (jetstream.KeyValueEntry, error) {
	return m.GetRevision(key, 0)
}

// GetRevision returns key's entry at revision (0 = the latest), or
// ErrKeyNotFound when that message is gone, is of another key or is a
// marker. Created() is in UTC, as the client parses it.
func (m *Model) GetRevision(key string, revision uint64) (jetstream.KeyValueEntry, error) {
	if !subject.ValidKey(key) {
		return nil, jetstream.ErrInvalidKey
	}
	for i := len(m.msgs) - 1; i >= 0; i-- {
		x := m.msgs[i]
		if revision == 0 && x.Key != key || revision != 0 && x.Revision != revision {
			continue
		}
		if x.Key != key || x.Op != jetstream.KeyValuePut {
			break
		}
		return m.entry(x, 0, false, time.UTC), nil
	}
	return nil, jetstream.ErrKeyNotFound
}

// WatchSpec is the set of watch options the Model understands.
type WatchSpec struct {
	IncludeHistory     bool
	IgnoreDeletes      bool
	MetaOnly           bool
	UpdatesOnly        bool
	ResumeFromRevision uint64 // 0 = not set
}

// Opts returns the spec as jetstream watch options, in a fixed order:
// IncludeHistory, UpdatesOnly, IgnoreDeletes, MetaOnly, ResumeFromRevision.
func (s WatchSpec) Opts() []jetstream.WatchOpt {
	var opts []jetstream.WatchOpt
	if s.IncludeHistory {
		opts = append(opts, jetstream.IncludeHistory())
	}
	if s.UpdatesOnly {
		opts = append(opts, jetstream.UpdatesOnly())
	}
	if s.IgnoreDeletes {
		opts = append(opts, jetstream.IgnoreDeletes())
	}
	if s.MetaOnly {
		opts = append(opts, jetstream.MetaOnly())
	}
	if s.ResumeFromRevision > 0 {
		opts = append(opts, jetstream.ResumeFromRevision(s.ResumeFromRevision))
	}
	return opts
}

// String names the options set, e.g. "IncludeHistory+MetaOnly".
func (s WatchSpec) String() string {
	var out string
	add := func(on bool, name string) {
		if on {
			if out != "" {
				out += "+"
			}
			out += name
		}
	}
	add(s.IncludeHistory, "IncludeHistory")
	add(s.UpdatesOnly, "UpdatesOnly")
	add(s.IgnoreDeletes, "IgnoreDeletes")
	add(s.MetaOnly, "MetaOnly")
	add(s.ResumeFromRevision > 0, fmt.Sprintf("ResumeFromRevision(%d)", s.ResumeFromRevision))
	if out == "" {
		return "default"
	}
	return out
}

// ModelWatcher is a watcher on a Model: the entries it delivers at once
// (Initial, then the nil marker if InitDone), and later the entries of
// messages stored after it was created (Next).
type ModelWatcher struct {
	m        *Model
	patterns []string
	spec     WatchSpec
	after    uint64 // live entries have a revision above this
	start    uint64 // ResumeFromRevision: nothing below it is ever delivered

	// Initial is what the watcher delivers before the nil marker (or, with
	// UpdatesOnly and ResumeFromRevision, without one): entries with their
	// deltas; entries hidden by IgnoreDeletes are left out but counted.
	Initial []jetstream.KeyValueEntry
	// InitDone reports whether a nil marker follows Initial; it is false
	// only with UpdatesOnly (SEMANTICS 6.4).
	InitDone bool
}

// Watch starts a watcher on the keys matching any of patterns (all keys
// when there are none), as WatchFiltered(patterns, spec.Opts()...) does
// (SEMANTICS 6.1–6.4). Created() of its entries is in the local zone.
func (m *Model) Watch(patterns []string, spec WatchSpec) (*ModelWatcher, error) {
	if spec.IncludeHistory && spec.UpdatesOnly {
		return nil, fmt.Errorf("%w: updates only cannot be used with include history", jetstream.ErrInvalidOption)
	}
	for _, p := range patterns {
		if !subject.ValidPattern(p) {
			return nil, fmt.Errorf("%w: %s", jetstream.ErrInvalidKey, "key cannot be empty and must be a valid NATS subject")
		}
	}
	w := &ModelWatcher{m: m, patterns: slices.Clone(patterns), spec: spec, after: m.lastSeq, InitDone: !spec.UpdatesOnly}
	// Deliver policy: ResumeFromRevision overrides the others, then
	// UpdatesOnly (new), IncludeHistory (all), last per subject.
	var initial []ModelMsg
	switch {
	case spec.ResumeFromRevision > 0:
		w.start = spec.ResumeFromRevision
		for _, x := range m.msgs {
			if x.Revision >= w.start && modelMatch(x.Key, patterns) {
				initial = append(initial, x)
			}
		}
		w.after = max(w.after, w.start-1)
	case spec.UpdatesOnly:
	case spec.IncludeHistory:
		for _, x := range m.msgs {
			if modelMatch(x.Key, patterns) {
				initial = append(initial, x)
			}
		}
	default:
		initial = m.lastPerKey(patterns)
	}
	w.Initial = w.entries(initial)
	return w, nil
}

// entries turns msgs into entries with deltas counting down to 0, leaving
// out markers under IgnoreDeletes.
func (w *ModelWatcher) entries(msgs []ModelMsg) []jetstream.KeyValueEntry {
	out := []jetstream.KeyValueEntry{}
	for i, x := range msgs {
		if w.spec.IgnoreDeletes && x.Op != jetstream.KeyValuePut {
			continue
		}
		out = append(out, w.m.entry(x, uint64(len(msgs)-1-i), w.spec.MetaOnly, time.Local))
	}
	return out
}

// Next returns the entries of the messages stored since the last call
// (or since Watch) that the watcher delivers, each with delta 0, as to a
// watcher that keeps up. Messages already removed are skipped.
func (w *ModelWatcher) Next() []jetstream.KeyValueEntry {
	out := []jetstream.KeyValueEntry{}
	for _, x := range w.m.msgs {
		if x.Revision > w.after && modelMatch(x.Key, w.patterns) && !(w.spec.IgnoreDeletes && x.Op != jetstream.KeyValuePut) {
			out = append(out, w.m.entry(x, 0, w.spec.MetaOnly, time.Local))
		}
	}
	w.after = max(w.after, w.m.lastSeq)
	return out
}

// History returns every stored entry of the keys matching pattern, markers
// included unless spec.IgnoreDeletes, or ErrKeyNotFound when there is none
// (SEMANTICS 4.2). spec.IncludeHistory is implied.
func (m *Model) History(pattern string, spec WatchSpec) ([]jetstream.KeyValueEntry, error) {
	spec.IncludeHistory = true
	w, err := m.Watch([]string{pattern}, spec)
	if err != nil {
		return nil, err
	}
	if len(w.Initial) == 0 {
		return nil, jetstream.ErrKeyNotFound
	}
	return w.Initial, nil
}

// Keys returns the sorted keys whose last message is not a marker, or
// ErrNoKeysFound (SEMANTICS 4.3).
func (m *Model) Keys() ([]string, error) {
	var keys []string
	for _, x := range m.lastPerKey(nil) {
		if x.Op == jetstream.KeyValuePut {
			keys = append(keys, x.Key)
		}
	}
	if len(keys) == 0 {
		return nil, jetstream.ErrNoKeysFound
	}
	slices.Sort(keys)
	return keys, nil
}
