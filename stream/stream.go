package stream

import (
	"sync"
	"time"
	"unsafe"

	"github.com/google/btree"

	"github.com/jetsim/jetsim/subject"
)

// Stream is one in-process JetStream stream. Create it with New.
type Stream struct {
	mu    sync.Mutex
	cfg   Config
	clock Clock
	nano  unixNanoClock // clock, when it has UnixNano

	msgs     seqIndex                // by sequence
	subjects subject.Tree[subjState] // values in place: one allocation per subject

	nmsgs, bytes      uint64
	firstSeq, lastSeq uint64
	lastTime          int64 // the first time is read off the first message (State)

	ttls  *btree.BTreeG[ttlEntry] // per-message TTL expiries
	dedup dedupWindow

	consumers subject.Tree[[]*Consumer] // by filter
	cursors   int                       // open consumers not yet live: removals concern them
	unread    int                       // live consumers with unread messages in the log: removals concern them too
	parked    map[*Consumer]struct{}    // stalled on flow control: off the index until they resume
	wake      []*Consumer               // scratch for notify, guarded by mu

	timer     Timer // the age/TTL check
	timerAt   int64 // when timer fires, 0 when none
	lastCheck int64 // when the last check ran

	scratch []byte // StoreKey's subject buffer, guarded by mu

	closed bool
	gone   chan struct{} // closed by Close
}

// msg is a stored message. buf points at the header then the data, in one
// allocation, as the server's StoreMsg does. A pointer and two lengths
// rather than a slice keep a msg at 56 bytes (a slice and its header
// length take it to 72): BenchmarkMemory100kSubjects.
type msg struct {
	seq        uint64
	ts         int64
	subj       string
	buf        *byte
	hlen, dlen uint32
	memo       unsafe.Pointer // see Memo: nil, &unshared or the memo; atomic once stored
}

// noBytes backs messages with neither header nor data, so that their data
// is empty but not nil, like make([]byte, 0).
var noBytes [1]byte

// Messages of up to 200 bytes of header and data are allocated together
// with their msg, in steps that fill the allocator's size classes (a msg
// is 56 bytes; 64, 80, 96, 160, 192 and 256 are classes): one allocation per
// stored message instead of two, at the same memory.
type (
	msg8 struct {
		msg
		b [8]byte
	}
	msg24 struct {
		msg
		b [24]byte
	}
	msg40 struct {
		msg
		b [40]byte
	}
	msg104 struct {
		msg
		b [104]byte
	}
	msg136 struct {
		msg
		b [136]byte
	}
	msg200 struct {
		msg
		b [200]byte
	}
)

// newMsg returns a msg holding a copy of hdr and data.
func newMsg(hdr, data []byte) *msg {
	n := len(hdr) + len(data)
	var m *msg
	var b []byte
	switch {
	case n == 0:
		m = &msg{buf: &noBytes[0]}
		return m
	case n <= 8:
		x := &msg8{}
		m, b = &x.msg, x.b[:n]
	case n <= 24:
		x := &msg24{}
		m, b = &x.msg, x.b[:n]
	case n <= 40:
		x := &msg40{}
		m, b = &x.msg, x.b[:n]
	case n <= 104:
		x := &msg104{}
		m, b = &x.msg, x.b[:n]
	case n <= 136:
		x := &msg136{}
		m, b = &x.msg, x.b[:n]
	case n <= 200:
		x := &msg200{}
		m, b = &x.msg, x.b[:n]
	default:
		m, b = &msg{}, make([]byte, n)
	}
	m.hlen, m.dlen = uint32(len(hdr)), uint32(len(data))
	copy(b, hdr)
	copy(b[len(hdr):], data)
	m.buf = &b[0]
	return m
}

func (m *msg) hdr() []byte {
	if m.hlen == 0 {
		return nil
	}
	return unsafe.Slice(m.buf, m.hlen+m.dlen)[:m.hlen:m.hlen]
}

func (m *msg) data() []byte { return unsafe.Slice(m.buf, m.hlen+m.dlen)[m.hlen:] }

// subjState is the per-subject index: its newest message, so that LastMsg
// needs no search and a new message can share the subject's string, and
// the sequences stored on it, oldest first (at most MaxMsgsPerSubject for
// a KV key). A subject holding one message keeps no list (seqs is nil and
// newest is that message): a KV key of history 1 is then one allocation,
// and replacing its value touches nothing more.
type subjState struct {
	newest *msg
	seqs   []uint64 // two or more sequences, or nil for one
}

// count returns the number of messages on the subject.
func (ss *subjState) count() int {
	if ss.seqs == nil {
		return 1
	}
	return len(ss.seqs)
}

// first returns the subject's oldest sequence.
func (ss *subjState) first() uint64 {
	if ss.seqs == nil {
		return ss.newest.seq
	}
	return ss.seqs[0]
}

// last returns the subject's newest sequence.
func (ss *subjState) last() uint64 { return ss.newest.seq }

// list returns the subject's sequences, oldest first, using one when
// there is a single one; the caller must not keep or change the slice.
func (ss *subjState) list(one *[1]uint64) []uint64 {
	if ss.seqs == nil {
		one[0] = ss.newest.seq
		return one[:]
	}
	return ss.seqs
}

type ttlEntry struct {
	expires int64
	seq     uint64
}

// New creates a stream after validating cfg as the server does (see
// Config.Validate). A nil clock means SystemClock.
func New(cfg Config, clock Clock) (*Stream, error) {
	cfg, err := cfg.Validate()
	if err != nil {
		return nil, err
	}
	if clock == nil {
		clock = NewSystemClock()
	}
	s := &Stream{
		gone:  make(chan struct{}),
		cfg:   cfg,
		clock: clock,
		ttls: btree.NewG(8, func(a, b ttlEntry) bool {
			return a.expires < b.expires || a.expires == b.expires && a.seq < b.seq
		}),
		// A stream that never held a message reports first sequence 0,
		// as server/memstore.go's zero state does.
		firstSeq: 0,
	}
	s.nano, _ = clock.(unixNanoClock)
	return s, nil
}

// now is the clock's time in Unix nanoseconds.
func (s *Stream) now() int64 {
	if s.nano != nil {
		return s.nano.UnixNano()
	}
	return s.clock.Now().UnixNano()
}

// Config returns the stream's configuration with defaults applied.
func (s *Stream) Config() Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	cfg := s.cfg
	cfg.Subjects = append([]string(nil), cfg.Subjects...)
	return cfg
}

// UpdateConfig applies cfg as the server's stream update does: lowering
// MaxMsgsPerSubject trims every subject to its newest messages at once,
// while lowering MaxBytes or MaxMsgs with DiscardNew evicts nothing
// (server/memstore.go: UpdateConfig).
func (s *Stream) UpdateConfig(cfg Config) error {
	cfg, err := cfg.Validate()
	if err != nil {
		return err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	if err := checkUpdate(s.cfg, cfg); err != nil {
		s.mu.Unlock()
		return err
	}
	old := s.cfg
	s.cfg = cfg
	if maxp := cfg.MaxMsgsPerSubject; maxp > 0 && (old.MaxMsgsPerSubject <= 0 || maxp < old.MaxMsgsPerSubject) {
		var trim []string
		s.subjects.Walk(func(subj string, ss subjState) bool {
			if int64(ss.count()) > maxp {
				trim = append(trim, subj)
			}
			return true
		})
		for _, subj := range trim {
			ss := s.subjects.Ref(subj)
			for int64(ss.count()) > maxp {
				s.removeSeq(ss.first())
			}
		}
	}
	s.enforceDiscardOld()
	s.scheduleCheck(s.now())
	s.unlockAndWake()
	return nil
}

// Close stops the stream's timers and ends its consumers. Every later call
// returns ErrClosed.
func (s *Stream) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.gone)
	if s.timer != nil {
		s.timer.Stop()
		s.timer, s.timerAt = nil, 0
	}
	var all []*Consumer
	s.consumers.Walk(func(_ string, cs []*Consumer) bool {
		all = append(all, cs...)
		return true
	})
	for c := range s.parked {
		all = append(all, c)
	}
	s.mu.Unlock()
	for _, c := range all {
		c.signal()
	}
}

// msgSize is the byte count of one message in the stream's state:
// server/memstore.go memStoreMsgSizeRaw, or filestore.go
// fileStoreMsgSizeRaw for FileStorage.
func (s *Stream) msgSize(slen, hlen, dlen int) uint64 {
	if s.cfg.Storage == FileStorage {
		if hlen == 0 {
			return uint64(22 + slen + dlen + 8)
		}
		return uint64(22 + slen + 4 + hlen + dlen + 8)
	}
	return uint64(slen + hlen + dlen + 16)
}

// get returns the message at seq, or nil.
func (s *Stream) get(seq uint64) *msg {
	return s.msgs.Get(seq)
}

// unlockAndWake releases mu and then signals the consumers collected in
// s.wake, so that no channel operation happens under the lock.
func (s *Stream) unlockAndWake() {
	if len(s.wake) == 0 {
		s.mu.Unlock()
		return
	}
	if len(s.wake) == 1 {
		// One consumer (a put for one watcher): take it by value, which
		// spares the pool round trip below.
		c := s.wake[0]
		s.wake[0] = nil
		s.wake = s.wake[:0]
		s.mu.Unlock()
		if c.notify == nil || !c.notify() {
			c.signal()
		}
		return
	}
	// Take s.wake with us: it may be reused as soon as mu is released. A
	// spare from the pool takes its place, so that a store waking many
	// consumers allocates nothing. Only consumers whose readers wait are
	// in it (see Consumer.NextBatch).
	wake := s.wake
	spare := wakePool.Get().(*[]*Consumer)
	s.wake = (*spare)[:0]
	s.mu.Unlock()
	// A writer that wakes few consumers hands the messages over itself
	// where it can (Consumer.SetNotify): a goroutine wake-up each saved.
	// Waking many, it leaves the work to their goroutines, which run in
	// parallel.
	inline := len(wake) <= maxInlineWakes
	for _, c := range wake {
		if inline && c.notify != nil && c.notify() {
			continue
		}
		c.signal()
	}
	clear(wake)
	*spare = wake[:0]
	wakePool.Put(spare)
}

var wakePool = sync.Pool{New: func() any { return new([]*Consumer) }}

// maxInlineWakes is how many consumers a store may serve on the writer's
// goroutine.
const maxInlineWakes = 4

func unixNano(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}
