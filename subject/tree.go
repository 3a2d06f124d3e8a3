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

	// hint is the parent of the last leaf Get or Set reached or missed.
	// Lookups mostly go to siblings (the keys of one bucket), so the walk
	// down to it can be skipped, and a Set after a Get that missed (a new
	// key) is one map insert. Pruning a node clears it.
	hint *node[T]
}

type node[T any] struct {
	children map[string]*node[T]
	// subj is the node's subject: the one stored here when has is set; on
	// other nodes it is filled in when they first become the hint (so
	// that checking a subject against the hint copies nothing), else "".
	subj string
	val  T
	has  bool
	wild uint8 // which wildcard children exist: starChild, tailChild
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
	if c, ok := t.sibling(subj); ok {
		if c == nil {
			var zero T
			return zero, false
		}
		return c.val, c.has
	}
	n := &t.root
	for s, more := subj, true; more; {
		var tok string
		tok, s, more = Next(s)
		if !more {
			t.setHint(n, subj)
		}
		if n = n.children[tok]; n == nil {
			var zero T
			return zero, false
		}
	}
	return n.val, n.has
}

// sibling looks subj up under the hint. ok is false when subj is not a
// direct child of the hinted node.
func (t *Tree[T]) sibling(subj string) (c *node[T], ok bool) {
	h := t.hint
	if h == nil {
		return nil, false
	}
	p := h.subj
	if len(subj) <= len(p)+1 || subj[len(p)] != Sep || subj[:len(p)] != p {
		return nil, false
	}
	rest := subj[len(p)+1:]
	if strings.IndexByte(rest, Sep) >= 0 {
		return nil, false
	}
	return h.children[rest], true
}

// setHint records parent as the node above subj's last token.
func (t *Tree[T]) setHint(parent *node[T], subj string) {
	if parent == t.hint || parent == &t.root {
		return
	}
	if parent.subj == "" {
		// A copy: callers may look up with strings built on reused
		// memory. Once per node: its subject never changes.
		parent.subj = strings.Clone(subj[:len(subj)-len(lastToken(subj))-1])
	}
	t.hint = parent
}

// lastToken returns what follows the last separator of s.
func lastToken(s string) string {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == Sep {
			return s[i+1:]
		}
	}
	return s
}

// Set stores v at subj, replacing any value there. The tree keeps subj.
func (t *Tree[T]) Set(subj string, v T) {
	n, ok := t.sibling(subj)
	switch {
	case ok && n == nil:
		n = t.hint.child(lastToken(subj))
	case !ok:
		n = &t.root
		for s, more := subj, true; more; {
			var tok string
			tok, s, more = Next(s)
			if !more {
				t.setHint(n, subj)
			}
			n = n.child(tok)
		}
	}
	if !n.has {
		t.size++
	}
	n.subj, n.val, n.has = subj, v, true
}

// child returns n's child at tok, adding it if there is none.
func (n *node[T]) child(tok string) *node[T] {
	c := n.children[tok]
	if c == nil {
		if n.children == nil {
			n.children = make(map[string]*node[T], 1)
		}
		c = &node[T]{}
		n.children[tok] = c
		n.wild |= wildBit(tok)
	}
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
