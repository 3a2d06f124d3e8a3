package memkv

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetsim/jetsim/stream"
	"github.com/jetsim/jetsim/subject"
	"github.com/jetsim/jetsim/watch"
)

// errBadPattern is the client's error for an invalid watch pattern.
var errBadPattern = fmt.Errorf("%w: %s", jetstream.ErrInvalidKey, "key cannot be empty and must be a valid NATS subject")

// keyWatcher is a jetstream.KeyWatcher.
type keyWatcher struct {
	w   *watch.Watcher[jetstream.KeyValueEntry]
	m   *Manager
	rec *watchRec // the bucket watched, and whether DropWatchers ended it
}

func (k *keyWatcher) Updates() <-chan jetstream.KeyValueEntry { return k.w.Updates() }

// Stop ends the watcher; a second Stop gives nats.ErrBadSubscription, as
// the client's second Unsubscribe does. After the bucket was deleted, the
// client's Unsubscribe fails to delete its consumer (see stopError).
func (k *keyWatcher) Stop() error {
	return stopWatcher(k.w, k.m, k.rec)
}

// stopWatcher is Stop of a watcher of either API: the client's
// Unsubscribe, which checks the connection first (nats.go: unsubscribe
// returns ErrConnectionClosed on a closed connection, whatever the
// subscription's state), then the subscription (ErrBadSubscription once
// it is closed), then deletes its consumer (see stopError).
func stopWatcher(w liveWatcher, m *Manager, rec *watchRec) error {
	gone := rec.st.deleted.Load()
	err := w.Stop()
	switch {
	case rec.dropped.Load():
		return nats.ErrConnectionClosed
	case err != nil:
		return nats.ErrBadSubscription
	}
	return m.stopError(rec.st, gone)
}

// stopError is the error of a watcher's first Stop: nil, unless its
// bucket was deleted, when the client's Unsubscribe fails to delete its
// consumer: "stream not found", or "consumer not found" once a bucket of
// the same name exists again (nats.go: unsubscribe → DeleteConsumer).
func (m *Manager) stopError(st *bucketState, gone bool) error {
	switch {
	case !gone:
		return nil
	case m.lookup(st.name) != nil:
		return &nats.APIError{Code: 404, ErrorCode: nats.JSErrCodeConsumerNotFound, Description: "consumer not found"}
	}
	return &nats.APIError{Code: 404, ErrorCode: nats.JSErrCodeStreamNotFound, Description: "stream not found"}
}

// Watch watches the keys matching the pattern keys ("*" and ">" tokens).
// It sends a nil entry once the initial values are delivered.
func (b *Bucket) Watch(ctx context.Context, keys string, opts ...jetstream.WatchOpt) (jetstream.KeyWatcher, error) {
	return b.WatchFiltered(ctx, []string{keys}, opts...)
}

// WatchAll watches every key of the bucket.
func (b *Bucket) WatchAll(ctx context.Context, opts ...jetstream.WatchOpt) (jetstream.KeyWatcher, error) {
	return b.Watch(ctx, jetstream.AllKeys, opts...)
}

// WatchFiltered watches the keys matching any of the patterns; none means
// all keys. Like the client, it rewrites the caller's slice in place to
// the full subjects. Overlapping patterns are refused.
func (b *Bucket) WatchFiltered(ctx context.Context, keys []string, opts ...jetstream.WatchOpt) (jetstream.KeyWatcher, error) {
	for _, k := range keys {
		if !subject.ValidPattern(k) {
			return nil, errBadPattern
		}
	}
	o, err := decodeWatchOpts(opts)
	if err != nil {
		return nil, err
	}
	if err := b.faultPatterns(ctx, OpWatch, keys); err != nil {
		return nil, err
	}
	patterns := slices.Clone(keys)
	st := b.state()
	w, err := watch.Start(ctx, st.stream, b.watchOptions(keys, o), b.decoder(false))
	if err != nil {
		return nil, watchError(err)
	}
	rec := &watchRec{bucket: b.name, st: st, keys: patterns, w: w, ctx: ctx} // not nil: faultPatterns panics on a nil ctx, as the client does
	b.m.register(rec)
	return &keyWatcher{w: w, m: b.m, rec: rec}, nil
}

// faultPatterns applies the faults of a call on patterns: one check with
// each pattern, or with none for the whole bucket.
func (b *Bucket) faultPatterns(ctx context.Context, op Op, patterns []string) error {
	if len(patterns) == 0 {
		return b.m.fault(ctx, op, b.name, jetstream.AllKeys, true)
	}
	for _, p := range patterns {
		if err := b.m.fault(ctx, op, b.name, p, true); err != nil {
			return err
		}
	}
	return nil
}

// watchOptions turns patterns and decoded options into watch options,
// prefixing keys in place as the client does.
func (b *Bucket) watchOptions(keys []string, o watchConfig) watch.Options {
	for i, k := range keys {
		keys[i] = b.pre + k
	}
	filters := keys
	if len(filters) == 0 {
		filters = []string{b.pre + jetstream.AllKeys}
	}
	return watch.Options{
		Filters:            filters,
		IncludeHistory:     o.IncludeHistory,
		IgnoreDeletes:      o.IgnoreDeletes,
		MetaOnly:           o.MetaOnly,
		UpdatesOnly:        o.UpdatesOnly,
		ResumeFromRevision: o.ResumeFromRevision,
		MsgOverhead:        b.pushOverhead(),
	}
}

// pushOverhead is what the server's flow control counts for each message
// of a watch besides its header, data and ack-reply numbers
// (server/stream.go: jsPubMsg.size): the client's deliver subject
// "_INBOX.<22-char nuid>" and the ack reply's fixed part
// "$JS.ACK.KV_<bucket>.<8-char consumer>.1.<sseq>.<dseq>.<19-digit
// nanos>.<pending>", as tapped on nats-server (TestStalledWatcherWindow).
func (b *Bucket) pushOverhead() int {
	const inbox = len("_INBOX.") + 22
	const reply = len("$JS.ACK.") + len(".") + 8 + len(".1.") + len("..") + 19 + len(".")
	return inbox + reply + len("KV_") + len(b.name)
}

// decoder makes watch entries: Created() in the local zone, as the client
// builds it from the reply subject's timestamp. An entry with delta 0 (a
// caught-up watcher's) is the message's shared one, made once for all
// watchers and Gets.
func (b *Bucket) decoder(legacy bool) watch.Decoder[jetstream.KeyValueEntry] {
	if legacy {
		return func(d *stream.Delivery) (jetstream.KeyValueEntry, bool) {
			e := b.entryOf(d.Msg(), d.Pending, true)
			return e, e.op != jetstream.KeyValuePut
		}
	}
	return func(d *stream.Delivery) (jetstream.KeyValueEntry, bool) {
		var e *entry
		if d.Pending == 0 {
			e = stream.DeliveryMemo(d, b.sharedEntry)
		} else {
			e = b.entryOf(d.Msg(), d.Pending, false)
		}
		return (*watchEntry)(e), e.op != jetstream.KeyValuePut
	}
}

// entryOf makes an entry of its own for a watcher's delivery.
func (b *Bucket) entryOf(m stream.Msg, delta uint64, legacy bool) *entry {
	e := newEntry(m.Data)
	e.bucket = b.name
	e.key = m.Subject[len(b.pre):]
	e.revision = m.Seq
	e.delta = delta
	e.created = m.Time.UnixNano()
	e.op = opOf(m.Header, legacy)
	return e
}

// watchError maps consumer-creation errors to what the client's push
// subscribe returns (legacy API errors): for a deleted bucket the legacy
// package's ErrStreamNotFound itself, in both APIs (js.go: subscribe
// returns it when the consumer create finds no stream).
func watchError(err error) error {
	var se *stream.Error
	switch {
	case errors.Is(err, stream.ErrClosed):
		return nats.ErrStreamNotFound
	case errors.As(err, &se):
		return &nats.APIError{Code: se.Code, ErrorCode: nats.ErrorCode(se.ErrCode), Description: se.Description}
	}
	return err
}

func ctxOrBackground(ctx context.Context) context.Context {
	if ctx == nil {
		return context.Background()
	}
	return ctx
}

// collect gathers the initial entries of a watch, as Keys, History and
// PurgeDeletes do through a watcher in the client.
func (b *Bucket) collect(ctx context.Context, keys []string, o watchConfig, legacy bool) ([]jetstream.KeyValueEntry, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	out, err := watch.Collect(b.state().stream, b.watchOptions(keys, o), b.decoder(legacy))
	if err != nil {
		return nil, watchError(err)
	}
	return out, nil
}

// Keys returns the keys that have a value, sorted, or ErrNoKeysFound.
func (b *Bucket) Keys(ctx context.Context, opts ...jetstream.WatchOpt) ([]string, error) {
	o, err := decodeWatchOpts(append(opts, jetstream.IgnoreDeletes(), jetstream.MetaOnly()))
	if err != nil {
		return nil, err
	}
	if err := b.faultPatterns(ctx, OpKeys, nil); err != nil {
		return nil, err
	}
	if o == (watchConfig{IgnoreDeletes: true, MetaOnly: true}) {
		return b.lastKeys(ctx)
	}
	entries, err := b.collect(ctx, []string{jetstream.AllKeys}, o, false)
	if err != nil {
		return nil, err
	}
	return sortedKeys(entries)
}

// lastKeys is Keys with the default options, read straight from the
// newest message of each key: what the watcher would deliver, without
// making its entries.
func (b *Bucket) lastKeys(ctx context.Context) ([]string, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	var keys []string
	err := b.state().stream.Lasts(b.pre+jetstream.AllKeys, func(m stream.Msg) bool {
		if opOf(m.Header, false) == jetstream.KeyValuePut {
			keys = append(keys, m.Subject[len(b.pre):])
		}
		return true
	})
	if err != nil {
		return nil, watchError(err)
	}
	if len(keys) == 0 {
		return nil, jetstream.ErrNoKeysFound
	}
	slices.Sort(keys)
	return keys, nil
}

func sortedKeys(entries []jetstream.KeyValueEntry) ([]string, error) {
	if len(entries) == 0 {
		return nil, jetstream.ErrNoKeysFound
	}
	keys := make([]string, len(entries))
	for i, e := range entries {
		keys[i] = e.Key()
	}
	slices.Sort(keys)
	return slices.Compact(keys), nil
}

// History returns every stored entry of the keys matching key, markers
// included, oldest first, or ErrKeyNotFound.
func (b *Bucket) History(ctx context.Context, key string, opts ...jetstream.WatchOpt) ([]jetstream.KeyValueEntry, error) {
	if !subject.ValidPattern(key) {
		return nil, errBadPattern
	}
	o, err := decodeWatchOpts(append(opts, jetstream.IncludeHistory()))
	if err != nil {
		return nil, err
	}
	if err := b.faultPatterns(ctx, OpHistory, []string{key}); err != nil {
		return nil, err
	}
	entries, err := b.collect(ctx, []string{key}, o, false)
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, jetstream.ErrKeyNotFound
	}
	return entries, nil
}

// keyLister is a jetstream.KeyLister fed by a watcher.
type keyLister struct {
	watcher jetstream.KeyWatcher
	keys    chan string
}

func (kl *keyLister) Keys() <-chan string { return kl.keys }
func (kl *keyLister) Stop() error         { return kl.watcher.Stop() }

// ListKeys streams the keys that have a value, in revision order of their
// latest entry; the channel closes after the last one.
func (b *Bucket) ListKeys(ctx context.Context, opts ...jetstream.WatchOpt) (jetstream.KeyLister, error) {
	w, err := b.WatchAll(ctx, append(opts, jetstream.IgnoreDeletes(), jetstream.MetaOnly())...)
	if err != nil {
		return nil, err
	}
	return listKeys(ctx, w, b.m.closingCh()), nil
}

// ListKeysFiltered is ListKeys for the keys matching any of filters.
func (b *Bucket) ListKeysFiltered(ctx context.Context, filters ...string) (jetstream.KeyLister, error) {
	w, err := b.WatchFiltered(ctx, filters, jetstream.IgnoreDeletes(), jetstream.MetaOnly())
	if err != nil {
		return nil, err
	}
	return listKeys(ctx, w, b.m.closingCh()), nil
}

// listKeys forwards a watcher's initial keys, as the client's goroutine
// does; it ends at the nil marker or with ctx. Where the client's would
// wait forever for a reader, it also ends when closing does (Manager.Close).
func listKeys(ctx context.Context, w jetstream.KeyWatcher, closing <-chan struct{}) *keyLister {
	kl := &keyLister{watcher: w, keys: make(chan string, watch.Capacity)}
	go func() {
		defer close(kl.keys)
		defer w.Stop()
		for {
			select {
			case e, ok := <-w.Updates():
				if !ok || e == nil {
					return
				}
				select {
				case kl.keys <- e.Key():
				case <-ctx.Done():
					return
				case <-closing:
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	return kl
}
