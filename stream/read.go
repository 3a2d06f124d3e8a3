package stream

import (
	"slices"
	"time"

	"github.com/jetsim/jetsim/subject"
)

// Msg is a stored message as readers see it. Header and Data share the
// stream's storage and must not be modified; copy them to keep or change.
type Msg struct {
	Subject string
	Seq     uint64
	Time    time.Time // store time, UTC
	Header  []byte    // wire form, nil when the message has none
	Data    []byte

	ref *msg // the stored message, for Memo; nil in a headers-only view
}

func (m *msg) view() Msg {
	return Msg{Subject: m.subj, Seq: m.seq, Time: unixNano(m.ts), Header: m.hdr(), Data: m.data(), ref: m}
}

// Size returns the message's byte count as the stream state counts it.
func (s *Stream) Size(m Msg) uint64 {
	return s.msgSize(len(m.Subject), len(m.Header), len(m.Data))
}

// GetMsg returns the message stored at seq, or ErrNoMessage.
func (s *Stream) GetMsg(seq uint64) (Msg, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return Msg{}, ErrClosed
	}
	if m := s.get(seq); m != nil {
		return m.view(), nil
	}
	return Msg{}, ErrNoMessage
}

// LastMsg returns the newest message on the literal subject subj, or
// ErrNoMessage.
func (s *Stream) LastMsg(subj string) (Msg, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return Msg{}, ErrClosed
	}
	if ss := s.subjects.Ref(subj); ss != nil {
		return ss.newest.view(), nil
	}
	return Msg{}, ErrNoMessage
}

// State is the stream's state as the server's stream info reports it.
type State struct {
	Msgs        uint64
	Bytes       uint64
	FirstSeq    uint64
	FirstTime   time.Time
	LastSeq     uint64
	LastTime    time.Time
	NumSubjects int
	NumDeleted  int // sequences between first and last that are gone
}

// State returns the stream's current state.
func (s *Stream) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := State{
		Msgs: s.nmsgs, Bytes: s.bytes,
		FirstSeq: s.firstSeq, FirstTime: unixNano(0),
		LastSeq: s.lastSeq, LastTime: unixNano(s.lastTime),
		NumSubjects: s.subjects.Len(),
	}
	if first, ok := s.msgs.Min(); ok {
		st.FirstTime = unixNano(first.ts)
	}
	if s.nmsgs > 0 {
		st.NumDeleted = int(s.lastSeq - s.firstSeq + 1 - s.nmsgs)
	}
	return st
}

// SubjectState is what the stream holds on one subject.
type SubjectState struct {
	Msgs        uint64
	First, Last uint64
}

// SubjectsState returns the state of every subject matching filter.
func (s *Stream) SubjectsState(filter string) map[string]SubjectState {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]SubjectState)
	s.subjects.MatchLiterals(filter, func(subj string, ss subjState) bool {
		out[subj] = SubjectState{Msgs: uint64(ss.count()), First: ss.first(), Last: ss.last()}
		return true
	})
	return out
}

// LastSeqs returns the newest sequence of every subject matching filter,
// in ascending order: the start of a last-per-subject delivery.
func (s *Stream) LastSeqs(filter string) []uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastSeqs([]string{filter})
}

func (s *Stream) lastSeqs(filters []string) []uint64 {
	var seqs []uint64
	for _, f := range filters {
		s.subjects.MatchLiterals(f, func(_ string, ss subjState) bool {
			seqs = append(seqs, ss.last())
			return true
		})
	}
	slices.Sort(seqs)
	return slices.Compact(seqs)
}

// NumPending returns how many messages matching filter have a sequence of
// at least from; with lastPerSubject, how many matching subjects have
// their newest message there.
func (s *Stream) NumPending(filter string, from uint64, lastPerSubject bool) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.numPending([]string{filter}, from, lastPerSubject)
}

func (s *Stream) numPending(filters []string, from uint64, lastPerSubject bool) uint64 {
	var n uint64
	for _, f := range filters {
		if s.coversAll(f) && !lastPerSubject && from <= s.firstSeq {
			n += s.nmsgs
			continue
		}
		s.subjects.MatchLiterals(f, func(_ string, ss subjState) bool {
			if lastPerSubject {
				if ss.last() >= from {
					n++
				}
				return true
			}
			var one [1]uint64
			seqs := ss.list(&one)
			i, _ := slices.BinarySearch(seqs, from)
			n += uint64(len(seqs) - i)
			return true
		})
	}
	return n
}

// coversAll reports whether filter matches every subject the stream can
// hold, so that counts need no per-subject walk.
func (s *Stream) coversAll(filter string) bool {
	return filter == subject.Tail || len(s.cfg.Subjects) == 1 && filter == s.cfg.Subjects[0]
}
