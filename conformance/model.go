package conformance

import (
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetsim/jetsim/subject"
)

// Model is the simplest reference implementation of one KV bucket that we
// could write: a slice of stored messages and the rules of SEMANTICS.md
// applied to it one by one, with no indexes, no goroutines and no locks.
// The property tests run it in lockstep with memkv and the real server; it
// is exported so that users can check their own doubles against it.
//
// Its methods mirror jetstream.KeyValue and return the errors the client
// returns (same text, same errors.Is identities). Time stands still until
// Advance moves it; every expiry falls due exactly at its time. Only
// memory storage is modelled (the byte formula of SEMANTICS 7.2). A Model
// is not safe for concurrent use.
type Model struct {
	bucket       string
	history      int           // MaxMsgsPerSubject, 1..64
	maxAge       time.Duration // bucket TTL, 0 = none
	markerTTL    time.Duration // LimitMarkerTTL, 0 = no limit markers and no per-message TTL
	maxBytes     int64         // -1 = unlimited
	maxValueSize int64         // MaxMsgSize, -1 = unlimited

	now     time.Time
	lastSeq uint64
	msgs    []ModelMsg // stored messages in revision order
}

// ModelMsg is one message stored in a Model.
type ModelMsg struct {
	Revision  uint64
	Key       string
	Op        jetstream.KeyValueOp // as the jetstream client reads it; limit markers are Purge
	Value     []byte
	HeaderLen int       // bytes of the stored header block, 0 for a Put
	Created   time.Time // store time
	// TTL is the message's own time to live, in whole seconds as the
	// server keeps it (0 = none): KeyTTL, PurgeTTL or a limit marker's.
	TTL time.Duration
	// LimitMarker marks a marker the server wrote itself when a message
	// expired (Nats-Marker-Reason: MaxAge).
	LimitMarker bool
}

// marker reports whether the server treats m as a subject delete marker
// (server/sdm.go: isSubjectDeleteMarker: a Nats-Marker-Reason header or
// KV-Operation PURGE). A KV DEL is not one.
func (m *ModelMsg) marker() bool { return m.Op == jetstream.KeyValuePurge }

// size is the memory store's size of m (server/memstore.go:
// memStoreMsgSizeRaw).
func (m *Model) size(key string, hdr, value int) int64 {
	return int64(len(m.subject(key)) + hdr + value + 16)
}

func (m *Model) subject(key string) string { return "$KV." + m.bucket + "." + key }

// NewModel returns an empty bucket with cfg's limits whose clock reads
// now. It applies the client's defaults (History 0 → 1, MaxBytes and
// MaxValueSize 0 → unlimited); it does not validate cfg, which must be one
// the server accepts, with memory storage.
func NewModel(cfg jetstream.KeyValueConfig, now time.Time) *Model {
	m := &Model{
		bucket:       cfg.Bucket,
		history:      max(int(cfg.History), 1),
		maxAge:       cfg.TTL,
		markerTTL:    cfg.LimitMarkerTTL,
		maxBytes:     cfg.MaxBytes,
		maxValueSize: int64(cfg.MaxValueSize),
		now:          now,
	}
	if m.maxBytes <= 0 {
		m.maxBytes = -1
	}
	if m.maxValueSize <= 0 {
		m.maxValueSize = -1
	}
	return m
}

// Bucket returns the bucket's name.
func (m *Model) Bucket() string { return m.bucket }

// Now returns the model's clock.
func (m *Model) Now() time.Time { return m.now }

// Messages returns a copy of every stored message, oldest first.
func (m *Model) Messages() []ModelMsg {
	return append([]ModelMsg(nil), m.msgs...)
}

// LastRevision returns the revision of key's last stored message, markers
// included, or 0: the revision Update and Create compare against.
func (m *Model) LastRevision(key string) uint64 {
	if i := m.last(key); i >= 0 {
		return m.msgs[i].Revision
	}
	return 0
}

// LastSeq returns the last revision the bucket handed out.
func (m *Model) LastSeq() uint64 { return m.lastSeq }

// Status returns the bucket's message count and bytes, as
// KeyValueStatus.Values and Bytes report them.
func (m *Model) Status() (values, bytes uint64) {
	for i := range m.msgs {
		bytes += uint64(m.size(m.msgs[i].Key, m.msgs[i].HeaderLen, len(m.msgs[i].Value)))
	}
	return uint64(len(m.msgs)), bytes
}

// last returns the index of key's last message, or -1.
func (m *Model) last(key string) int {
	for i := len(m.msgs) - 1; i >= 0; i-- {
		if m.msgs[i].Key == key {
			return i
		}
	}
	return -1
}

// count returns how many messages key has stored.
func (m *Model) count(key string) int {
	n := 0
	for i := range m.msgs {
		if m.msgs[i].Key == key {
			n++
		}
	}
	return n
}

// remove drops the messages for which drop is true.
func (m *Model) remove(drop func(*ModelMsg) bool) {
	kept := m.msgs[:0]
	for i := range m.msgs {
		if !drop(&m.msgs[i]) {
			kept = append(kept, m.msgs[i])
		}
	}
	clear(m.msgs[len(kept):])
	m.msgs = kept
}

// Header byte counts of what nats.go publishes (SEMANTICS 3.2 and 7.2):
// "NATS/1.0\r\n" + "Name: value\r\n" per header + "\r\n".
const (
	mhBlock    = 12 // "NATS/1.0\r\n" + "\r\n"
	mhKVDel    = 19 // "KV-Operation: DEL\r\n"
	mhKVPurge  = 21 // "KV-Operation: PURGE\r\n"
	mhRollup   = 18 // "Nats-Rollup: sub\r\n"
	mhReason   = 28 // "Nats-Marker-Reason: MaxAge\r\n"
	mhTTLLine  = 12 // "Nats-TTL: " + "\r\n"
	mhExpected = 39 // "Nats-Expected-Last-Subject-Sequence: " + "\r\n"
)

// modelPublish is what the client sends: a key, a value, and the headers that
// the store path acts on.
type modelPublish struct {
	key      string
	value    []byte
	op       jetstream.KeyValueOp
	expected *uint64 // Nats-Expected-Last-Subject-Sequence
	rollup   bool    // Nats-Rollup: sub
	ttl      string  // Nats-TTL value, "" for none
	reason   bool    // Nats-Marker-Reason: MaxAge (written by the server)
}

func (p *modelPublish) headerLen() int {
	n := 0
	switch {
	case p.reason:
		n += mhReason
	case p.op == jetstream.KeyValueDelete:
		n += mhKVDel
	case p.op == jetstream.KeyValuePurge:
		n += mhKVPurge
	}
	if p.rollup {
		n += mhRollup
	}
	if p.expected != nil {
		n += mhExpected + len(strconv.FormatUint(*p.expected, 10))
	}
	if p.ttl != "" {
		n += mhTTLLine + len(p.ttl)
	}
	if n > 0 {
		n += mhBlock
	}
	return n
}

// modelParseTTL is the server's reading of a Nats-TTL written by the KV client:
// a Go duration truncated to whole seconds; under a second is invalid
// (server/stream.go: parseMessageTTL).
func modelParseTTL(v string) (time.Duration, bool) {
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, false
	}
	s := time.Duration(int64(d.Seconds())) * time.Second
	return s, s >= time.Second
}

// store runs one message through the server's checks in the server's order
// (SEMANTICS 3.6: size, TTL disabled, expected sequence, invalid TTL, then
// the store limits) and stores it: history limit, then rollup.
func (m *Model) store(p modelPublish) (uint64, error) {
	hdr := p.headerLen()
	if m.maxValueSize >= 0 && int64(hdr+len(p.value)) > m.maxValueSize {
		return 0, modelErrMsgSize()
	}
	var ttl time.Duration
	if p.ttl != "" {
		// An invalid TTL reads as 0 here, so 10165 wins over 10166.
		if _, ok := modelParseTTL(p.ttl); ok && m.markerTTL == 0 {
			return 0, modelErrTTLDisabled()
		}
	}
	if p.expected != nil {
		if fseq := m.LastRevision(p.key); fseq != *p.expected {
			return 0, modelErrWrongLastSeq(fseq)
		}
	}
	if p.ttl != "" {
		d, ok := modelParseTTL(p.ttl)
		if !ok {
			return 0, modelErrTTLInvalid()
		}
		ttl = d
		// With limit markers a shorter TTL is raised to the marker TTL,
		// unless the bucket keeps one message per key; the header is then
		// rewritten in whole seconds (server/stream.go).
		if lmt := time.Duration(int64(m.markerTTL.Seconds())) * time.Second; m.history != 1 && ttl < lmt {
			ttl = lmt
			hdr += len(strconv.FormatInt(int64(lmt.Seconds()), 10)) - len(p.ttl)
		}
	}
	// DiscardNew is checked before the rollup. A key at its history limit
	// may replace its oldest message if that one is at least as large
	// (server/memstore.go: storeRawMsg).
	if m.maxBytes >= 0 {
		size := m.size(p.key, hdr, len(p.value))
		if _, bytes := m.Status(); int64(bytes)+size > m.maxBytes {
			if m.count(p.key) < m.history {
				return 0, modelErrMaxBytes()
			}
			for i := range m.msgs {
				if m.msgs[i].Key == p.key {
					if m.size(p.key, m.msgs[i].HeaderLen, len(m.msgs[i].Value)) < size {
						return 0, modelErrMaxBytes()
					}
					break
				}
			}
		}
	}
	m.lastSeq++
	seq := m.lastSeq
	m.msgs = append(m.msgs, ModelMsg{
		Revision:    seq,
		Key:         p.key,
		Op:          p.op,
		Value:       append([]byte{}, p.value...),
		HeaderLen:   hdr,
		Created:     m.now,
		TTL:         ttl,
		LimitMarker: p.reason,
	})
	// The oldest messages beyond History go first, then the rollup
	// removes everything before the new one.
	for extra := m.count(p.key) - m.history; extra > 0; extra-- {
		first := true
		m.remove(func(x *ModelMsg) bool {
			if first && x.Key == p.key {
				first = false
				return true
			}
			return false
		})
	}
	if p.rollup {
		m.remove(func(x *ModelMsg) bool { return x.Key == p.key && x.Revision != seq })
	}
	return seq, nil
}

func modelTTLHeader(ttl time.Duration) string {
	if ttl <= 0 {
		return ""
	}
	return ttl.String()
}

// Put stores value under key and returns its revision.
func (m *Model) Put(key string, value []byte) (uint64, error) {
	if !subject.ValidKey(key) {
		return 0, jetstream.ErrInvalidKey
	}
	return m.store(modelPublish{key: key, value: value, op: jetstream.KeyValuePut})
}

// Create stores value under key if the key has no value: it is absent or
// its last message is a marker (SEMANTICS 3.4). ttl > 0 is KeyTTL(ttl).
func (m *Model) Create(key string, value []byte, ttl time.Duration) (uint64, error) {
	rev, err := m.updateRevision(key, value, 0, ttl)
	if err == nil {
		return rev, nil
	}
	// jetstream/kv.go: Create retries once over a marker, with the
	// marker's revision, whatever the first error was.
	if i := m.last(key); i >= 0 && m.msgs[i].Op != jetstream.KeyValuePut {
		return m.updateRevision(key, value, m.msgs[i].Revision, ttl)
	}
	if modelIsWrongLastSeq(err) {
		return 0, modelKeyExists(err)
	}
	return 0, err
}

// Update stores value under key if the key's last revision (markers
// included, 0 when absent) is rev.
func (m *Model) Update(key string, value []byte, rev uint64) (uint64, error) {
	seq, err := m.updateRevision(key, value, rev, 0)
	return seq, modelRevMismatch(err)
}

func (m *Model) updateRevision(key string, value []byte, rev uint64, ttl time.Duration) (uint64, error) {
	if !subject.ValidKey(key) {
		return 0, jetstream.ErrInvalidKey
	}
	return m.store(modelPublish{key: key, value: value, op: jetstream.KeyValuePut, expected: &rev, ttl: modelTTLHeader(ttl)})
}

// Delete writes a DEL marker for key. lastRev != 0 is LastRevision(lastRev);
// ttl > 0 is PurgeTTL(ttl), which Delete refuses.
func (m *Model) Delete(key string, lastRev uint64, ttl time.Duration) error {
	return m.marker(key, jetstream.KeyValueDelete, lastRev, ttl)
}

// Purge writes a PURGE marker for key that rolls up (removes) every earlier
// message of key. lastRev != 0 is LastRevision(lastRev); ttl > 0 is
// PurgeTTL(ttl).
func (m *Model) Purge(key string, lastRev uint64, ttl time.Duration) error {
	return m.marker(key, jetstream.KeyValuePurge, lastRev, ttl)
}

func (m *Model) marker(key string, op jetstream.KeyValueOp, lastRev uint64, ttl time.Duration) error {
	if !subject.ValidKey(key) {
		return jetstream.ErrInvalidKey
	}
	p := modelPublish{key: key, op: op, rollup: op == jetstream.KeyValuePurge}
	if ttl > 0 {
		if op == jetstream.KeyValueDelete {
			return jetstream.ErrTTLOnDeleteNotSupported
		}
		p.ttl = ttl.String()
	}
	if lastRev != 0 {
		p.expected = &lastRev
	}
	_, err := m.store(p)
	return modelRevMismatch(err)
}

// PurgeDeletes removes the history of every key whose last message is a
// marker (DEL, PURGE or limit marker). A marker younger than olderThan
// (0 = the client's default of 30 minutes) is kept, an older one removed
// too; olderThan < 0 removes every marker (SEMANTICS 5.8).
func (m *Model) PurgeDeletes(olderThan time.Duration) error {
	if olderThan == 0 {
		olderThan = 30 * time.Minute
	}
	limit := m.now.Add(-olderThan)
	for _, e := range m.lastPerKey(nil) {
		if e.Op == jetstream.KeyValuePut {
			continue
		}
		keep := olderThan > 0 && e.Created.After(limit)
		m.remove(func(x *ModelMsg) bool {
			return x.Key == e.Key && !(keep && x.Revision == e.Revision)
		})
	}
	return nil
}

// lastPerKey returns the last message of every key matching one of
// patterns (all keys when none), in revision order.
func (m *Model) lastPerKey(patterns []string) []ModelMsg {
	var out []ModelMsg
	for i := range m.msgs {
		x := m.msgs[i]
		if modelMatch(x.Key, patterns) && m.last(x.Key) == i {
			out = append(out, x)
		}
	}
	return out
}

func modelMatch(key string, patterns []string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if subject.Match(key, p) {
			return true
		}
	}
	return false
}
