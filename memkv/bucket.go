package memkv

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetsim/jetsim/stream"
	"github.com/jetsim/jetsim/subject"
)

// Bucket is a handle on one bucket. It satisfies jetstream.KeyValue. Like
// the client's handle it names its bucket rather than holding it: after
// DeleteKeyValue its calls fail, and a bucket created again under the same
// name serves it again.
type Bucket struct {
	m    *Manager
	name string
	pre  string // "$KV.<bucket>."
	cur  atomic.Pointer[bucketState]
}

var _ jetstream.KeyValue = (*Bucket)(nil)

func newBucket(m *Manager, st *bucketState) *Bucket {
	b := &Bucket{m: m, name: st.name, pre: "$KV." + st.name + "."}
	b.cur.Store(st)
	return b
}

// state returns the bucket's current state; a deleted one when there is
// no bucket of that name any more.
func (b *Bucket) state() *bucketState {
	st := b.cur.Load()
	if !st.deleted.Load() {
		return st
	}
	if now := b.m.lookup(b.name); now != nil {
		b.cur.CompareAndSwap(st, now)
		return now
	}
	return st
}

// Bucket returns the bucket's name.
func (b *Bucket) Bucket() string { return b.name }

// Get returns the latest entry for key, or ErrKeyNotFound when there is
// none or it is deleted.
func (b *Bucket) Get(ctx context.Context, key string) (jetstream.KeyValueEntry, error) {
	return b.GetRevision(ctx, key, 0)
}

// GetRevision returns the entry of key at revision, or ErrKeyNotFound when
// that revision is gone, is not of this key, or is a delete marker.
// Revision 0 means the latest.
func (b *Bucket) GetRevision(ctx context.Context, key string, revision uint64) (jetstream.KeyValueEntry, error) {
	if !subject.ValidKey(key) {
		return nil, jetstream.ErrInvalidKey
	}
	if err := b.m.fault(ctx, OpGet, b.name, key, false); err != nil {
		return nil, err
	}
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	var e *entry
	var err error
	if revision == 0 {
		// The newest message's shared entry: a Get of a key read before
		// allocates nothing.
		e, err = stream.LastMemo(b.state().stream, b.pre, key, b.sharedEntry)
	} else {
		e, err = b.get(ctx, key, revision, false)
	}
	switch {
	case err == nil && e.op != jetstream.KeyValuePut, errors.Is(err, jetstream.ErrKeyDeleted):
		return nil, jetstream.ErrKeyNotFound
	case err != nil:
		return nil, getError(err)
	}
	return e, nil
}

// getError maps a read's error to the client's.
func getError(err error) error {
	if errors.Is(err, stream.ErrNoMessage) {
		return jetstream.ErrKeyNotFound
	}
	return readError(err)
}

// get is the client's kvs.get: a deleted entry comes with ErrKeyDeleted.
func (b *Bucket) get(ctx context.Context, key string, revision uint64, legacy bool) (*entry, error) {
	if !subject.ValidKey(key) {
		return nil, jetstream.ErrInvalidKey
	}
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	s := b.state().stream
	subj := b.pre + key
	var m stream.Msg
	var err error
	if revision == 0 {
		m, err = s.LastMsg(subj)
	} else {
		m, err = s.GetMsg(revision)
		if err == nil && m.Subject != subj {
			return nil, jetstream.ErrKeyNotFound
		}
	}
	if err != nil {
		return nil, getError(err)
	}
	e := newEntry(m.Data)
	e.bucket, e.key, e.revision, e.created, e.utc, e.op = b.name, key, m.Seq, m.Time.UnixNano(), true, opOf(m.Header, legacy)
	if e.op != jetstream.KeyValuePut {
		return e, jetstream.ErrKeyDeleted
	}
	return e, nil
}

// Put stores value under key and returns its revision.
func (b *Bucket) Put(ctx context.Context, key string, value []byte) (uint64, error) {
	if !subject.ValidKey(key) {
		return 0, jetstream.ErrInvalidKey
	}
	if err := b.m.fault(ctx, OpPut, b.name, key, false); err != nil {
		return 0, err
	}
	return b.publish(ctx, key, nil, value)
}

// PutString stores value under key and returns its revision.
func (b *Bucket) PutString(ctx context.Context, key string, value string) (uint64, error) {
	return b.Put(ctx, key, []byte(value))
}

// publish stores one message on the key's subject, with the client's
// checks and error wrapping (jetstream/publish.go: publishMsg).
func (b *Bucket) publish(ctx context.Context, key string, hdr, value []byte) (uint64, error) {
	if err := ctxErr(ctx); err != nil {
		return 0, err
	}
	if len(hdr)+len(value) > maxPayload {
		return 0, nats.ErrMaxPayload
	}
	ack, err := b.state().stream.StoreKey(b.pre, key, hdr, value)
	if err != nil {
		return 0, publishError(err)
	}
	return ack.Seq, nil
}

// Create stores value under key only if the key has no value: it is new,
// deleted, purged or expired. Otherwise it fails with ErrKeyExists.
// KeyTTL gives the entry its own time to live.
func (b *Bucket) Create(ctx context.Context, key string, value []byte, opts ...jetstream.KVCreateOpt) (uint64, error) {
	o, err := decodeCreateOpts(opts)
	if err != nil {
		return 0, err
	}
	if subject.ValidKey(key) {
		if err := b.m.fault(ctx, OpCreate, b.name, key, false); err != nil {
			return 0, err
		}
	}
	return b.create(ctx, key, value, o.TTL, false)
}

// create is the client's Create: try revision 0, and on failure retry once
// over a delete marker with the marker's revision (jetstream/kv.go).
func (b *Bucket) create(ctx context.Context, key string, value []byte, ttl time.Duration, legacy bool) (uint64, error) {
	v, err := b.updateRevision(ctx, key, value, 0, ttl)
	if err == nil {
		return v, nil
	}
	if e, gerr := b.get(ctx, key, 0, legacy); errors.Is(gerr, jetstream.ErrKeyDeleted) {
		return b.updateRevision(ctx, key, value, e.revision, ttl)
	}
	if isWrongLastSeq(err) {
		if errors.Is(err, jetstream.ErrKeyExists) {
			return 0, fmt.Errorf("%w: %s", err, "key exists")
		}
		return 0, fmt.Errorf("%w: %w", err, jetstream.ErrKeyExists)
	}
	return 0, err
}

// Update stores value under key only if revision is the key's latest
// (a delete marker included); otherwise the error is both
// ErrKeyRevisionMismatch and ErrKeyExists.
func (b *Bucket) Update(ctx context.Context, key string, value []byte, revision uint64) (uint64, error) {
	if subject.ValidKey(key) {
		if err := b.m.fault(ctx, OpUpdate, b.name, key, false); err != nil {
			return 0, err
		}
	}
	rev, err := b.updateRevision(ctx, key, value, revision, 0)
	return rev, mapRevisionMismatch(err)
}

// delHeader is the header of a plain Delete; never modified.
var delHeader = stream.EncodeHeader(kvOperation, kvDel)

// expectHeader begins the header of Create and Update: the wire form of
// stream.EncodeHeader(expectedSeq, n) up to n.
const expectHeader = "NATS/1.0\r\n" + expectedSeq + ": "

func (b *Bucket) updateRevision(ctx context.Context, key string, value []byte, revision uint64, ttl time.Duration) (uint64, error) {
	if !subject.ValidKey(key) {
		return 0, jetstream.ErrInvalidKey
	}
	if ttl > 0 {
		return b.publish(ctx, key, stream.EncodeHeader(expectedSeq, strconv.FormatUint(revision, 10), msgTTL, ttl.String()), value)
	}
	return b.publish(ctx, key, expectRevision(revision), value)
}

// expectRevision is stream.EncodeHeader(expectedSeq, revision in decimal),
// the client's header, built without the intermediate strings.
func expectRevision(revision uint64) []byte {
	hdr := make([]byte, 0, len(expectHeader)+len("18446744073709551615\r\n\r\n"))
	hdr = strconv.AppendUint(append(hdr, expectHeader...), revision, 10)
	return append(hdr, "\r\n\r\n"...)
}

// Delete writes a delete marker for key. LastRevision makes it
// conditional.
func (b *Bucket) Delete(ctx context.Context, key string, opts ...jetstream.KVDeleteOpt) error {
	return b.remove(ctx, key, false, opts)
}

// Purge writes a purge marker for key and removes the key's history.
// LastRevision makes it conditional; PurgeTTL makes the marker expire.
func (b *Bucket) Purge(ctx context.Context, key string, opts ...jetstream.KVDeleteOpt) error {
	return b.remove(ctx, key, true, opts)
}

func (b *Bucket) remove(ctx context.Context, key string, purge bool, opts []jetstream.KVDeleteOpt) error {
	if !subject.ValidKey(key) {
		return jetstream.ErrInvalidKey
	}
	o, err := decodeDeleteOpts(opts)
	if err != nil {
		return err
	}
	if o.TTL > 0 && !purge {
		return jetstream.ErrTTLOnDeleteNotSupported
	}
	op := OpDelete
	if purge {
		op = OpPurge
	}
	if err := b.m.fault(ctx, op, b.name, key, false); err != nil {
		return err
	}
	return b.writeMarker(ctx, key, purge, o)
}

// writeMarker publishes a DEL or PURGE marker with the client's headers
// (jetstream/kv.go: Delete).
func (b *Bucket) writeMarker(ctx context.Context, key string, purge bool, o deleteConfig) error {
	if !purge && o.LastRevision == 0 {
		_, err := b.publish(ctx, key, delHeader, nil) // the store copies it
		return mapRevisionMismatch(err)
	}
	kv := []string{kvOperation, kvDel}
	if purge {
		kv = []string{kvOperation, kvPurge, msgRollup, rollupSubject}
		if o.TTL > 0 {
			kv = append(kv, msgTTL, o.TTL.String())
		}
	}
	if o.LastRevision != 0 {
		kv = append(kv, expectedSeq, strconv.FormatUint(o.LastRevision, 10))
	}
	_, err := b.publish(ctx, key, stream.EncodeHeader(kv...), nil)
	return mapRevisionMismatch(err)
}
