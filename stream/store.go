package stream

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/jetsim/jetsim/subject"
)

// Ack is the answer to a stored message.
type Ack struct {
	Seq       uint64
	Duplicate bool // a Nats-Msg-Id seen within the Duplicates window
}

// ErrNoSubject is returned for a subject that no subject of the stream
// matches: a real server would have no stream to answer the publish.
var ErrNoSubject = fmt.Errorf("stream: subject not bound to the stream")

// Store stores a message with wire-form headers hdr (nil for none) and
// data, which it copies; it may keep subj, so subj must not be built on
// reused memory. It honours Nats-Expected-Last-Subject-Sequence,
// Nats-Expected-Last-Sequence, Nats-Rollup, Nats-TTL and Nats-Msg-Id, and
// fails with the server's *Error in the server's order of checks
// (server/stream.go: processJetStreamMsgWithBatch, then
// server/memstore.go: storeRawMsg). A failed store uses no sequence.
func (s *Stream) Store(subj string, hdr, data []byte) (Ack, error) {
	s.mu.Lock()
	ack, err := s.store(subj, hdr, data, s.now())
	s.unlockAndWake()
	return ack, err
}

// StoreKey is Store on the subject prefix+key. It builds the subject in
// the stream's own buffer, so that a store to an existing subject
// allocates no string (a KV Put is prefix "$KV.<bucket>." and its key).
func (s *Stream) StoreKey(prefix, key string, hdr, data []byte) (Ack, error) {
	ts := s.now()
	s.mu.Lock()
	s.scratch = append(append(s.scratch[:0], prefix...), key...)
	subj := unsafe.String(unsafe.SliceData(s.scratch), len(s.scratch))
	ack, err := s.store(subj, hdr, data, ts)
	s.unlockAndWake()
	return ack, err
}

// pubHeaders are the headers Store acts on.
type pubHeaders struct {
	msgID                string
	expSeq, expSubjSeq   string
	hasExpSeq, hasSubjEx bool
	rollup               string
	ttl                  string
	hasTTL               bool
}

// parsePubHeaders reads the headers Store acts on in one pass over hdr,
// each as HeaderValue would: the first line of its exact key, the value
// trimmed.
func parsePubHeaders(hdr []byte) (h pubHeaders) {
	if len(hdr) == 0 {
		return h
	}
	body := hdr
	if i := bytes.Index(body, crlf); i >= 0 {
		body = body[i+2:] // skip the status line
	}
	var hasID, hasRollup bool
	for len(body) > 0 {
		end := bytes.Index(body, crlf)
		if end < 0 {
			end = len(body)
		}
		line := body[:end]
		if k := bytes.IndexByte(line, ':'); k > 0 {
			// A view of hdr, which outlives the store: only a value kept
			// beyond it (the message ID) is copied.
			val := func() string {
				v := bytes.TrimSpace(line[k+1:])
				return unsafe.String(unsafe.SliceData(v), len(v))
			}
			switch string(line[:k]) {
			case MsgID:
				if !hasID {
					h.msgID, hasID = strings.Clone(val()), true
				}
			case ExpectedLastSeq:
				if !h.hasExpSeq {
					h.expSeq, h.hasExpSeq = val(), true
				}
			case ExpectedLastSubjSeq:
				if !h.hasSubjEx {
					h.expSubjSeq, h.hasSubjEx = val(), true
				}
			case Rollup:
				if !hasRollup {
					// server/stream.go: getRollup lower-cases it.
					h.rollup, hasRollup = strings.ToLower(val()), true
				}
			case MessageTTL:
				if !h.hasTTL {
					h.ttl, h.hasTTL = val(), true
				}
			}
		}
		if end+2 > len(body) {
			break
		}
		body = body[end+2:]
	}
	return h
}

var crlf = []byte("\r\n")

// store is Store with mu held; ts is the store time in Unix nanoseconds.
func (s *Stream) store(subj string, hdr, data []byte, ts int64) (Ack, error) {
	if s.closed {
		return Ack{}, ErrClosed
	}
	// Writers read the clock before taking the lock; the server stamps
	// messages in sequence order, and expiry relies on it.
	ts = max(ts, s.lastTime)
	if !s.bound(subj) {
		return Ack{}, ErrNoSubject
	}
	cfg := &s.cfg
	h := parsePubHeaders(hdr)

	if cfg.MaxMsgSize >= 0 && len(hdr)+len(data) > int(cfg.MaxMsgSize) {
		return Ack{}, ErrMessageTooLarge
	}
	var ttl int64
	if h.hasTTL {
		// An unparsable or sub-second TTL reads as 0 here, so that 10165
		// wins over 10166 for it.
		ttl, _ = parseTTL(h.ttl)
		if ttl != 0 && !cfg.AllowMsgTTL {
			return Ack{}, ErrTTLDisabled
		}
	}
	// server/stream.go: processJetStreamMsgWithBatch checks the expected
	// last subject sequence, then the expected last sequence, and only
	// then looks for a duplicate.
	var ss *subjState
	ss = s.subjects.Ref(subj)
	if h.hasSubjEx {
		var fseq uint64
		if ss != nil {
			fseq = ss.last()
		}
		if n, err := strconv.ParseUint(h.expSubjSeq, 10, 64); err != nil || n != fseq {
			return Ack{}, wrongLastSequence(fseq)
		}
	}
	if h.hasExpSeq {
		if n, err := strconv.ParseUint(h.expSeq, 10, 64); err != nil || n != s.lastSeq {
			return Ack{}, wrongLastSequence(s.lastSeq)
		}
	}
	if h.msgID != "" {
		if seq, ok := s.dedup.find(h.msgID, ts, int64(cfg.Duplicates)); ok {
			return Ack{Seq: seq, Duplicate: true}, nil
		}
	}
	if h.rollup != "" {
		if !cfg.AllowRollup || cfg.DenyPurge {
			return Ack{}, ErrRollupNotPermitted
		}
		if h.rollup != RollupSubject && h.rollup != RollupAll {
			return Ack{}, &Error{500, CodeRollupFailed, fmt.Sprintf("rollup value invalid: %q", h.rollup)}
		}
	}
	if h.hasTTL {
		var err error
		if ttl, err = parseTTL(h.ttl); err != nil {
			return Ack{}, ErrInvalidTTL
		}
		// With subject delete markers a TTL is raised to the marker TTL,
		// except when only one message per subject is kept (stream.go).
		if sdm := int64(cfg.SubjectDeleteMarkerTTL.Seconds()); ttl > 0 && sdm > 0 && cfg.MaxMsgsPerSubject != 1 && ttl < sdm {
			ttl = sdm
			hdr = ReplaceHeader(hdr, MessageTTL, strconv.FormatInt(ttl, 10))
		}
	}
	if err := s.checkDiscardNew(ss, subj, hdr, data); err != nil {
		return Ack{}, err
	}

	seq := s.lastSeq + 1
	m := newMsg(hdr, data)
	m.seq, m.ts = seq, ts
	if ss == nil {
		if len(s.scratch) > 0 && unsafe.StringData(subj) == unsafe.SliceData(s.scratch) {
			subj = strings.Clone(subj) // built in the reused buffer: keep a copy
		}
		ss = s.subjects.Insert(subj)
		m.subj = subj
	} else {
		m.subj = ss.newest.subj // share one string per subject
	}
	s.msgs.Insert(m)
	// replaced is the message a subject kept alone, at a limit of one:
	// the new one takes its place and it goes once m is stored (a KV
	// Put of history 1).
	var replaced *msg
	switch {
	case ss.newest == nil:
	case ss.seqs == nil && cfg.MaxMsgsPerSubject == 1:
		replaced = ss.newest
	case ss.seqs == nil:
		ss.seqs = append(make([]uint64, 0, 2), ss.newest.seq, seq)
	default:
		ss.seqs = append(ss.seqs, seq)
	}
	ss.newest = m
	if s.nmsgs == 0 {
		s.firstSeq = seq
	}
	s.nmsgs++
	s.bytes += s.msgSize(len(subj), len(hdr), len(data))
	s.lastSeq, s.lastTime = seq, ts
	s.stored(m)

	if replaced != nil {
		if s.msgs.Delete(replaced.seq) != nil {
			s.dropped(replaced)
		}
	} else if maxp := cfg.MaxMsgsPerSubject; maxp > 0 {
		for int64(ss.count()) > maxp {
			s.removeFrom(ss, ss.first())
		}
	}
	s.enforceDiscardOld()
	switch h.rollup {
	case RollupSubject:
		s.purgeLocked(subj, 0, 1)
	case RollupAll:
		s.purgeLocked("", 0, 1)
	}
	if h.msgID != "" {
		s.dedup.add(h.msgID, seq, ts)
	}
	if ttl > 0 {
		s.ttls.ReplaceOrInsert(ttlEntry{expires: ts + ttl*1e9, seq: seq})
	}
	s.scheduleCheck(ts)
	return Ack{Seq: seq}, nil
}

// bound reports whether subj falls under the stream's subjects.
func (s *Stream) bound(subj string) bool {
	for _, f := range s.cfg.Subjects {
		// The usual case, "prefix.>" with a literal prefix, without
		// tokenizing: what follows the prefix must be one or more tokens.
		if p := len(f) - 1; p > 0 && f[p] == '>' && f[p-1] == '.' && len(subj) > p &&
			subj[:p] == f[:p] && subj[p] != '.' && subject.Literal(f[:p-1]) {
			return true
		}
		if subject.Match(subj, f) {
			return true
		}
	}
	return len(s.cfg.Subjects) == 0
}

// checkDiscardNew is the DiscardNew part of server/memstore.go storeRawMsg.
// It runs before any rollup: a message that is at its subject's limit may
// replace the subject's oldest one if that one is at least as large.
func (s *Stream) checkDiscardNew(ss *subjState, subj string, hdr, data []byte) error {
	cfg := &s.cfg
	if cfg.Discard != DiscardNew {
		return nil
	}
	atLimit := ss != nil && cfg.MaxMsgsPerSubject > 0 && int64(ss.count()) >= cfg.MaxMsgsPerSubject
	if cfg.MaxMsgs > 0 && s.nmsgs >= uint64(cfg.MaxMsgs) && !atLimit {
		return ErrMaxMsgs
	}
	if cfg.MaxBytes > 0 {
		size := s.msgSize(len(subj), len(hdr), len(data))
		if s.bytes+size > uint64(cfg.MaxBytes) {
			if !atLimit {
				return ErrMaxBytes
			}
			old := s.get(ss.first())
			if old == nil || s.msgSize(len(old.subj), int(old.hlen), int(old.dlen)) < size {
				return ErrMaxBytes
			}
		}
	}
	return nil
}

// enforceDiscardOld drops the oldest messages while MaxMsgs or MaxBytes is
// exceeded under DiscardOld.
func (s *Stream) enforceDiscardOld() {
	if s.cfg.Discard != DiscardOld {
		return
	}
	for s.nmsgs > 0 && (s.cfg.MaxMsgs > 0 && s.nmsgs > uint64(s.cfg.MaxMsgs) ||
		s.cfg.MaxBytes > 0 && s.bytes > uint64(s.cfg.MaxBytes)) {
		m, _ := s.msgs.Min()
		s.removeSeq(m.seq)
	}
}

// removeSeq removes the message at seq, if stored, and tells the consumers
// that still had it to deliver. It reports whether a message was removed.
func (s *Stream) removeSeq(seq uint64) bool {
	return s.removeFrom(nil, seq)
}

// removeFrom is removeSeq for a caller that already holds the subject's
// state ss (nil when it does not): one search of each index fewer on the
// path of every store that evicts (BenchmarkStore).
func (s *Stream) removeFrom(ss *subjState, seq uint64) bool {
	m := s.msgs.Delete(seq)
	if m == nil {
		return false
	}
	if ss == nil {
		ss = s.subjects.Ref(m.subj)
	}
	if ss != nil {
		s.unlist(ss, m)
	}
	s.dropped(m)
	return true
}

// unlist takes m, just removed from the stream, off its subject's state
// ss, and the subject off the tree when m was its last message.
func (s *Stream) unlist(ss *subjState, m *msg) {
	if ss.seqs == nil {
		if ss.newest == m {
			s.subjects.Delete(m.subj)
		}
		return
	}
	if i, found := slices.BinarySearch(ss.seqs, m.seq); found {
		if i == 0 && len(ss.seqs) > 64 {
			ss.seqs = ss.seqs[1:] // long lists: no copying
		} else {
			ss.seqs = slices.Delete(ss.seqs, i, i+1)
		}
	}
	if ss.newest == m {
		ss.newest = s.get(ss.seqs[len(ss.seqs)-1])
	}
	if len(ss.seqs) == 1 {
		ss.seqs = nil // one message: newest, no list
	}
}

// dropped updates the stream's counts and first sequence for m, just
// removed from the stream, and hands it to the consumers still owed it.
func (s *Stream) dropped(m *msg) {
	s.nmsgs--
	s.bytes -= s.msgSize(len(m.subj), int(m.hlen), int(m.dlen))
	seq := m.seq
	if s.nmsgs == 0 {
		s.firstSeq = s.lastSeq + 1
	} else if seq == s.firstSeq {
		// From the index, not the message: a history-1 Put drops the
		// oldest message, which is cold in the cache by then.
		s.firstSeq = s.msgs.MinSeq()
	}
	s.removed(m)
}
