package memkv

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetsim/jetsim/stream"
	"github.com/jetsim/jetsim/subject"
	"github.com/jetsim/jetsim/watch"
)

// errLegacyBadPattern is the legacy client's error for an invalid watch
// pattern (kv.go: WatchFiltered).
var errLegacyBadPattern = fmt.Errorf("%w: %s", nats.ErrInvalidKey, "key cannot be empty and must be a valid NATS subject")

// legacyWatcher is a nats.KeyWatcher.
//
// The legacy client gives up waiting for the initial values after its
// request timeout (5 s), sending nats.ErrKeyWatcherTimeout on Error() and
// then the nil marker. In memkv the initial values are in the stream when
// the watch starts, so that timeout has nothing to wait for: Error()
// never receives, and is closed when the watch ends (Stop, the end of the
// nats.Context, or Stop after the bucket was deleted), as the client's is.
type legacyWatcher struct {
	w    *watch.Watcher[nats.KeyValueEntry]
	m    *Manager
	rec  *watchRec       // the bucket watched, and whether DropWatchers ended it
	ctx  context.Context // as given with nats.Context; nil if none
	errs chan error

	stopOnce sync.Once
	stopped  chan struct{} // closed by the first Stop
}

var _ nats.KeyWatcher = (*legacyWatcher)(nil)

func newLegacyWatcher(w *watch.Watcher[nats.KeyValueEntry], m *Manager, rec *watchRec, ctx context.Context) *legacyWatcher {
	lw := &legacyWatcher{w: w, m: m, rec: rec, ctx: ctx, errs: make(chan error, 1), stopped: make(chan struct{})}
	var ctxDone <-chan struct{}
	if ctx != nil {
		ctxDone = ctx.Done()
	}
	go func() {
		defer close(lw.errs)
		<-w.Done()
		if w.Stopped() {
			return // by Stop (this one, DropWatchers, Close) or its context
		}
		// The bucket went away. The client's subscription lives on (its
		// ordered consumer only reports the failed reset, js.go:
		// resetOrderedConsumer) until Stop or the end of its context, which
		// unsubscribes it (js.go: subscribe) and so closes Updates.
		select {
		case <-lw.stopped:
		case <-ctxDone:
			_ = w.Stop()
		}
	}()
	return lw
}

// Context returns the context given with nats.Context, or nil.
func (lw *legacyWatcher) Context() context.Context { return lw.ctx }

// Updates returns the channel of entries; after the initial values it
// carries a nil entry, except with nats.UpdatesOnly.
func (lw *legacyWatcher) Updates() <-chan nats.KeyValueEntry { return lw.w.Updates() }

// Error returns a channel that is closed when the watch ends; see
// legacyWatcher for why nothing is ever sent on it.
func (lw *legacyWatcher) Error() <-chan error { return lw.errs }

// Stop ends the watcher; a second Stop, or a Stop after the context
// ended, gives nats.ErrBadSubscription, as the client's Unsubscribe does.
// The first Stop after the bucket was deleted stops the watcher but
// returns the server's "stream not found": the client's Unsubscribe
// deletes the consumer it made, and that fails (nats.go: unsubscribe,
// jsm.go: DeleteConsumer returns the API error as is). After DropWatchers
// it gives nats.ErrConnectionClosed (see stopWatcher).
func (lw *legacyWatcher) Stop() error {
	defer lw.release()
	return stopWatcher(lw.w, lw.m, lw.rec)
}

// release ends the goroutine that waits for the Stop of a watcher whose
// bucket was deleted; Manager.Close calls it after stopping the watcher.
func (lw *legacyWatcher) release() { lw.stopOnce.Do(func() { close(lw.stopped) }) }

// Watch watches the keys matching the pattern keys ("*" and ">" tokens).
// It sends a nil entry once the initial values are delivered. nats.Context
// bounds the watcher's life.
func (l legacyBucket) Watch(keys string, opts ...nats.WatchOpt) (nats.KeyWatcher, error) {
	return l.WatchFiltered([]string{keys}, opts...)
}

// WatchAll watches every key of the bucket.
func (l legacyBucket) WatchAll(opts ...nats.WatchOpt) (nats.KeyWatcher, error) {
	return l.Watch(nats.AllKeys, opts...)
}

// WatchFiltered watches the keys matching any of the patterns; none means
// all keys. Like the client, it rewrites the caller's slice in place to
// the full subjects. Overlapping patterns are refused. A watch on a
// deleted bucket gives nats.ErrStreamNotFound.
func (l legacyBucket) WatchFiltered(keys []string, opts ...nats.WatchOpt) (nats.KeyWatcher, error) {
	for _, k := range keys {
		if !subject.ValidPattern(k) {
			return nil, errLegacyBadPattern
		}
	}
	o, err := decodeLegacyWatchOpts(opts)
	if err != nil {
		return nil, err
	}
	ctx := legacyContext(o.Context)
	if err := l.b.faultPatterns(ctx, OpWatch, keys); err != nil {
		return nil, legacyError(err)
	}
	patterns := slices.Clone(keys)
	st := l.b.state()
	w, err := watch.Start(ctx, st.stream, l.b.watchOptions(keys, o), l.decoder())
	if err != nil {
		return nil, legacyWatchError(watchError(err))
	}
	rec := &watchRec{bucket: l.b.name, st: st, keys: patterns, w: w, ctx: ctx}
	lw := newLegacyWatcher(w, l.b.m, rec, o.Context)
	rec.release = lw.release
	l.b.m.register(rec)
	return lw, nil
}

// decoder makes legacy watch entries; only KV-Operation markers count as
// deletes (kv.go: WatchFiltered's update).
func (l legacyBucket) decoder() watch.Decoder[nats.KeyValueEntry] {
	return func(d *stream.Delivery) (nats.KeyValueEntry, bool) {
		e := l.b.entryOf(d.Msg(), d.Pending, true)
		return (*legacyEntry)(e), e.op != jetstream.KeyValuePut
	}
}

// legacyWatchError is the error of the client's consumer creation for a
// bucket that is gone: nats.ErrStreamNotFound itself (js.go: subscribe).
func legacyWatchError(err error) error {
	if errors.Is(err, nats.ErrStreamNotFound) || errors.Is(err, stream.ErrClosed) {
		return nats.ErrStreamNotFound
	}
	return legacyError(err)
}

// Keys returns the keys whose latest entry is not a DEL or PURGE marker,
// sorted, or nats.ErrNoKeysFound. nats.Context is honoured.
func (l legacyBucket) Keys(opts ...nats.WatchOpt) ([]string, error) {
	o, err := decodeLegacyWatchOpts(append(opts, nats.IgnoreDeletes(), nats.MetaOnly()))
	if err != nil {
		return nil, err
	}
	ctx := legacyContext(o.Context)
	if err := l.b.faultPatterns(ctx, OpKeys, nil); err != nil {
		return nil, legacyError(err)
	}
	entries, err := l.b.collect(ctx, []string{nats.AllKeys}, o, true)
	if err != nil {
		return nil, legacyWatchError(err)
	}
	keys, err := sortedKeys(entries)
	return keys, legacyError(err)
}

// History returns every stored entry of the keys matching key, markers
// included, oldest first, or nats.ErrKeyNotFound.
func (l legacyBucket) History(key string, opts ...nats.WatchOpt) ([]nats.KeyValueEntry, error) {
	if !subject.ValidPattern(key) {
		return nil, errLegacyBadPattern
	}
	o, err := decodeLegacyWatchOpts(append(opts, nats.IncludeHistory()))
	if err != nil {
		return nil, err
	}
	ctx := legacyContext(o.Context)
	if err := l.b.faultPatterns(ctx, OpHistory, []string{key}); err != nil {
		return nil, legacyError(err)
	}
	entries, err := l.b.collect(ctx, []string{key}, o, true)
	if err != nil {
		return nil, legacyWatchError(err)
	}
	if len(entries) == 0 {
		return nil, nats.ErrKeyNotFound
	}
	return legacyEntries(entries), nil
}

// legacyKeyLister is a nats.KeyLister fed by a watcher.
type legacyKeyLister struct {
	w    *legacyWatcher
	keys chan string
}

func (kl *legacyKeyLister) Keys() <-chan string { return kl.keys }
func (kl *legacyKeyLister) Stop() error         { return kl.w.Stop() }
func (kl *legacyKeyLister) Error() <-chan error { return kl.w.Error() }

// ListKeys streams the keys whose latest entry is not a DEL or PURGE
// marker, in revision order; the channel closes after the last one.
func (l legacyBucket) ListKeys(opts ...nats.WatchOpt) (nats.KeyLister, error) {
	kw, err := l.WatchAll(append(opts, nats.IgnoreDeletes(), nats.MetaOnly())...)
	if err != nil {
		return nil, err
	}
	lw := kw.(*legacyWatcher)
	kl := &legacyKeyLister{w: lw, keys: make(chan string, watch.Capacity)}
	go func() {
		defer close(kl.keys)
		defer lw.Stop()
		for e := range lw.Updates() {
			if e == nil {
				return
			}
			// The client blocks here until the key is read; memkv also
			// gives up when the lister is stopped.
			select {
			case kl.keys <- e.Key():
			case <-lw.stopped:
				return
			}
		}
	}()
	return kl, nil
}
