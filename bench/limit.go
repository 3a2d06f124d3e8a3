package main

import (
	"context"
	"errors"
	"strings"
	"sync"
)

// The limit is the least work a key-value operation can cost in one
// process: a mutex, a map and a revision counter, and for watchers a
// buffered channel send per delivery. It keeps no headers, times or
// per-message records, matches no wildcards other than the two patterns
// the scenarios use, and does not order initial values against live ones.
type limitSystem struct{}

func startLimit() (system, error) { return limitSystem{}, nil }

func (limitSystem) Open(_ context.Context, history int) (store, error) {
	return newLimitStore(history), nil
}

func (limitSystem) Close() error { return nil }

var (
	errLimitNotFound = errors.New("limit: key not found")
	errLimitExists   = errors.New("limit: key exists")
	errLimitRevision = errors.New("limit: wrong last revision")
	errLimitPattern  = errors.New(`limit: only ">" and "<token>.>" patterns`)
)

// limitRev is one stored revision; a nil value with del set is a delete.
type limitRev struct {
	rev uint64
	val []byte
	del bool
}

// limitEvent is one delivery on a limit feed.
type limitEvent struct {
	key string
	val []byte
	rev uint64
}

type limitStore struct {
	mu      sync.Mutex
	rev     uint64
	kv      map[string][]limitRev // oldest first, at most histCap
	histCap int
	all     []*limitFeed            // watching ">"
	prefix  map[string][]*limitFeed // watching "<token>.>", by token
}

func newLimitStore(history int) *limitStore {
	return &limitStore{kv: make(map[string][]limitRev), histCap: max(history, 1), prefix: make(map[string][]*limitFeed)}
}

// store writes one revision when check passes, then delivers it to the
// watchers of its key. Deliveries happen after the lock is released, so
// concurrent writers may deliver out of order; the scenarios that watch
// have one writer.
func (s *limitStore) store(key string, value []byte, del bool, check func(last []limitRev) error) (uint64, error) {
	var v []byte
	if !del {
		v = append([]byte(nil), value...)
	}
	s.mu.Lock()
	revs := s.kv[key]
	if check != nil {
		if err := check(revs); err != nil {
			s.mu.Unlock()
			return 0, err
		}
	}
	s.rev++
	rev := s.rev
	if len(revs) >= s.histCap {
		revs = append(revs[:0], revs[len(revs)-s.histCap+1:]...)
	}
	s.kv[key] = append(revs, limitRev{rev: rev, val: v, del: del})
	all := s.all
	var some []*limitFeed
	if len(s.prefix) > 0 {
		tok, _, _ := strings.Cut(key, ".")
		some = s.prefix[tok]
	}
	s.mu.Unlock()
	ev := limitEvent{key: key, val: v, rev: rev}
	for _, f := range all {
		f.ch <- ev
	}
	for _, f := range some {
		f.ch <- ev
	}
	return rev, nil
}

func (s *limitStore) put(_ context.Context, key string, value []byte) (uint64, error) {
	return s.store(key, value, false, nil)
}

func (s *limitStore) get(_ context.Context, key string) (uint64, error) {
	s.mu.Lock()
	revs := s.kv[key]
	var rev uint64
	if n := len(revs); n > 0 && !revs[n-1].del {
		rev = revs[n-1].rev
	}
	s.mu.Unlock()
	if rev == 0 {
		return 0, errLimitNotFound
	}
	return rev, nil
}

func (s *limitStore) create(_ context.Context, key string, value []byte) (uint64, error) {
	return s.store(key, value, false, func(revs []limitRev) error {
		if n := len(revs); n > 0 && !revs[n-1].del {
			return errLimitExists
		}
		return nil
	})
}

func (s *limitStore) update(_ context.Context, key string, value []byte, rev uint64) (uint64, error) {
	return s.store(key, value, false, func(revs []limitRev) error {
		if n := len(revs); n == 0 || revs[n-1].rev != rev {
			return errLimitRevision
		}
		return nil
	})
}

func (s *limitStore) del(_ context.Context, key string) error {
	_, err := s.store(key, nil, true, nil)
	return err
}

func (s *limitStore) history(_ context.Context, key string) (int, error) {
	s.mu.Lock()
	h := append([]limitRev(nil), s.kv[key]...)
	s.mu.Unlock()
	if len(h) == 0 {
		return 0, errLimitNotFound
	}
	return len(h), nil
}

func (s *limitStore) keys(context.Context) (int, error) {
	s.mu.Lock()
	keys := make([]string, 0, len(s.kv))
	for k, revs := range s.kv {
		if !revs[len(revs)-1].del {
			keys = append(keys, k)
		}
	}
	s.mu.Unlock()
	return len(keys), nil
}

// watch registers a feed and hands it the latest revision of each
// matching key, then the marker, from a goroutine of its own.
func (s *limitStore) watch(_ context.Context, pattern string) (feed, error) {
	tok, rest, _ := strings.Cut(pattern, ".")
	if pattern != ">" && rest != ">" {
		return nil, errLimitPattern
	}
	f := &limitFeed{s: s, ch: make(chan limitEvent, 256), stopped: make(chan struct{}), sent: make(chan struct{})}
	s.mu.Lock()
	var initial []limitEvent
	for k, revs := range s.kv {
		if pattern == ">" || strings.HasPrefix(k, tok+".") {
			r := revs[len(revs)-1]
			initial = append(initial, limitEvent{key: k, val: r.val, rev: r.rev})
		}
	}
	if pattern == ">" {
		s.all = append(s.all[:len(s.all):len(s.all)], f)
	} else {
		f.tok = tok
		s.prefix[tok] = append(s.prefix[tok][:len(s.prefix[tok]):len(s.prefix[tok])], f)
	}
	s.mu.Unlock()
	go func() {
		defer close(f.sent)
		for _, ev := range append(initial, limitEvent{}) {
			select {
			case f.ch <- ev:
			case <-f.stopped:
				return
			}
		}
	}()
	return f, nil
}

func (s *limitStore) fill(ctx context.Context, keys []string, value func(int) []byte) error {
	for i, k := range keys {
		if _, err := s.put(ctx, k, value(i)); err != nil {
			return err
		}
	}
	return nil
}

func (s *limitStore) close() error { return nil }

// limitFeed is a watcher of the limit: a buffered channel the writer sends
// to. Stop it only when no write is in flight.
type limitFeed struct {
	s       *limitStore
	tok     string // "" for ">"
	ch      chan limitEvent
	stopped chan struct{} // closed by stop
	sent    chan struct{} // closed when the initial values are handed over
}

func (f *limitFeed) next() (uint64, bool) {
	ev, ok := <-f.ch
	return ev.rev, ok
}

func (f *limitFeed) stop() {
	s := f.s
	s.mu.Lock()
	if f.tok == "" {
		s.all = without(s.all, f)
	} else {
		s.prefix[f.tok] = without(s.prefix[f.tok], f)
	}
	s.mu.Unlock()
	close(f.stopped)
	<-f.sent
	close(f.ch)
}

// without returns fs less f, in a new slice: writers may still hold the
// old one.
func without(fs []*limitFeed, f *limitFeed) []*limitFeed {
	out := make([]*limitFeed, 0, len(fs))
	for _, g := range fs {
		if g != f {
			out = append(out, g)
		}
	}
	return out
}
