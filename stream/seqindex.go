package stream

import "sort"

// seqIndex holds the stored messages in sequence order. Sequences only
// grow, so a message is appended; a removed one leaves a hole that is
// compacted away once holes outnumber messages. For this access pattern
// (append at the end, remove anywhere, look up by sequence, scan in
// order) it is several times cheaper than a B-tree, at the same memory:
// one slot per message plus at most as many holes.
type seqIndex struct {
	slots []slot // ascending by seq; holes keep their seq, so search is plain
	head  int    // slots before head are all holes
	live  int
}

// slot is one message and its sequence, side by side: a lookup in a large
// stream touches one cache line, not one in each of two arrays.
type slot struct {
	seq uint64
	m   *msg // nil for a removed message
}

func (x *seqIndex) Len() int { return x.live }

// Insert appends m, whose sequence is above every stored one.
func (x *seqIndex) Insert(m *msg) {
	x.slots = append(x.slots, slot{m.seq, m})
	x.live++
}

// find returns the index of the first slot with a sequence >= seq.
// Sequences are dense (holes are at most as many as messages), so it
// starts where seq would be if they were spread evenly and searches
// outwards from there: in a large stream one or two cache misses instead
// of a binary search's twenty.
func (x *seqIndex) find(seq uint64) int {
	s := x.slots
	lo, hi := x.head, len(s)
	if lo == hi || seq <= s[lo].seq {
		return lo
	}
	first, last := s[lo].seq, s[hi-1].seq
	if seq > last {
		return hi
	}
	// first < seq <= last, so the answer is in (lo, hi-1].
	g := lo + int(float64(hi-1-lo)*(float64(seq-first)/float64(last-first)))
	g = min(max(g, lo+1), hi-1)
	// Gallop from the guess to a range holding the answer: s[a].seq < seq
	// <= s[b].seq.
	var a, b int
	if s[g].seq < seq {
		a, b = g, hi-1
		for step := 1; g+step < hi-1; step *= 2 {
			if s[g+step].seq >= seq {
				b = g + step
				break
			}
			a = g + step
		}
	} else {
		a, b = lo, g
		for step := 1; g-step > lo; step *= 2 {
			if s[g-step].seq < seq {
				a = g - step
				break
			}
			b = g - step
		}
	}
	r := s[a+1 : b+1]
	return a + 1 + sort.Search(len(r), func(i int) bool { return r[i].seq >= seq })
}

// Get returns the message at seq, or nil.
func (x *seqIndex) Get(seq uint64) *msg {
	if i := x.find(seq); i < len(x.slots) && x.slots[i].seq == seq {
		return x.slots[i].m
	}
	return nil
}

// Next returns the first message with a sequence >= seq and its slot, or
// nil. hint is a slot where it may be (a reader going through the index in
// order passes the one after the last it got): a search is done only when
// it is not, after a compaction.
func (x *seqIndex) Next(seq uint64, hint int) (*msg, int) {
	i := hint
	if i < x.head || i >= len(x.slots) || x.slots[i].seq != seq {
		i = x.find(seq)
	}
	for ; i < len(x.slots); i++ {
		if m := x.slots[i].m; m != nil {
			return m, i
		}
	}
	return nil, i
}

// Delete removes and returns the message at seq, or nil.
func (x *seqIndex) Delete(seq uint64) *msg {
	i := x.find(seq)
	if i >= len(x.slots) || x.slots[i].seq != seq || x.slots[i].m == nil {
		return nil
	}
	m := x.slots[i].m
	x.slots[i].m = nil
	x.live--
	for x.head < len(x.slots) && x.slots[x.head].m == nil {
		x.head++
	}
	if holes := len(x.slots) - x.live; holes > x.live && holes > 64 {
		x.compact()
	}
	return m
}

// compact drops the holes, in place: a stream whose messages are replaced
// as fast as they come (a KV bucket of history 1) then appends into the
// same array for ever instead of allocating new ones (BenchmarkPut). The
// array shrinks when most of it would stay unused.
func (x *seqIndex) compact() {
	if n := x.live + x.live/4 + 8; cap(x.slots) > 4*n {
		slots := make([]slot, 0, n)
		for _, sl := range x.slots[x.head:] {
			if sl.m != nil {
				slots = append(slots, sl)
			}
		}
		x.slots, x.head = slots, 0
		return
	}
	w := 0
	for _, sl := range x.slots[x.head:] {
		if sl.m != nil {
			x.slots[w] = sl
			w++
		}
	}
	clear(x.slots[w:]) // no stale pointers for the collector to follow
	x.slots, x.head = x.slots[:w], 0
}

// Min returns the oldest message.
func (x *seqIndex) Min() (*msg, bool) {
	if x.live == 0 {
		return nil, false
	}
	return x.slots[x.head].m, true
}

// MinSeq returns the oldest message's sequence, or 0 when there is none.
func (x *seqIndex) MinSeq() uint64 {
	if x.live == 0 {
		return 0
	}
	return x.slots[x.head].seq
}

// Ascend calls fn for every message in order until fn returns false.
func (x *seqIndex) Ascend(fn func(*msg) bool) { x.AscendFrom(0, fn) }

// AscendFrom calls fn for every message with a sequence >= seq, in order,
// until fn returns false. fn must not change the index.
func (x *seqIndex) AscendFrom(seq uint64, fn func(*msg) bool) {
	for i := x.find(seq); i < len(x.slots); i++ {
		if m := x.slots[i].m; m != nil && !fn(m) {
			return
		}
	}
}
