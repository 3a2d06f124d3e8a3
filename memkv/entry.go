package memkv

import (
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetsim/jetsim/stream"
)

// entry is a jetstream.KeyValueEntry. It is kept small because a watcher
// makes one for every delivery: it refers to the stored value, which is
// never modified, and Value() hands out a private copy, made on the first
// call and the same one after that. So a caller can change what Value()
// returns without touching the store or any other entry, and a watcher
// whose reader never asks for the value copies nothing.
type entry struct {
	bucket   string
	key      string
	raw      *byte                  // the stored value: read-only, shared
	value    atomic.Pointer[[]byte] // the caller's copy, once made
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

// copied returns the entry's private copy of its value, making it on
// first use; concurrent first calls agree on one copy.
func (e *entry) copied() []byte {
	if v := e.value.Load(); v != nil {
		return *v
	}
	v := copyValue(unsafe.Slice(e.raw, e.rawLen))
	if e.value.CompareAndSwap(nil, &v) {
		return v
	}
	return *e.value.Load()
}

// newEntry returns an entry for the stored value v, which the caller
// guarantees is never modified (stream messages are immutable).
func newEntry(v []byte) *entry {
	return &entry{raw: unsafe.SliceData(v), rawLen: uint32(len(v))}
}
