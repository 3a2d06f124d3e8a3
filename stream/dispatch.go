package stream

import (
	"slices"
	"unsafe"
)

// How stores and removals reach the consumers: the stream's index of
// consumers by filter, which holds every open consumer but the parked
// (flow.go), and what a store or a removal does to each.

// attach puts c in the stream's index of consumers by filter, where
// stores and removals find it.
func (s *Stream) attach(c *Consumer) {
	for _, f := range c.filters {
		cs, _ := s.consumers.Get(f)
		s.consumers.Set(f, append(cs, c))
	}
	if !c.live {
		s.cursors++
	}
}

// detach takes c off the stream's index.
func (s *Stream) detach(c *Consumer) {
	if !c.live {
		s.cursors--
	}
	for _, f := range c.filters {
		cs, _ := s.consumers.Get(f)
		if i := slices.Index(cs, c); i >= 0 {
			cs = slices.Delete(cs, i, i+1)
		}
		if len(cs) == 0 {
			s.consumers.Delete(f)
		} else {
			s.consumers.Set(f, cs)
		}
	}
}

// stored updates the consumers whose filters match a new message. One
// stored past the creation point but before a start sequence beyond the
// end is counted as pending and never delivered, as on the server
// (SEMANTICS §6.3.4).
func (s *Stream) stored(m *msg) {
	if s.consumers.Len() == 0 {
		m.memo = unsafe.Pointer(&unshared) // no one to read it yet
		return
	}
	taken := 0
	var full []*Consumer
	s.consumers.MatchFilters(m.subj, func(_ string, cs []*Consumer) bool {
		taken += len(cs)
		for _, c := range cs {
			if m.seq > c.npf && m.seq < c.start {
				c.stuck++
				continue
			}
			if c.live {
				c.sseq = m.seq + 1
				if c.byLog && c.pushLog(m) || !c.byLog && c.push(m) {
					full = append(full, c)
				}
			} else {
				if c.flow.lagging {
					c.flow.left++ // the server's num_pending counts it
				}
				if c.idle && len(c.lss) == 0 {
					c.idle = false
					if c.sseq < m.seq {
						c.sseq = m.seq // everything between did not match
					}
				}
			}
			if c.armed.Load() && c.armed.Swap(false) {
				s.wake = append(s.wake, c)
			}
		}
		return true
	})
	for _, c := range full {
		s.park(c)
	}
	if taken < 2 {
		m.memo = unsafe.Pointer(&unshared) // not yet read by anyone: no race
	}
}

// removed pushes a dropped message to the consumers that had yet to push
// it, with everything they deliver before it.
func (s *Stream) removed(m *msg) {
	if s.cursors == 0 && s.unread == 0 {
		return // live consumers have pushed everything stored
	}
	var full []*Consumer
	s.consumers.MatchFilters(m.subj, func(_ string, cs []*Consumer) bool {
		for _, c := range cs {
			switch {
			case c.live:
				if c.rd <= m.seq && m.seq < c.rdEnd {
					c.spill(m.seq, m) // pushed and not read: keep it
				}
			case c.wants(m) && c.pushThrough(m):
				full = append(full, c)
			}
		}
		return true
	})
	for _, c := range full {
		s.park(c)
	}
}

// pushThrough pushes, as the server would already have, everything the
// consumer delivers up to m, which the stream is dropping. It reports
// whether the window filled on the way.
func (c *Consumer) pushThrough(m *msg) bool {
	for {
		next := c.advance(m.seq)
		if next == nil {
			break
		}
		if c.push(next) {
			return true
		}
	}
	if len(c.lss) > 0 && c.lss[0] == m.seq {
		c.lss = c.lss[1:]
		c.sseq = c.resume
		if len(c.lss) > 0 {
			c.sseq = c.lss[0]
		}
	} else {
		c.sseq = m.seq + 1
	}
	return c.push(m)
}
