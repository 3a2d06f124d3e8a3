package stream

import "github.com/jetsim/jetsim/subject"

// PurgeRequest selects what Purge removes, as the server's purge API
// request does: all of a filter subject (or the whole stream when Subject
// is empty), only sequences below Seq, or all but the newest Keep.
type PurgeRequest struct {
	Subject string
	Seq     uint64
	Keep    uint64
}

// Purge removes messages and returns how many. Sequences are never reused:
// after a full purge the stream's first sequence is its last plus one
// (server/memstore.go: PurgeEx).
func (s *Stream) Purge(req PurgeRequest) (uint64, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return 0, ErrClosed
	}
	n := s.purgeLocked(req.Subject, req.Seq, req.Keep)
	s.unlockAndWake()
	return n, nil
}

func (s *Stream) purgeLocked(filter string, seq, keep uint64) uint64 {
	if seq == 1 {
		return 0 // "up to but not including 1"
	}
	if filter == "" || filter == subject.Tail {
		if keep == 0 && seq == 0 {
			n := s.removeRange(0, s.lastSeq, "", 0)
			s.firstSeq = s.lastSeq + 1 // also for a stream never stored to
			return n
		}
		if seq > 1 {
			n := s.removeRange(0, seq-1, "", 0)
			if seq > s.lastSeq+1 {
				// server/memstore.go: compact past the end of the range
				// sets the sequences so that the next message gets seq.
				s.lastSeq, s.firstSeq = seq-1, seq
			}
			return n
		}
		filter = subject.Tail
	}
	msgs, first, last := s.filtered(filter, 0)
	if msgs == 0 {
		return 0
	}
	var limit uint64
	if keep > 0 {
		if keep >= msgs {
			return 0
		}
		limit = msgs - keep
	}
	if seq >= 1 {
		last = seq - 1
	}
	return s.removeRange(first, last, filter, limit)
}

// removeRange removes the messages from..to (inclusive) that match filter
// ("" for all), stopping after limit removals when limit > 0.
func (s *Stream) removeRange(from, to uint64, filter string, limit uint64) uint64 {
	var seqs []uint64
	if filter != "" && subject.Literal(filter) {
		if ss := s.subjects.Ref(filter); ss != nil {
			var one [1]uint64
			for _, q := range ss.list(&one) {
				if q >= from && q <= to {
					seqs = append(seqs, q)
				}
			}
		}
	} else {
		s.msgs.AscendFrom(from, func(m *msg) bool {
			if m.seq > to {
				return false
			}
			if filter == "" || subject.Match(m.subj, filter) {
				seqs = append(seqs, m.seq)
			}
			return true
		})
	}
	var n uint64
	for _, q := range seqs {
		if limit > 0 && n >= limit {
			break
		}
		if s.removeSeq(q) {
			n++
		}
	}
	return n
}

// filtered returns the number of messages on subjects matching filter with
// sequence >= from, and the lowest and highest such sequence.
func (s *Stream) filtered(filter string, from uint64) (msgs, first, last uint64) {
	s.subjects.MatchLiterals(filter, func(_ string, ss subjState) bool {
		var one [1]uint64
		seqs := ss.list(&one)
		for i := len(seqs) - 1; i >= 0 && seqs[i] >= from; i-- {
			q := seqs[i]
			msgs++
			if first == 0 || q < first {
				first = q
			}
			if q > last {
				last = q
			}
		}
		return true
	})
	return msgs, first, last
}
