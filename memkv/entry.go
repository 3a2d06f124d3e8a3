package memkv

import (
	"time"
	"unsafe"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetsim/jetsim/stream"
)

// entry is a jetstream.KeyValueEntry. It is kept small and, where it can
// be, shared: it refers to the stored value, which is never modified, and
// Value() hands out a new copy on each call. So a caller can change what
// Value() returns without touching the store or any other reader's entry,
// and one entry can serve every Get of an unchanged key and every watcher
// of a live update (see stream.Memo), with nothing copied for readers that
// never ask for the value.
type entry struct {
	bucket   string
	key      string
	raw      *byte // the stored value: read-only, shared
	revision uint64
	delta    uint64
	created  int64  // Unix nanoseconds
	rawLen   uint32 // values are at most the 1 MiB max payload
	utc      bool   // Created() in UTC (Get) rather than Local (watchers)
	op       jetstream.KeyValueOp
}

var _ jetstream.KeyValueEntry = (*entry)(nil)

func (e *entry) Bucket() string                  { return e.bucket }
func (e *entry) Key() string                     { return e.key }
func (e *entry) Value() []byte                   { return e.copied() }
func (e *entry) Revision() uint64                { return e.revision }
func (e *entry) Created() time.Time              { return e.createdTime() }
func (e *entry) Delta() uint64                   { return e.delta }
func (e *entry) Operation() jetstream.KeyValueOp { return e.op }

// watchEntry is an entry as a jetstream watcher delivers it: Created() in
// the local zone, whatever the shared entry behind it says.
type watchEntry entry

var _ jetstream.KeyValueEntry = (*watchEntry)(nil)

func (e *watchEntry) Bucket() string                  { return e.bucket }
func (e *watchEntry) Key() string                     { return e.key }
func (e *watchEntry) Value() []byte                   { return (*entry)(e).copied() }
func (e *watchEntry) Revision() uint64                { return e.revision }
func (e *watchEntry) Created() time.Time              { return time.Unix(0, e.created) }
func (e *watchEntry) Delta() uint64                   { return e.delta }
func (e *watchEntry) Operation() jetstream.KeyValueOp { return e.op }

// Header values of the KV client and the server's limit markers.
const (
	kvOperation   = "KV-Operation"
	kvDel         = "DEL"
	kvPurge       = "PURGE"
	markerReason  = "Nats-Marker-Reason"
	reasonMaxAge  = "MaxAge"
	reasonPurge   = "Purge"
	reasonRemove  = "Remove"
	expectedSeq   = "Nats-Expected-Last-Subject-Sequence"
	msgTTL        = "Nats-TTL"
	msgRollup     = "Nats-Rollup"
	rollupSubject = "sub"
)

// opOf reads a stored message's operation as the jetstream client does: a
// KV-Operation header, else a limit marker's reason (jetstream/kv.go: get
// and the watcher's update). The legacy client knows only KV-Operation.
func opOf(hdr []byte, legacy bool) jetstream.KeyValueOp {
	if len(hdr) == 0 {
		return jetstream.KeyValuePut
	}
	if v, _ := stream.HeaderValue(hdr, kvOperation); v != "" {
		switch v {
		case kvDel:
			return jetstream.KeyValueDelete
		case kvPurge:
			return jetstream.KeyValuePurge
		}
		return jetstream.KeyValuePut
	}
	if legacy {
		return jetstream.KeyValuePut
	}
	switch v, _ := stream.HeaderValue(hdr, markerReason); v {
	case reasonMaxAge, reasonPurge:
		return jetstream.KeyValuePurge
	case reasonRemove:
		return jetstream.KeyValueDelete
	}
	return jetstream.KeyValuePut
}

// copyValue returns a private copy of b; an empty value reads back as a
// non-nil empty slice, as from the client.
func copyValue(b []byte) []byte {
	out := make([]byte, len(b))
	copy(out, b)
	return out
}

// createdTime is the store time as the client shows it: Get parses the
// direct-get header into UTC, watchers use time.Unix, in Local.
func (e *entry) createdTime() time.Time {
	t := time.Unix(0, e.created)
	if e.utc {
		return t.UTC()
	}
	return t
}

// copied returns a private copy of the entry's value.
func (e *entry) copied() []byte { return copyValue(unsafe.Slice(e.raw, e.rawLen)) }

// newEntry returns an entry for the stored value v, which the caller
// guarantees is never modified (stream messages are immutable).
func newEntry(v []byte) *entry {
	return &entry{raw: unsafe.SliceData(v), rawLen: uint32(len(v))}
}

// sharedEntry builds the entry a stream caches on m (stream.Memo): what
// Get returns (Created() in UTC, delta 0), and what a jetstream watcher
// delivers through watchEntry when its delta is 0.
func (b *Bucket) sharedEntry(m stream.Msg) *entry {
	e := b.entryOf(m, 0, false)
	e.utc = true
	return e
}
