package stream

import (
	"sync/atomic"
	"unsafe"
)

// A memo is a value the layer above derives from a stored message and
// caches on it, so that every reader of an unchanged message shares one:
// memkv hands the same entry to each Get of a key and to each watcher of a
// live update, where it would otherwise build one per reader. Messages
// never change, so a memo never goes stale; it is freed with its message.
//
// A message that at most one consumer took when it was stored has no one
// to share a memo with but later readers: consumers build a new value for
// it each time (saving the atomic swap, and the memory of a memo kept as
// long as the message), and only LastMemo, a Get, caches one on it.
//
// All memos on one stream must have the same type.

// unshared marks a message taken by at most one consumer (see above).
var unshared byte

// isMemo reports whether p is a cached memo.
func isMemo(p unsafe.Pointer) bool { return p != nil && p != unsafe.Pointer(&unshared) }

// Memo returns the memo of the message m was read from, building it with
// build and caching it if there is none yet. Views without their stored
// message behind them (a headers-only delivery), and messages no other
// consumer took, get a new, uncached value.
func Memo[T any](m Msg, build func(Msg) *T) *T {
	if m.ref == nil {
		return build(m)
	}
	p := atomic.LoadPointer(&m.ref.memo)
	if isMemo(p) {
		return (*T)(p)
	}
	v := build(m)
	if p != nil || atomic.CompareAndSwapPointer(&m.ref.memo, nil, unsafe.Pointer(v)) {
		return v
	}
	return (*T)(atomic.LoadPointer(&m.ref.memo))
}

// LastMemo is Memo of LastMsg(prefix+key), without building the subject
// or the view when the memo exists: the cost of a KV Get of a key read
// before.
func LastMemo[T any](s *Stream, prefix, key string, build func(Msg) *T) (*T, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, ErrClosed
	}
	s.scratch = append(append(s.scratch[:0], prefix...), key...)
	ss := s.subjects.Ref(unsafe.String(unsafe.SliceData(s.scratch), len(s.scratch)))
	if ss == nil {
		s.mu.Unlock()
		return nil, ErrNoMessage
	}
	m := ss.newest
	p := atomic.LoadPointer(&m.memo)
	if isMemo(p) {
		s.mu.Unlock()
		return (*T)(p), nil
	}
	v := build(m.view())
	if !atomic.CompareAndSwapPointer(&m.memo, p, unsafe.Pointer(v)) {
		v = (*T)(atomic.LoadPointer(&m.memo)) // a watcher's, set meanwhile
	}
	s.mu.Unlock()
	return v, nil
}
