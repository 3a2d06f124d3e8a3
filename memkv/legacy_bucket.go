package memkv

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetsim/jetsim/subject"
)

// legacyBucket is a nats.KeyValue: a Bucket seen through the legacy API.
// Like the client's handle it names its bucket (see Bucket).
type legacyBucket struct{ b *Bucket }

var _ nats.KeyValue = legacyBucket{}

// legacyEntry is a nats.KeyValueEntry: memkv's entry with the legacy
// package's operation type.
type legacyEntry entry

var _ nats.KeyValueEntry = (*legacyEntry)(nil)

func (e *legacyEntry) Bucket() string     { return e.bucket }
func (e *legacyEntry) Key() string        { return e.key }
func (e *legacyEntry) Value() []byte      { return (*entry)(e).copied() }
func (e *legacyEntry) Revision() uint64   { return e.revision }
func (e *legacyEntry) Created() time.Time { return (*entry)(e).createdTime() }
func (e *legacyEntry) Delta() uint64      { return e.delta }

// Operation converts the op: both packages number Put, Delete, Purge 0, 1, 2.
func (e *legacyEntry) Operation() nats.KeyValueOp { return nats.KeyValueOp(e.op) }

// legacyEntries turns entries made with legacy=true into legacy ones.
func legacyEntries(entries []jetstream.KeyValueEntry) []nats.KeyValueEntry {
	out := make([]nats.KeyValueEntry, len(entries))
	for i, e := range entries {
		out[i] = (*legacyEntry)(e.(*entry))
	}
	return out
}

// Bucket returns the bucket's name.
func (l legacyBucket) Bucket() string { return l.b.name }

// Get returns the latest entry for key, or nats.ErrKeyNotFound when there
// is none or it is a DEL or PURGE marker. A server limit marker is not
// recognised (kv.go: get reads only KV-Operation): it is returned as a PUT
// with an empty value.
func (l legacyBucket) Get(key string) (nats.KeyValueEntry, error) {
	return l.GetRevision(key, 0)
}

// GetRevision returns the entry of key at revision, or
// nats.ErrKeyNotFound when that revision is gone, is not of this key, or
// is a DEL or PURGE marker. Revision 0 means the latest.
func (l legacyBucket) GetRevision(key string, revision uint64) (nats.KeyValueEntry, error) {
	if !subject.ValidKey(key) {
		return nil, nats.ErrInvalidKey
	}
	ctx := context.Background()
	if err := l.b.m.fault(ctx, OpGet, l.b.name, key, false); err != nil {
		return nil, legacyError(err)
	}
	e, err := l.b.get(ctx, key, revision, true)
	if errors.Is(err, jetstream.ErrKeyDeleted) {
		return nil, nats.ErrKeyNotFound
	}
	if err != nil {
		return nil, legacyError(err)
	}
	return (*legacyEntry)(e), nil
}

// Put stores value under key and returns its revision.
func (l legacyBucket) Put(key string, value []byte) (uint64, error) {
	rev, err := l.b.Put(context.Background(), key, value)
	return rev, legacyError(err)
}

// PutString stores value under key and returns its revision.
func (l legacyBucket) PutString(key string, value string) (uint64, error) {
	return l.Put(key, []byte(value))
}

// Create stores value under key only if its latest entry is missing or a
// DEL or PURGE marker; otherwise the error is nats.ErrKeyExists, printed
// "nats: wrong last sequence: N: key exists". A limit marker counts as a
// value here, so Create over it fails.
func (l legacyBucket) Create(key string, value []byte) (uint64, error) {
	ctx := context.Background()
	if subject.ValidKey(key) {
		if err := l.b.m.fault(ctx, OpCreate, l.b.name, key, false); err != nil {
			return 0, legacyError(err)
		}
	}
	rev, err := l.b.create(ctx, key, value, 0, true)
	return rev, legacyError(err)
}

// Update stores value under key only if revision is the key's latest;
// otherwise the error is both nats.ErrKeyRevisionMismatch and
// nats.ErrKeyExists.
func (l legacyBucket) Update(key string, value []byte, revision uint64) (uint64, error) {
	rev, err := l.b.Update(context.Background(), key, value, revision)
	return rev, legacyError(err)
}

// Delete writes a delete marker for key. nats.LastRevision makes it
// conditional.
func (l legacyBucket) Delete(key string, opts ...nats.DeleteOpt) error {
	return l.remove(key, false, opts)
}

// Purge writes a purge marker for key and removes the key's history.
// nats.LastRevision makes it conditional.
func (l legacyBucket) Purge(key string, opts ...nats.DeleteOpt) error {
	return l.remove(key, true, opts)
}

func (l legacyBucket) remove(key string, purge bool, opts []nats.DeleteOpt) error {
	if !subject.ValidKey(key) {
		return nats.ErrInvalidKey
	}
	o, err := decodeLegacyDeleteOpts(opts)
	if err != nil {
		return err
	}
	ctx, op := context.Background(), OpDelete
	if purge {
		op = OpPurge
	}
	if err := l.b.m.fault(ctx, op, l.b.name, key, false); err != nil {
		return legacyError(err)
	}
	return legacyError(l.b.writeMarker(ctx, key, purge, o))
}

// PurgeDeletes removes the history of every key whose latest entry is a
// DEL or PURGE marker (limit markers are values to the legacy client).
// Markers younger than nats.DeleteMarkersOlderThan (default 30 minutes)
// are kept; a negative value removes them all. nats.Context bounds it.
func (l legacyBucket) PurgeDeletes(opts ...nats.PurgeOpt) error {
	o, err := decodeLegacyPurgeDeletesOpts(opts)
	if err != nil {
		return err
	}
	ctx := legacyContext(o.Context)
	if err := l.b.m.fault(ctx, OpPurgeDeletes, l.b.name, "", false); err != nil {
		return legacyError(err)
	}
	return legacyWatchError(l.b.purgeDeletes(ctx, o.OlderThan, true))
}

// Status returns the bucket's status as the legacy client's
// *nats.KeyValueBucketStatus, or nats.ErrStreamNotFound if the bucket is
// gone.
func (l legacyBucket) Status() (nats.KeyValueStatus, error) {
	if err := l.b.m.fault(context.Background(), OpStatus, l.b.name, "", false); err != nil {
		return nil, legacyError(err)
	}
	st := l.b.state()
	if st.deleted.Load() {
		return nil, nats.ErrStreamNotFound
	}
	return l.b.m.legacyStatus(st, false)
}
