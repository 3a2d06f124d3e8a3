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
// All memos on one stream must have the same type.

// Memo returns the memo of the message m was read from, building it with
// build and caching it if there is none yet. Views without their stored
// message behind them (a headers-only delivery) get a new, uncached value.
func Memo[T any](m Msg, build func(Msg) *T) *T {
	if m.ref == nil {
		return build(m)
	}
	if p := atomic.LoadPointer(&m.ref.memo); p != nil {
		return (*T)(p)
	}
	v := build(m)
	if atomic.CompareAndSwapPointer(&m.ref.memo, nil, unsafe.Pointer(v)) {
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
	ss, ok := s.subjects.Get(unsafe.String(unsafe.SliceData(s.scratch), len(s.scratch)))
	if !ok {
		s.mu.Unlock()
		return nil, ErrNoMessage
	}
	m := ss.newest
	if p := atomic.LoadPointer(&m.memo); p != nil {
		s.mu.Unlock()
		return (*T)(p), nil
	}
	v := build(m.view())
	if !atomic.CompareAndSwapPointer(&m.memo, nil, unsafe.Pointer(v)) {
		v = (*T)(atomic.LoadPointer(&m.memo)) // a watcher's, set meanwhile
	}
	s.mu.Unlock()
	return v, nil
}
