package wire

import (
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jetsim/jetsim/subject"
)

// Msg is a message as it travels inside the server. A Msg handed to an
// internal handler, and the slices it holds, are only valid during the
// call: a client's message points into its connection's read buffer, so a
// handler copies what it keeps.
type Msg struct {
	Subject string
	Reply   string
	Header  []byte // the raw header block ("NATS/1.0[ status desc]\r\n...\r\n\r\n"), nil when none
	Data    []byte
	// Deliver, when set, is the subject the message is routed on instead
	// of Subject, which MSG still shows: a push consumer delivers a
	// stored message to its deliver subject this way (nats-server's
	// jsPubMsg.dsubj). Streams do not capture such a message.
	Deliver string
}

// sub is one subscription: a client's SUB, or an internal handler.
type sub struct {
	c      *conn      // the subscriber, nil for an internal subscription
	h      func(*Msg) // the internal handler
	filter string
	queue  string
	sid    []byte // as written in MSG

	max    atomic.Int64 // deliveries after which it ends (UNSUB <sid> <max>), 0 for none
	nm     atomic.Int64 // deliveries so far
	closed atomic.Bool
}

// subSet holds the subscriptions on one filter.
type subSet struct {
	plain  []*sub
	queued []*sub
}

// sublist is the server's interest graph: every subscription, by filter,
// in a subject.Tree so that a message's subject finds its subscriptions in
// time proportional to the answer (nats-server's Sublist does the same job
// in server/sublist.go).
type sublist struct {
	mu   sync.RWMutex
	tree subject.Tree[*subSet]
}

// validFilter reports whether the sublist accepts filter: no empty token
// and nothing after a ">" token (server/sublist.go: Insert returns
// ErrInvalidSubject otherwise).
func validFilter(filter string) bool {
	if filter == "" {
		return false
	}
	for s, more := filter, true; more; {
		var tok string
		tok, s, more = subject.Next(s)
		if tok == "" || (tok == subject.Tail && more) {
			return false
		}
	}
	return true
}

// validSubject reports whether the server takes subj as a subject in a
// config (server/sublist.go: IsValidSubject): no empty token, nothing after
// a ">" token, no whitespace in a token longer than one byte.
func validSubject(subj string) bool {
	if subj == "" {
		return false
	}
	for s, more := subj, true; more; {
		var tok string
		tok, s, more = subject.Next(s)
		switch {
		case tok == "", tok == subject.Tail && more:
			return false
		case len(tok) > 1 && strings.ContainsAny(tok, "\t\n\f\r "):
			return false
		}
	}
	return true
}

// validLiteral reports whether subj is a valid subject to publish to: no
// empty token and no wildcard token (server/sublist.go: IsValidLiteralSubject).
func validLiteral(subj string) bool {
	for s, more := subj, true; more; {
		var tok string
		tok, s, more = subject.Next(s)
		if tok == "" || tok == subject.Star || tok == subject.Tail {
			return false
		}
	}
	return true
}

// insert adds sb; the caller has checked its filter.
func (l *sublist) insert(sb *sub) {
	l.mu.Lock()
	set := l.tree.Insert(sb.filter)
	if *set == nil {
		*set = &subSet{}
	}
	if sb.queue == "" {
		(*set).plain = append((*set).plain, sb)
	} else {
		(*set).queued = append((*set).queued, sb)
	}
	l.mu.Unlock()
}

// remove takes sb out; it reports whether sb was there, so that a
// subscription is removed once however many paths end it.
func (l *sublist) remove(sb *sub) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	ref := l.tree.Ref(sb.filter)
	if ref == nil {
		return false
	}
	set := *ref
	var found bool
	if sb.queue == "" {
		set.plain, found = without(set.plain, sb)
	} else {
		set.queued, found = without(set.queued, sb)
	}
	if len(set.plain) == 0 && len(set.queued) == 0 {
		l.tree.Delete(sb.filter)
	}
	return found
}

// without returns subs without sb, in a new array so that a match holding
// the old one is unaffected.
func without(subs []*sub, sb *sub) ([]*sub, bool) {
	for i, x := range subs {
		if x == sb {
			out := make([]*sub, 0, len(subs)-1)
			out = append(out, subs[:i]...)
			return append(out, subs[i+1:]...), true
		}
	}
	return subs, false
}

// match appends to plain the plain subscriptions matching subj, and to
// queued its queue subscriptions, and returns both.
func (l *sublist) match(subj string, plain, queued []*sub) ([]*sub, []*sub) {
	l.mu.RLock()
	l.tree.MatchFilters(subj, func(_ string, set *subSet) bool {
		plain = append(plain, set.plain...)
		queued = append(queued, set.queued...)
		return true
	})
	l.mu.RUnlock()
	return plain, queued
}

// any reports whether some subscription matches subj.
func (l *sublist) any(subj string) bool {
	found := false
	l.mu.RLock()
	l.tree.MatchFilters(subj, func(string, *subSet) bool {
		found = true
		return false
	})
	l.mu.RUnlock()
	return found
}

// matchBufs are the slices a routing fills with the matches; a client's
// read loop keeps its own, internal publishers take one from matchPool.
type matchBufs struct {
	plain, queued []*sub
}

var matchPool = sync.Pool{New: func() any { return new(matchBufs) }}

// publish routes m to every matching subscription, client and internal,
// exactly as a client's PUB/HPUB is routed (the read loop calls route,
// which does the same for a client). It never blocks on a slow connection.
// It reports whether anything had interest (a subscription took it, or
// capture stored it).
func (s *Server) publish(m *Msg) bool {
	bufs := matchPool.Get().(*matchBufs)
	ok := s.route(m, nil, bufs)
	matchPool.Put(bufs)
	return ok
}

// publishDeliveries routes a push consumer's messages, in order, each as
// publish would. When one plain client subscription without a max is all
// that matches their deliver subject (an ordered consumer's inbox), they
// go to it in one append, with one match instead of one per message; any
// other interest gets them one by one, so that a client subscribed several
// ways gets each message's copies together, as nats-server sends them.
func (s *Server) publishDeliveries(deliver string, ms []Msg) {
	if len(ms) == 0 {
		return
	}
	bufs := matchPool.Get().(*matchBufs)
	plain, queued := s.subs.match(deliver, bufs.plain[:0], bufs.queued[:0])
	one := len(plain) == 1 && len(queued) == 0 && plain[0].c != nil && plain[0].max.Load() == 0
	var sb *sub
	if one {
		sb = plain[0]
	}
	clear(plain)
	clear(queued)
	bufs.plain, bufs.queued = plain[:0], queued[:0]
	switch {
	case one && !sb.closed.Load():
		sb.nm.Add(int64(len(ms)))
		sb.c.sendMsgs(sb.sid, ms)
	case !one:
		for i := range ms {
			s.route(&ms[i], nil, bufs)
		}
	}
	matchPool.Put(bufs)
}

// route delivers m, published by the client from (nil for the server
// itself), to the stream that captures it and to every matching
// subscription: all plain ones and one member of each queue group, picked
// at random (server/client.go: processMsgResults). It reports whether
// anything took the message.
func (s *Server) route(m *Msg, from *conn, bufs *matchBufs) bool {
	subj := m.Subject
	if m.Deliver != "" {
		subj = m.Deliver
	}
	did := m.Deliver == "" && s.capture != nil && s.capture(m)
	plain, queued := s.subs.match(subj, bufs.plain[:0], bufs.queued[:0])
	if len(plain) > 1 {
		slices.SortStableFunc(plain, func(a, b *sub) int { return matchOrder(subj, a.filter, b.filter) })
	}
	for _, sb := range plain {
		if s.deliver(sb, m, from) {
			did = true
		}
	}
	if len(queued) > 0 && s.deliverQueues(queued, m, from) {
		did = true
	}
	clear(plain)
	clear(queued)
	bufs.plain, bufs.queued = plain[:0], queued[:0]
	return did
}

// deliverQueues gives m to one member of each queue group in queued,
// trying the others when the one picked cannot take it.
func (s *Server) deliverQueues(queued []*sub, m *Msg, from *conn) bool {
	did := false
	for i := 0; i < len(queued); {
		// The members of the group named by queued[i] are moved to
		// queued[i:j].
		name, j := queued[i].queue, i+1
		for k := j; k < len(queued); k++ {
			if queued[k].queue == name {
				queued[j], queued[k] = queued[k], queued[j]
				j++
			}
		}
		group := queued[i:j]
		start := rand.IntN(len(group))
		for n := range group {
			if s.deliver(group[(start+n)%len(group)], m, from) {
				did = true
				break
			}
		}
		i = j
	}
	return did
}

// deliver hands m to sb, counting the delivery against its max and ending
// it at the max (server/client.go: deliverMsg). A client does not get its
// own messages when it said "echo":false.
func (s *Server) deliver(sb *sub, m *Msg, from *conn) bool {
	if sb.closed.Load() || (from != nil && sb.c == from && !from.opts.Echo) {
		return false
	}
	if max := sb.max.Load(); max > 0 {
		n := sb.nm.Add(1)
		if n > max {
			s.unsubscribe(sb)
			return false
		}
		if n == max {
			defer s.unsubscribe(sb)
		}
	} else {
		sb.nm.Add(1)
	}
	if sb.c == nil {
		sb.h(m)
		return true
	}
	return sb.c.sendMsg(sb.sid, m)
}

// unsubscribe ends sb: no message reaches it afterwards.
func (s *Server) unsubscribe(sb *sub) {
	if sb.closed.Swap(true) {
		return
	}
	s.subs.remove(sb)
	if sb.c != nil {
		sb.c.forgetSub(sb)
	}
}

// subscribeInternal registers h for every message published on a subject
// matching filter (NATS wildcards). h runs synchronously on the publisher's
// goroutine, so it must not block; m is only valid during the call. It
// counts as interest. cancel removes it.
func (s *Server) subscribeInternal(filter string, h func(m *Msg)) (cancel func()) {
	sb := &sub{h: h, filter: filter}
	s.subs.insert(sb)
	return func() { s.unsubscribe(sb) }
}

// hasInterest reports whether any client or internal subscription matches
// subj (a push consumer uses it).
func (s *Server) hasInterest(subj string) bool {
	return s.subs.any(subj)
}

// noResponders answers a request that reached nobody with a 503 status on
// the requester's own subscription to the reply subject, when the client
// asked for it in CONNECT (server/client.go: processInboundClientMsg, the
// "!didDeliver" branch, and subForReply: only the client's plain
// subscriptions count).
func (s *Server) noResponders(from *conn, m *Msg, bufs *matchBufs) {
	plain, queued := s.subs.match(m.Reply, bufs.plain[:0], bufs.queued[:0])
	// The first of the requester's subscriptions in the sublist's order
	// gets it; between two on the same filter nats-server's choice is
	// random (its node keeps them in a map).
	slices.SortStableFunc(plain, func(a, b *sub) int { return matchOrder(m.Reply, a.filter, b.filter) })
	for _, sb := range plain {
		if sb.c == from && !sb.closed.Load() {
			from.sendNoResponders(sb.sid, m)
			break
		}
	}
	clear(plain)
	clear(queued)
	bufs.plain, bufs.queued = plain[:0], queued[:0]
}

// matchOrder orders two filters that match subj as nats-server's sublist
// returns their subscriptions, so that a client subscribed several ways
// gets the copies in the same order (server/sublist.go: matchLevel): at
// the first token where they differ, ">" comes first; "*" comes before a
// literal token, except at the subject's last token, where the literal
// comes first.
func matchOrder(subj, a, b string) int {
	for {
		at, arest, amore := subject.Next(a)
		bt, brest, bmore := subject.Next(b)
		_, srest, smore := subject.Next(subj)
		if at != bt {
			switch {
			case at == subject.Tail:
				return -1
			case bt == subject.Tail:
				return 1
			case (at == subject.Star) == smore:
				return -1
			default:
				return 1
			}
		}
		if !amore || !bmore {
			return 0
		}
		a, b, subj = arest, brest, srest
	}
}
