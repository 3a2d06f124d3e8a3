package memkv

import (
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetsim/jetsim/stream"
)

// entry is a jetstream.KeyValueEntry. Its value is its own copy. It is
// kept small because a watcher makes one for every delivery.
type entry struct {
	bucket   string
	key      string
	value    []byte
	revision uint64
	delta    uint64
	created  int64 // Unix nanoseconds
	utc      bool  // Created() in UTC (Get) rather than Local (watchers)
	op       jetstream.KeyValueOp
}

var _ jetstream.KeyValueEntry = (*entry)(nil)

func (e *entry) Bucket() string                  { return e.bucket }
func (e *entry) Key() string                     { return e.key }
func (e *entry) Value() []byte                   { return e.value }
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

// smallValue is the size up to which an entry carries its value in its
// own allocation: one allocation per delivered entry instead of two.
const smallValue = 24

type entryWithValue struct {
	entry
	buf [smallValue]byte
}

// newEntry returns an entry whose value is a private copy of v.
func newEntry(v []byte) *entry {
	if len(v) <= smallValue {
		e := &entryWithValue{}
		n := copy(e.buf[:], v)
		e.value = e.buf[:n:n]
		return &e.entry
	}
	return &entry{value: copyValue(v)}
}
