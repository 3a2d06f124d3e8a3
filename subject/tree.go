package subject

import "strings"

// Tree is a trie of subjects keyed by token, holding one value per subject.
// It stores literal subjects or filters (with "*" and ">" tokens) alike and
// answers, in time proportional to the answer rather than to its size:
// which stored filters match a literal subject (MatchFilters, watch
// fan-out) and which stored subjects match a filter (MatchLiterals). The
// zero Tree is empty and ready to use. A Tree is not safe for concurrent
// use.
type Tree[T any] struct {
	root node[T]
	size int

	// parents indexes the nodes that have children by their subject, so
	// that a lookup is two map accesses (parent, then last token) however
	// deep the subject. The root is not in it.
	parents map[string]*node[T]
	// hint is the parent of the last subject looked up. Lookups mostly go
	// to siblings (the keys of one bucket): then one string comparison
	// replaces the first map access. Pruning a node clears it.
	hint *node[T]
}

type node[T any] struct {
	children map[string]*node[T]
	subj     string // the node's subject: stored here when has is set, or a prefix of those below
	val      T
	has      bool
	wild     uint8 // which wildcard children exist: starChild, tailChild
}

// Bits of node.wild: MatchFilters looks up a wildcard child only when
// there is one, so filters elsewhere in the tree cost a subject nothing.
const (
	starChild uint8 = 1 << iota
	tailChild
)

func wildBit(tok string) uint8 {
	switch tok {
	case Star:
		return starChild
	case Tail:
		return tailChild
	}
	return 0
}

// Len returns the number of subjects stored.
func (t *Tree[T]) Len() int { return t.size }

// Get returns the value stored at exactly subj.
func (t *Tree[T]) Get(subj string) (T, bool) {
	if c := t.lookup(subj); c != nil {
		return c.val, c.has
	}
	var zero T
	return zero, false
}

// lookup returns the node at subj, or nil.
func (t *Tree[T]) lookup(subj string) *node[T] {
	parent, last := t.parent(subj)
	if parent == nil {
		return nil
	}
	return parent.children[last]
}

// parent returns the node above subj's last token, and that token; the
// node is nil when no stored subject has that prefix.
func (t *Tree[T]) parent(subj string) (*node[T], string) {
	i := strings.LastIndexByte(subj, Sep)
	if i < 0 {
		return &t.root, subj
	}
	pre, last := subj[:i], subj[i+1:]
	if h := t.hint; h != nil && h.subj == pre {
		return h, last
	}
	p := t.parents[pre]
	if p != nil {
		t.hint = p
	}
	return p, last
}

// Set stores v at subj, replacing any value there. The tree keeps subj.
func (t *Tree[T]) Set(subj string, v T) {
	n := t.at(subj)
	if !n.has {
		t.size++
	}
	n.subj, n.val, n.has = subj, v, true
}

// Ref returns a pointer to the value stored at subj, or nil: for values
// kept in the tree and changed in place. It stays valid while subj is
// stored.
func (t *Tree[T]) Ref(subj string) *T {
	if c := t.lookup(subj); c != nil && c.has {
		return &c.val
	}
	return nil
}

// Insert stores the zero value at subj unless a value is stored there, and
// returns a pointer to the value at subj (see Ref). The tree keeps subj.
func (t *Tree[T]) Insert(subj string) *T {
	n := t.at(subj)
	if !n.has {
		t.size++
		var zero T
		n.subj, n.val, n.has = subj, zero, true
	}
	return &n.val
}

// at returns the node at subj, adding it (and the nodes above it) when
// there is none. A new subject under a known parent costs one search of
// the parent's children, not three (lookup, then add's child): a store to
// a new key (BenchmarkTreeInsert).
func (t *Tree[T]) at(subj string) *node[T] {
	p, last := t.parent(subj)
	if p == nil {
		return t.add(subj)
	}
	if c := p.children[last]; c != nil {
		return c
	}
	return t.newChild(p, last, subj)
}

// add makes the nodes down to subj, which has no parent node yet.
func (t *Tree[T]) add(subj string) *node[T] {
	n := &t.root
	for s, more := subj, true; more; {
		var tok string
		tok, s, more = Next(s)
		path := subj
		if more {
			path = subj[:len(subj)-len(s)-1]
		}
		n = t.child(n, tok, path)
	}
	return n
}

// child returns n's child at tok, whose subject is path, adding it if
// there is none.
func (t *Tree[T]) child(n *node[T], tok, path string) *node[T] {
	if c := n.children[tok]; c != nil {
		return c
	}
	return t.newChild(n, tok, path)
}

// newChild adds n's child at tok, whose subject is path; n has none.
func (t *Tree[T]) newChild(n *node[T], tok, path string) *node[T] {
	if n.children == nil {
		n.children = make(map[string]*node[T], 1)
		if n != &t.root {
			if t.parents == nil {
				t.parents = make(map[string]*node[T])
			}
			t.parents[n.subj] = n
		}
	}
	c := &node[T]{subj: path}
	n.children[tok] = c
	n.wild |= wildBit(tok)
	return c
}

// Delete removes subj and prunes the nodes left empty. It reports whether
// subj was stored.
func (t *Tree[T]) Delete(subj string) bool {
	return t.root.delete(subj, t)
}

func (n *node[T]) delete(s string, t *Tree[T]) bool {
	tok, rest, more := Next(s)
	c := n.children[tok]
	if c == nil {
		return false
	}
	if more {
		if !c.delete(rest, t) {
			return false
		}
	} else {
		if !c.has {
			return false
		}
		var zero T
		c.val, c.has = zero, false // c.subj stays: it is c's subject
		t.size--
	}
	if !c.has && len(c.children) == 0 {
		delete(n.children, tok)
		n.wild &^= wildBit(tok)
		if c.children != nil {
			delete(t.parents, c.subj)
		}
		t.hint = nil // the hinted node may be the one pruned
	}
	return true
}

// MatchFilters calls fn for every stored filter that matches the literal
// subject subj, until fn returns false.
func (t *Tree[T]) MatchFilters(subj string, fn func(filter string, v T) bool) {
	t.root.matchFilters(subj, fn)
}

func (n *node[T]) matchFilters(s string, fn func(string, T) bool) bool {
	if len(n.children) == 0 {
		return true
	}
	tok, rest, more := Next(s)
	if len(tok) == 0 {
		return true
	}
	if n.wild&tailChild != 0 {
		if c := n.children[Tail]; c != nil && c.has && !fn(c.subj, c.val) {
			return false
		}
	}
	visit := func(c *node[T]) bool {
		if more {
			return c.matchFilters(rest, fn)
		}
		return !c.has || fn(c.subj, c.val)
	}
	if c := n.children[tok]; c != nil && !visit(c) {
		return false
	}
	// A literal "*" token is the star child itself; visit it once.
	if n.wild&starChild != 0 && tok != Star {
		if c := n.children[Star]; c != nil && !visit(c) {
			return false
		}
	}
	return true
}

// MatchLiterals calls fn for every stored subject that the filter matches,
// until fn returns false. Stored subjects are taken as literals.
func (t *Tree[T]) MatchLiterals(filter string, fn func(subj string, v T) bool) {
	t.root.matchLiterals(filter, fn)
}

func (n *node[T]) matchLiterals(f string, fn func(string, T) bool) bool {
	tok, rest, more := Next(f)
	if len(tok) == 0 {
		return true
	}
	visit := func(c *node[T]) bool {
		if more {
			return c.matchLiterals(rest, fn)
		}
		return !c.has || fn(c.subj, c.val)
	}
	switch {
	case tok == Tail && !more:
		for _, c := range n.children {
			if !c.walk(fn) {
				return false
			}
		}
	case tok == Star:
		for _, c := range n.children {
			if !visit(c) {
				return false
			}
		}
	default:
		if c := n.children[tok]; c != nil {
			return visit(c)
		}
	}
	return true
}

// walk calls fn for every value in the subtree rooted at n.
func (n *node[T]) walk(fn func(string, T) bool) bool {
	if n.has && !fn(n.subj, n.val) {
		return false
	}
	for _, c := range n.children {
		if !c.walk(fn) {
			return false
		}
	}
	return true
}

// Walk calls fn for every stored subject, until fn returns false.
func (t *Tree[T]) Walk(fn func(subj string, v T) bool) {
	t.root.walk(fn)
}
