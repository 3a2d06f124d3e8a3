package stream

import "sort"

// seqIndex holds the stored messages in sequence order. Sequences only
// grow, so a message is appended; a removed one leaves a hole that is
// compacted away once holes outnumber messages. Lookups are a binary
// search over one slice. For this access pattern (append at the end,
// remove anywhere, look up by sequence, scan in order) it is several times
// cheaper than a B-tree, at the same memory: one pointer per message plus
// at most as many holes.
type seqIndex struct {
	seqs  []uint64 // ascending; kept for holes too, so search is plain
	slots []*msg   // parallel to seqs; nil for a removed message
	head  int      // slots before head are all nil
	live  int
}

func (x *seqIndex) Len() int { return x.live }

// Insert appends m, whose sequence is above every stored one.
func (x *seqIndex) Insert(m *msg) {
	x.seqs = append(x.seqs, m.seq)
	x.slots = append(x.slots, m)
	x.live++
}

// find returns the index of the first slot with a sequence >= seq.
// Sequences are dense (holes are at most as many as messages), so it
// starts where seq would be if they were spread evenly and searches
// outwards from there: in a large stream one or two cache misses instead
// of a binary search's twenty.
func (x *seqIndex) find(seq uint64) int {
	lo, hi := x.head, len(x.seqs)
	if lo == hi || seq <= x.seqs[lo] {
		return lo
	}
	first, last := x.seqs[lo], x.seqs[hi-1]
	if seq > last {
		return hi
	}
	// first < seq <= last, so the answer is in (lo, hi-1].
	g := lo + int(float64(hi-1-lo)*(float64(seq-first)/float64(last-first)))
	g = min(max(g, lo+1), hi-1)
	// Gallop from the guess to a range holding the answer: x.seqs[a] < seq
	// <= x.seqs[b].
	a, b := g-1, g
	if x.seqs[g] < seq {
		a, b = g, hi-1
		for step := 1; g+step < hi-1; step *= 2 {
			if x.seqs[g+step] >= seq {
				b = g + step
				break
			}
			a = g + step
		}
	} else {
		a, b = lo, g
		for step := 1; g-step > lo; step *= 2 {
			if x.seqs[g-step] < seq {
				a = g - step
				break
			}
			b = g - step
		}
	}
	s := x.seqs[a+1 : b+1]
	return a + 1 + sort.Search(len(s), func(i int) bool { return s[i] >= seq })
}

// Get returns the message at seq, or nil.
func (x *seqIndex) Get(seq uint64) *msg {
	if i := x.find(seq); i < len(x.seqs) && x.seqs[i] == seq {
		return x.slots[i]
	}
	return nil
}

// Delete removes and returns the message at seq, or nil.
func (x *seqIndex) Delete(seq uint64) *msg {
	i := x.find(seq)
	if i >= len(x.seqs) || x.seqs[i] != seq || x.slots[i] == nil {
		return nil
	}
	m := x.slots[i]
	x.slots[i] = nil
	x.live--
	for x.head < len(x.slots) && x.slots[x.head] == nil {
		x.head++
	}
	if holes := len(x.slots) - x.live; holes > x.live && holes > 64 {
		x.compact()
	}
	return m
}

// compact drops the holes, in place: a stream whose messages are replaced
// as fast as they come (a KV bucket of history 1) then appends into the
// same arrays for ever instead of allocating new ones (BenchmarkPut). The
// arrays shrink when most of them would stay unused.
func (x *seqIndex) compact() {
	if n := x.live + x.live/4 + 8; cap(x.slots) > 4*n {
		seqs, slots := make([]uint64, 0, n), make([]*msg, 0, n)
		for i := x.head; i < len(x.slots); i++ {
			if m := x.slots[i]; m != nil {
				seqs, slots = append(seqs, m.seq), append(slots, m)
			}
		}
		x.seqs, x.slots, x.head = seqs, slots, 0
		return
	}
	w := 0
	for i := x.head; i < len(x.slots); i++ {
		if m := x.slots[i]; m != nil {
			x.seqs[w], x.slots[w] = m.seq, m
			w++
		}
	}
	clear(x.slots[w:]) // no stale pointers for the collector to follow
	x.seqs, x.slots, x.head = x.seqs[:w], x.slots[:w], 0
}

// Min returns the oldest message.
func (x *seqIndex) Min() (*msg, bool) {
	if x.live == 0 {
		return nil, false
	}
	return x.slots[x.head], true
}

// Ascend calls fn for every message in order until fn returns false.
func (x *seqIndex) Ascend(fn func(*msg) bool) { x.AscendFrom(0, fn) }

// AscendFrom calls fn for every message with a sequence >= seq, in order,
// until fn returns false. fn must not change the index.
func (x *seqIndex) AscendFrom(seq uint64, fn func(*msg) bool) {
	for i := x.find(seq); i < len(x.slots); i++ {
		if m := x.slots[i]; m != nil && !fn(m) {
			return
		}
	}
}
