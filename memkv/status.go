package memkv

import (
	"context"
	"fmt"
	"reflect"
	"unsafe"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetsim/jetsim/wire"
)

// Status returns the bucket's status, as nats.go's own
// *jetstream.KeyValueBucketStatus, so that every figure and Config() are
// computed by the client's code from the stream info the server would send.
// A deleted bucket gives jetstream.ErrStreamNotFound itself, as the
// client's stream info request does (jetstream/stream.go: info).
func (b *Bucket) Status(ctx context.Context) (jetstream.KeyValueStatus, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	if err := b.m.fault(ctx, OpStatus, b.name, "", false); err != nil {
		return nil, err
	}
	st := b.state()
	if st.deleted.Load() {
		return nil, jetstream.ErrStreamNotFound
	}
	return b.m.status(st, false)
}

// status is the bucket's status; listed leaves out the server's version
// metadata, which stream listings do not carry (see legacyStatus).
func (m *Manager) status(st *bucketState, listed bool) (*jetstream.KeyValueBucketStatus, error) {
	return newBucketStatus(st.name, m.streamInfo(st, listed))
}

// streamInfo is the stream info the server sends for the bucket. A
// listing (listed) lacks the server's version metadata: the server adds it
// to stream info and create replies but not to STREAM.LIST pages
// (srv/jetstream_api.go: jsStreamListRequest does not call
// setDynamicStreamMetadata).
func (m *Manager) streamInfo(st *bucketState, listed bool) *jetstream.StreamInfo {
	m.mu.RLock()
	cfg := st.cfg
	m.mu.RUnlock()
	return wire.Info(st.entry(cfg), st.clock.Now(), listed)
}

// newBucketStatus fills the unexported fields of the client's status type:
// info *StreamInfo and bucket string (jetstream/kv.go). It fails, rather
// than guess, if a later nats.go changed them.
func newBucketStatus(bucket string, info *jetstream.StreamInfo) (*jetstream.KeyValueBucketStatus, error) {
	s := new(jetstream.KeyValueBucketStatus)
	v := reflect.ValueOf(s).Elem()
	if err := setUnexported(v, "info", info); err != nil {
		return nil, err
	}
	if err := setUnexported(v, "bucket", bucket); err != nil {
		return nil, err
	}
	return s, nil
}

func setUnexported(v reflect.Value, name string, x any) error {
	f := v.FieldByName(name)
	if !f.IsValid() || f.Type() != reflect.TypeOf(x) {
		return fmt.Errorf("memkv: %s has no field %s of type %T; nats.go changed, update memkv/status.go", v.Type(), name, x)
	}
	reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Set(reflect.ValueOf(x))
	return nil
}

// lister is a jetstream.KeyValueNamesLister and jetstream.KeyValueLister.
type lister struct {
	names  chan string
	status chan jetstream.KeyValueStatus
	err    error
}

func (l *lister) Name() <-chan string                     { return l.names }
func (l *lister) Status() <-chan jetstream.KeyValueStatus { return l.status }
func (l *lister) Error() error                            { return l.err }

// KeyValueStoreNames lists the bucket names in the server's order (stream
// name, byte order). The channel is closed after the last name. With a nil
// ctx it is closed empty and Error returns nats.ErrInvalidContext.
func (m *Manager) KeyValueStoreNames(ctx context.Context) jetstream.KeyValueNamesLister {
	all := m.sorted()
	l := &lister{names: make(chan string, len(all))}
	if l.err = listContextErr(ctx); l.err == nil {
		for _, st := range all {
			l.names <- st.name
		}
	}
	close(l.names)
	return l
}

// KeyValueStores lists the buckets' statuses in the server's order. The
// channel is closed after the last one. With a nil ctx it is closed empty
// and Error returns nats.ErrInvalidContext.
func (m *Manager) KeyValueStores(ctx context.Context) jetstream.KeyValueLister {
	all := m.sorted()
	l := &lister{status: make(chan jetstream.KeyValueStatus, len(all))}
	if l.err = listContextErr(ctx); l.err == nil {
		for _, st := range all {
			s, err := m.status(st, true)
			if err != nil {
				l.err = err
				break
			}
			l.status <- s
		}
	}
	close(l.status)
	return l
}
