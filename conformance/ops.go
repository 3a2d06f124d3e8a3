package conformance

import (
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// This file describes the operations that the property tests and the fuzz
// target run against a Model and a jetstream.KeyValue in lockstep, and how
// they are chosen. The choices come from a chooser, so rapid (named draws,
// shrinking) and the fuzzer (raw bytes) drive one generator.

// opKind is the kind of a generated operation.
type opKind uint8

const (
	opPut opKind = iota
	opCreate
	opUpdate
	opDelete
	opPurge
	opGet
	opGetRevision
	opHistory
	opKeys
	opPurgeDeletes
	opWatch
	opStatus
	opAdvance
)

var opNames = [...]string{"Put", "Create", "Update", "Delete", "Purge", "Get", "GetRevision",
	"History", "Keys", "PurgeDeletes", "Watch", "Status", "Advance"}

func (k opKind) String() string { return opNames[k] }

// kvOp is one generated operation with its arguments resolved.
type kvOp struct {
	kind     opKind
	key      string
	value    []byte
	rev      uint64        // Update's revision, GetRevision's, Delete/Purge's LastRevision
	ttl      time.Duration // Create's KeyTTL, Delete/Purge's PurgeTTL, PurgeDeletes' DeleteMarkersOlderThan, Advance's step
	patterns []string      // Watch: nil = WatchAll; History: one pattern
	spec     WatchSpec
	// livePut makes Watch put value under key once the initial entries
	// are read, and read the live entry it causes.
	livePut bool
}

func (o kvOp) String() string {
	switch o.kind {
	case opPut:
		return fmt.Sprintf("Put(%q, %d bytes)", o.key, len(o.value))
	case opCreate:
		return fmt.Sprintf("Create(%q, %d bytes, KeyTTL %v)", o.key, len(o.value), o.ttl)
	case opUpdate:
		return fmt.Sprintf("Update(%q, %d bytes, rev %d)", o.key, len(o.value), o.rev)
	case opDelete, opPurge:
		return fmt.Sprintf("%v(%q, LastRevision %d, PurgeTTL %v)", o.kind, o.key, o.rev, o.ttl)
	case opGet:
		return fmt.Sprintf("Get(%q)", o.key)
	case opGetRevision:
		return fmt.Sprintf("GetRevision(%q, %d)", o.key, o.rev)
	case opHistory:
		return fmt.Sprintf("History(%q, %v)", o.patterns[0], o.spec)
	case opPurgeDeletes:
		return fmt.Sprintf("PurgeDeletes(OlderThan %v)", o.ttl)
	case opWatch:
		s := fmt.Sprintf("Watch(%s, %v)", watchTarget(o.patterns), o.spec)
		if o.livePut {
			s += fmt.Sprintf(" then Put(%q, %d bytes)", o.key, len(o.value))
		}
		return s
	case opAdvance:
		return fmt.Sprintf("Advance(%v)", o.ttl)
	}
	return o.kind.String() + "()"
}

func watchTarget(patterns []string) string {
	if patterns == nil {
		return "all"
	}
	return "[" + strings.Join(patterns, " ") + "]"
}

// chooser is a source of choices: choose returns a number in [0, n).
type chooser interface {
	choose(n int, label string) int
}

func genPick[T any](c chooser, label string, from ...T) T { return from[c.choose(len(from), label)] }

// genSpace says what the generator may produce.
type genSpace struct {
	// timed allows bucket TTLs, limit markers and per-key TTLs that take
	// effect, and Advance. Without it nothing depends on the clock, so a
	// real server can follow.
	timed bool
}

// Generated keys and patterns: a few keys in two levels, so that wildcard
// patterns select some of them. "c.*" and "" are not valid keys.
var (
	genKeys        = []string{"a", "b", "c.d", "c.e"}
	genBadKeys     = []string{"c.*", ""}
	genPatterns    = []string{">", "a", "b", "c.*", "c.>", "*", "c.d", "nothere"}
	genMultiFilter = [][]string{{"a", "c.d"}, {"b", "c.*"}, {"c.e", "a", "b"}}
)

// genConfig chooses a bucket configuration named name.
func genConfig(c chooser, name string, s genSpace) jetstream.KeyValueConfig {
	cfg := jetstream.KeyValueConfig{
		Bucket:       name,
		Storage:      jetstream.MemoryStorage,
		History:      genPick[uint8](c, "history", 1, 1, 2, 3, 5, 8, 64),
		MaxBytes:     genPick[int64](c, "max bytes", 0, 0, 150, 300, 600, 1500),
		MaxValueSize: genPick[int32](c, "max value size", 0, 0, 10, 40, 60, 100, 200),
	}
	if s.timed {
		// Multiples of 250ms, so that the server's batching of age
		// checks does not matter (see Model.Advance).
		cfg.TTL = genPick(c, "ttl", 0, 0, 250*time.Millisecond, 500*time.Millisecond, time.Second, 2*time.Second, 3*time.Second)
		cfg.LimitMarkerTTL = genPick(c, "limit marker ttl", 0, time.Second, 2*time.Second, 3*time.Second)
	} else {
		// Long enough that nothing expires while the test runs, but
		// they change headers and the checks on writes.
		cfg.TTL = genPick(c, "ttl", 0, 0, time.Hour)
		cfg.LimitMarkerTTL = genPick(c, "limit marker ttl", 0, 0, time.Hour, 2*time.Hour)
	}
	return cfg
}

// genOp chooses the next operation for a bucket in the state m.
func genOp(c chooser, m *Model, s genSpace) kvOp {
	kinds := []opKind{opPut, opPut, opPut, opCreate, opCreate, opUpdate, opUpdate, opDelete, opPurge,
		opGet, opGet, opGetRevision, opHistory, opKeys, opPurgeDeletes, opWatch, opWatch, opStatus}
	if s.timed {
		kinds = append(kinds, opAdvance, opAdvance)
	}
	o := kvOp{kind: genPick(c, "op", kinds...)}
	key := func() string {
		if c.choose(16, "bad key?") == 0 {
			return genPick(c, "bad key", genBadKeys...)
		}
		return genPick(c, "key", genKeys...)
	}
	value := func() []byte {
		n := genPick(c, "value size", 0, 1, 3, 8, 20, 60, 150)
		return []byte(strings.Repeat(genPick(c, "value byte", "x", "y", "z"), n))
	}
	// revision chooses a revision near key's current one: right or wrong.
	revision := func(key string) uint64 {
		cur := m.LastRevision(key)
		switch c.choose(5, "revision") {
		case 0, 1:
			return cur
		case 2:
			return 0
		case 3:
			return cur + 1
		}
		return uint64(c.choose(int(m.LastSeq())+2, "any revision"))
	}
	// ttl chooses a per-message TTL. Without timed, a short one is only
	// allowed where it fails (no limit markers: 10166; under 1s: 10165)
	// or is raised to a limit marker TTL of an hour or more.
	ttl := func() time.Duration {
		if c.choose(3, "ttl?") != 0 {
			return 0
		}
		d := genPick(c, "ttl value", 500*time.Millisecond, time.Second, 1500*time.Millisecond, 2*time.Second, 4*time.Second, time.Hour)
		if !s.timed && d >= time.Second && d < time.Hour && m.markerTTL > 0 && (m.history == 1 || m.markerTTL < time.Hour) {
			return 0
		}
		return d
	}
	switch o.kind {
	case opPut:
		o.key, o.value = key(), value()
	case opCreate:
		o.key, o.value, o.ttl = key(), value(), ttl()
	case opUpdate:
		o.key, o.value = key(), value()
		o.rev = revision(o.key)
	case opDelete, opPurge:
		o.key = key()
		if c.choose(2, "last revision?") == 0 {
			o.rev = revision(o.key)
		}
		if o.kind == opPurge || c.choose(8, "delete ttl?") == 0 {
			o.ttl = ttl()
		}
	case opGet:
		o.key = key()
	case opGetRevision:
		o.key = key()
		o.rev = uint64(c.choose(int(m.LastSeq())+2, "revision"))
	case opHistory:
		o.patterns = []string{genPick(c, "pattern", genPatterns...)}
		o.spec.IgnoreDeletes = c.choose(3, "ignore deletes") == 0
		o.spec.MetaOnly = c.choose(4, "meta only") == 0
	case opPurgeDeletes:
		olderThan := []time.Duration{0, -1}
		if s.timed {
			olderThan = append(olderThan, time.Second, 2*time.Second)
		}
		o.ttl = genPick(c, "older than", olderThan...)
	case opWatch:
		switch c.choose(3, "watch target") {
		case 0:
			o.patterns = nil
		case 1:
			o.patterns = []string{genPick(c, "pattern", genPatterns...)}
		default:
			o.patterns = genPick(c, "filters", genMultiFilter...)
		}
		o.spec = WatchSpec{
			IncludeHistory: c.choose(3, "include history") == 0,
			IgnoreDeletes:  c.choose(3, "ignore deletes") == 0,
			MetaOnly:       c.choose(4, "meta only") == 0,
			UpdatesOnly:    c.choose(3, "updates only") == 0,
		}
		if c.choose(4, "resume?") == 0 {
			o.spec.ResumeFromRevision = 1 + uint64(c.choose(int(m.LastSeq())+2, "resume from"))
		}
		if o.livePut = o.spec.UpdatesOnly || c.choose(2, "live put") == 0; o.livePut {
			o.key, o.value = genPick(c, "key", genKeys...), value()
		}
	case opAdvance:
		o.ttl = genPick(c, "advance", 250*time.Millisecond, 500*time.Millisecond, time.Second, 2*time.Second, 3*time.Second)
	}
	return o
}

// byteChooser reads choices from bytes, for fuzzing: each choice takes one
// byte (two when n > 256) modulo n; past the end every choice is 0.
type byteChooser struct{ data []byte }

func (b *byteChooser) choose(n int, _ string) int {
	if n <= 1 {
		return 0
	}
	v := 0
	for i := 0; i < 1 || n > 256 && i < 2; i++ {
		v <<= 8
		if len(b.data) > 0 {
			v |= int(b.data[0])
			b.data = b.data[1:]
		}
	}
	return v % n
}

func (b *byteChooser) done() bool { return len(b.data) == 0 }
