package stream

// Range calls fn for every stored message in sequence order, until fn
// returns false. The stream is locked meanwhile: fn must not call back
// into the stream.
func (s *Stream) Range(fn func(Msg) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs.Ascend(func(m *msg) bool { return fn(m.view()) })
}

// NumConsumers returns the number of open consumers.
func (s *Stream) NumConsumers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := make(map[*Consumer]bool)
	s.consumers.Walk(func(_ string, cs []*Consumer) bool {
		for _, c := range cs {
			seen[c] = true
		}
		return true
	})
	return len(seen) + len(s.parked)
}

// LastSeq returns the sequence of the newest message ever stored.
func (s *Stream) LastSeq() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastSeq
}

// Position returns the sequence up to which the consumer has delivered
// everything it will deliver: once it equals the stream's last sequence,
// the consumer is caught up.
func (c *Consumer) Position() uint64 {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.queue.len() > 0 {
		return c.queue.front().seq - 1
	}
	if c.rd < c.rdEnd {
		return c.rd - 1
	}
	if c.live {
		return s.lastSeq
	}
	if len(c.lss) > 0 {
		return 0
	}
	if !c.idle {
		return c.sseq - 1
	}
	return s.lastSeq
}

// Lasts calls fn with the newest message of every subject matching
// filter, in no particular order, until fn returns false. The stream is
// locked meanwhile: fn must not call back into the stream.
func (s *Stream) Lasts(filter string, fn func(Msg) bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.subjects.MatchLiterals(filter, func(_ string, ss subjState) bool {
		return fn(ss.newest.view())
	})
	return nil
}
