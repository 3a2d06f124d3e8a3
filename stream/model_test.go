package stream_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/jetsim/jetsim/stream"
	"github.com/jetsim/jetsim/subject"
)

// model is a naive stream: a slice of messages with every limit applied by
// brute force, following server/memstore.go and server/stream.go.
type model struct {
	cfg      stream.Config // validated
	msgs     []modelMsg    // in sequence order
	lastSeq  uint64
	firstSeq uint64 // reported when empty
	bytes    uint64
	ids      map[string]uint64
	cons     []*modelConsumer
}

type modelMsg struct {
	seq  uint64
	subj string
	hdr  []byte
	data []byte
}

func (m *model) size(subj string, hdr, data []byte) uint64 {
	return uint64(len(subj) + len(hdr) + len(data) + 16)
}

func (m *model) onSubject(subj string) []modelMsg {
	var out []modelMsg
	for _, x := range m.msgs {
		if x.subj == subj {
			out = append(out, x)
		}
	}
	return out
}

func (m *model) remove(seq uint64) {
	i := slices.IndexFunc(m.msgs, func(x modelMsg) bool { return x.seq == seq })
	if i < 0 {
		return
	}
	x := m.msgs[i]
	m.bytes -= m.size(x.subj, x.hdr, x.data)
	m.msgs = slices.Delete(m.msgs, i, i+1)
	if len(m.msgs) == 0 {
		m.firstSeq = m.lastSeq + 1
	}
}

func storeErr(code uint16, desc string) outcome { return outcome{ErrCode: code, Desc: desc} }

func (m *model) store(subj string, hdr, data []byte) outcome {
	cfg := m.cfg
	if cfg.MaxMsgSize >= 0 && len(hdr)+len(data) > int(cfg.MaxMsgSize) {
		return storeErr(stream.CodeMessageTooLarge, "message size exceeds maximum allowed")
	}
	on := m.onSubject(subj)
	if v, ok := stream.HeaderValue(hdr, stream.ExpectedLastSubjSeq); ok {
		var fseq uint64
		if len(on) > 0 {
			fseq = on[len(on)-1].seq
		}
		if v != strconv.FormatUint(fseq, 10) {
			return storeErr(stream.CodeWrongLastSequence, fmt.Sprintf("wrong last sequence: %d", fseq))
		}
	}
	if v, ok := stream.HeaderValue(hdr, stream.ExpectedLastSeq); ok && v != strconv.FormatUint(m.lastSeq, 10) {
		return storeErr(stream.CodeWrongLastSequence, fmt.Sprintf("wrong last sequence: %d", m.lastSeq))
	}
	id, _ := stream.HeaderValue(hdr, stream.MsgID)
	if seq, ok := m.ids[id]; ok && id != "" {
		return outcome{Seq: seq, Duplicate: true}
	}
	rollup, _ := stream.HeaderValue(hdr, stream.Rollup)
	rollup = strings.ToLower(rollup)
	if rollup != "" {
		if !cfg.AllowRollup {
			return storeErr(stream.CodeRollupFailed, "rollup not permitted")
		}
		if rollup != "sub" && rollup != "all" {
			return storeErr(stream.CodeRollupFailed, fmt.Sprintf("rollup value invalid: %q", rollup))
		}
	}
	size := m.size(subj, hdr, data)
	if cfg.Discard == stream.DiscardNew {
		atLimit := cfg.MaxMsgsPerSubject > 0 && int64(len(on)) >= cfg.MaxMsgsPerSubject
		if cfg.MaxMsgs > 0 && int64(len(m.msgs)) >= cfg.MaxMsgs && !atLimit {
			return storeErr(stream.CodeStoreFailed, "maximum messages exceeded")
		}
		if cfg.MaxBytes > 0 && m.bytes+size > uint64(cfg.MaxBytes) {
			if !atLimit || m.size(on[0].subj, on[0].hdr, on[0].data) < size {
				return storeErr(stream.CodeStoreFailed, "maximum bytes exceeded")
			}
		}
	}
	m.lastSeq++
	seq := m.lastSeq
	x := modelMsg{seq, subj, slices.Clone(hdr), slices.Clone(data)}
	m.msgs = append(m.msgs, x)
	m.bytes += size
	for _, c := range m.cons {
		c.stored(x)
	}
	if maxp := cfg.MaxMsgsPerSubject; maxp > 0 {
		for on := m.onSubject(subj); int64(len(on)) > maxp; on = on[1:] {
			m.remove(on[0].seq)
		}
	}
	if cfg.Discard == stream.DiscardOld {
		for len(m.msgs) > 0 && (cfg.MaxMsgs > 0 && int64(len(m.msgs)) > cfg.MaxMsgs || cfg.MaxBytes > 0 && m.bytes > uint64(cfg.MaxBytes)) {
			m.remove(m.msgs[0].seq)
		}
	}
	switch rollup {
	case "sub":
		m.purge(subj, 0, 1)
	case "all":
		m.purge("", 0, 1)
	}
	if id != "" {
		m.ids[id] = seq
	}
	return outcome{Seq: seq}
}

// purge is server/memstore.go PurgeEx.
func (m *model) purge(filter string, seq, keep uint64) uint64 {
	if seq == 1 {
		return 0
	}
	if filter == "" || filter == ">" {
		if keep == 0 && seq == 0 {
			n := uint64(len(m.msgs))
			m.msgs, m.bytes, m.firstSeq = nil, 0, m.lastSeq+1
			return n
		}
		if seq > 1 {
			var n uint64
			for len(m.msgs) > 0 && m.msgs[0].seq < seq {
				m.remove(m.msgs[0].seq)
				n++
			}
			if seq > m.lastSeq+1 {
				m.lastSeq, m.firstSeq = seq-1, seq
			}
			return n
		}
		filter = ">"
	}
	var match []uint64
	for _, x := range m.msgs {
		if subject.Match(x.subj, filter) {
			match = append(match, x.seq)
		}
	}
	if len(match) == 0 {
		return 0
	}
	limit := uint64(len(match))
	if keep > 0 {
		if keep >= limit {
			return 0
		}
		limit -= keep
	}
	var n uint64
	for _, q := range match {
		if n >= limit || seq > 0 && q >= seq {
			break
		}
		m.remove(q)
		n++
	}
	return n
}

func (m *model) state() stream.State {
	st := stream.State{Msgs: uint64(len(m.msgs)), Bytes: m.bytes, FirstSeq: m.firstSeq, LastSeq: m.lastSeq}
	subjects := map[string]bool{}
	for _, x := range m.msgs {
		subjects[x.subj] = true
	}
	st.NumSubjects = len(subjects)
	if len(m.msgs) > 0 {
		st.FirstSeq = m.msgs[0].seq
		st.NumDeleted = int(st.LastSeq - st.FirstSeq + 1 - st.Msgs)
	}
	return st
}

func (m *model) subjectsState() map[string]stream.SubjectState {
	out := map[string]stream.SubjectState{}
	for _, x := range m.msgs {
		ss, ok := out[x.subj]
		if !ok {
			ss.First = x.seq
		}
		ss.Msgs++
		ss.Last = x.seq
		out[x.subj] = ss
	}
	return out
}

// modelConsumer is what jetsim's consumer delivers: the initial set the
// policy selects at creation, then every matching message stored later,
// even if the stream drops it before it is read. num_pending counts the
// initial set down to 0; a later message is pending 0, plus the messages
// stored before a start sequence beyond the end (SEMANTICS §6.3.4).
type modelConsumer struct {
	c       *stream.Consumer
	filters []string
	npf     uint64
	start   uint64
	queue   []modelMsg
	initial int // initial messages still queued
	stuck   uint64
}

func (c *modelConsumer) matches(subj string) bool {
	if len(c.filters) == 0 {
		return true
	}
	for _, f := range c.filters {
		if subject.Match(subj, f) {
			return true
		}
	}
	return false
}

func (c *modelConsumer) stored(x modelMsg) {
	if !c.matches(x.subj) {
		return
	}
	if x.seq < c.start {
		c.stuck++
		return
	}
	c.queue = append(c.queue, x)
}

func (m *model) newConsumer(cc consumerCase) *modelConsumer {
	c := &modelConsumer{filters: cc.Filters, npf: m.lastSeq, start: m.lastSeq + 1}
	var initial []modelMsg
	switch cc.Policy {
	case stream.DeliverAll:
		for _, x := range m.msgs {
			if c.matches(x.subj) {
				initial = append(initial, x)
			}
		}
	case stream.DeliverByStartSequence:
		c.start = max(cc.Start, m.lastSeq+1)
		for _, x := range m.msgs {
			if x.seq >= cc.Start && c.matches(x.subj) {
				initial = append(initial, x)
			}
		}
	case stream.DeliverLast:
		if len(cc.Filters) == 0 {
			if n := len(m.msgs); n > 0 && m.msgs[n-1].seq == m.lastSeq {
				initial = m.msgs[n-1:]
			}
			break
		}
		for _, x := range m.msgs {
			if c.matches(x.subj) {
				initial = []modelMsg{x}
			}
		}
	case stream.DeliverLastPerSubject:
		last := map[string]modelMsg{}
		for _, x := range m.msgs {
			if c.matches(x.subj) {
				last[x.subj] = x
			}
		}
		for _, x := range last {
			initial = append(initial, x)
		}
		slices.SortFunc(initial, func(a, b modelMsg) int { return int(a.seq) - int(b.seq) })
	}
	c.queue = slices.Clone(initial)
	c.initial = len(initial)
	m.cons = append(m.cons, c)
	return c
}

// next returns the expected next delivery and its pending, or false.
func (c *modelConsumer) next() (modelMsg, uint64, bool) {
	if len(c.queue) == 0 {
		return modelMsg{}, 0, false
	}
	x := c.queue[0]
	c.queue = c.queue[1:]
	if c.initial > 0 {
		c.initial--
		return x, uint64(c.initial), true
	}
	return x, c.stuck, true
}

func TestModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		history := rapid.Int64Range(1, 4).Draw(t, "history")
		cfg := kvConfig("M", history)
		if rapid.Bool().Draw(t, "maxBytes") {
			cfg.MaxBytes = rapid.Int64Range(40, 500).Draw(t, "maxBytesValue")
		}
		if rapid.Bool().Draw(t, "maxMsgs") {
			cfg.MaxMsgs = rapid.Int64Range(1, 12).Draw(t, "maxMsgsValue")
		}
		if rapid.IntRange(0, 2).Draw(t, "discardOld") == 0 {
			cfg.Discard = stream.DiscardOld
		}
		if rapid.IntRange(0, 5).Draw(t, "noRollup") == 0 {
			cfg.AllowRollup = false
		}
		if rapid.IntRange(0, 4).Draw(t, "maxMsgSize") == 0 {
			cfg.MaxMsgSize = int32(rapid.IntRange(5, 80).Draw(t, "maxMsgSizeValue"))
		}
		sim, err := stream.New(cfg, newFakeClock())
		require.NoError(t, err)
		defer sim.Close()
		vcfg, err := cfg.Validate()
		require.NoError(t, err)
		m := &model{cfg: vcfg, ids: map[string]uint64{}}
		const prefix = "$KV.M."
		keys := []string{"a", "b", "c", "d.x", "d.y", "e"}
		key := rapid.SampledFrom(keys)
		anySeq := func(t *rapid.T) uint64 { return uint64(rapid.IntRange(0, int(m.lastSeq)+2).Draw(t, "seq")) }
		data := func(t *rapid.T) []byte { return []byte(strings.Repeat("v", rapid.IntRange(0, 30).Draw(t, "size"))) }

		store := func(t *rapid.T, subj string, hdr []byte, data []byte) {
			want := m.store(subj, hdr, data)
			got := jetsimOutcome(sim.Store(subj, hdr, data))
			require.Equal(t, want, got, "store %s %q %d bytes", subj, hdr, len(data))
		}
		t.Repeat(map[string]func(*rapid.T){
			"put": func(t *rapid.T) { store(t, prefix+key.Draw(t, "key"), nil, data(t)) },
			"create": func(t *rapid.T) {
				store(t, prefix+key.Draw(t, "key"), hdrExpect(0), data(t))
			},
			"update": func(t *rapid.T) {
				k := prefix + key.Draw(t, "key")
				exp := anySeq(t)
				if on := m.onSubject(k); len(on) > 0 && rapid.Bool().Draw(t, "right") {
					exp = on[len(on)-1].seq
				}
				store(t, k, hdrExpect(exp), data(t))
			},
			"delete": func(t *rapid.T) { store(t, prefix+key.Draw(t, "key"), hdrDel, nil) },
			"purgeMarker": func(t *rapid.T) {
				store(t, prefix+key.Draw(t, "key"), hdrPurge, nil)
			},
			"rollupAll": func(t *rapid.T) {
				store(t, prefix+key.Draw(t, "key"), stream.EncodeHeader(stream.Rollup, "all"), data(t))
			},
			"expectLastSeq": func(t *rapid.T) {
				exp := m.lastSeq
				if rapid.Bool().Draw(t, "wrong") {
					exp = anySeq(t)
				}
				store(t, prefix+key.Draw(t, "key"), stream.EncodeHeader(stream.ExpectedLastSeq, strconv.FormatUint(exp, 10)), data(t))
			},
			"msgID": func(t *rapid.T) {
				id := "id" + strconv.Itoa(rapid.IntRange(0, 3).Draw(t, "id"))
				store(t, prefix+key.Draw(t, "key"), stream.EncodeHeader(stream.MsgID, id), data(t))
			},
			"purge": func(t *rapid.T) {
				var req stream.PurgeRequest
				switch rapid.IntRange(0, 5).Draw(t, "kind") {
				case 1:
					req.Subject = prefix + key.Draw(t, "key")
				case 2:
					req.Subject, req.Keep = prefix+key.Draw(t, "key"), uint64(rapid.IntRange(1, 3).Draw(t, "keep"))
				case 3:
					req.Seq = anySeq(t) + uint64(rapid.IntRange(0, 3).Draw(t, "beyond"))
				case 4:
					req.Subject, req.Seq = prefix+"d.*", anySeq(t)
				case 5:
					req.Keep = uint64(rapid.IntRange(1, 4).Draw(t, "keep"))
				}
				want := m.purge(req.Subject, req.Seq, req.Keep)
				got, err := sim.Purge(req)
				require.NoError(t, err)
				require.Equal(t, want, got, "purge %+v", req)
			},
			"consumer": func(t *rapid.T) {
				if len(m.cons) >= 3 {
					t.Skip("enough consumers")
				}
				filters := rapid.SampledFrom([][]string{
					nil, {prefix + ">"}, {prefix + key.Draw(t, "f")}, {prefix + "a", prefix + "d.*"}, {prefix + "*"},
				}).Draw(t, "filters")
				policy := rapid.SampledFrom([]stream.DeliverPolicy{
					stream.DeliverAll, stream.DeliverLast, stream.DeliverNew, stream.DeliverByStartSequence, stream.DeliverLastPerSubject,
				}).Draw(t, "policy")
				if policy == stream.DeliverLastPerSubject && filters == nil {
					filters = []string{prefix + ">"}
				}
				cc := consumerCase{Filters: filters, Policy: policy, Start: max(anySeq(t), 1)}
				mc := m.newConsumer(cc)
				c, err := sim.NewConsumer(stream.ConsumerConfig{FilterSubjects: cc.Filters, DeliverPolicy: cc.Policy, OptStartSeq: cc.Start})
				require.NoError(t, err)
				mc.c = c
				require.Equal(t, uint64(mc.initial), c.InitialPending(), "initial pending %+v", cc)
			},
			"read": func(t *rapid.T) {
				if len(m.cons) == 0 {
					t.Skip("no consumer")
				}
				mc := m.cons[rapid.IntRange(0, len(m.cons)-1).Draw(t, "consumer")]
				for n := rapid.IntRange(1, 10).Draw(t, "n"); n > 0; n-- {
					want, wp, ok := mc.next()
					got, gp, err := mc.c.Next()
					require.NoError(t, err)
					if !ok {
						require.Zero(t, got.Seq, "unexpected delivery %d", got.Seq)
						return
					}
					require.Equal(t, want.seq, got.Seq)
					require.Equal(t, want.subj, got.Subject)
					require.Equal(t, string(want.data), string(got.Data))
					require.Equal(t, wp, gp, "pending of %d", got.Seq)
				}
			},
			"": func(t *rapid.T) {
				require.Equal(t, m.state(), zeroTimes(sim.State()))
				require.Equal(t, m.subjectsState(), sim.SubjectsState(">"))
				for _, k := range keys {
					on := m.onSubject(prefix + k)
					got, err := sim.LastMsg(prefix + k)
					if len(on) == 0 {
						require.ErrorIs(t, err, stream.ErrNoMessage)
						continue
					}
					require.NoError(t, err)
					require.Equal(t, on[len(on)-1].seq, got.Seq)
				}
				for seq := max(m.lastSeq, 8) - 8; seq <= m.lastSeq+1; seq++ {
					got, err := sim.GetMsg(seq)
					i := slices.IndexFunc(m.msgs, func(x modelMsg) bool { return x.seq == seq })
					if i < 0 {
						require.ErrorIs(t, err, stream.ErrNoMessage, "seq %d", seq)
						continue
					}
					require.NoError(t, err)
					x := m.msgs[i]
					require.Equal(t, x.subj, got.Subject)
					require.Equal(t, string(x.hdr), string(got.Header))
					require.Equal(t, string(x.data), string(got.Data))
					require.Equal(t, m.size(x.subj, x.hdr, x.data), sim.Size(got))
				}
			},
		})
	})
}

func zeroTimes(st stream.State) stream.State {
	st.FirstTime, st.LastTime = time.Time{}, time.Time{}
	return st
}
