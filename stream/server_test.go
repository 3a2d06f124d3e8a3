package stream_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/jetsim/jetsim/stream"
)

// The differential tests run the same streams and messages on jetsim and
// on an embedded nats-server v2.15.3: the server is the oracle.

var (
	oracleOnce sync.Once
	oracleJS   jetstream.JetStream
	oracleErr  error
)

// oracle returns a JetStream client of an embedded server shared by the
// tests of this package (started once, stopped when the process exits).
func oracle(t *testing.T) jetstream.JetStream {
	t.Helper()
	if testing.Short() {
		t.Skip("differential test against an embedded nats-server")
	}
	oracleOnce.Do(func() {
		dir, err := osMkdirTemp()
		if err != nil {
			oracleErr = err
			return
		}
		srv, err := server.NewServer(&server.Options{
			JetStream: true, StoreDir: dir, Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true,
		})
		if err != nil {
			oracleErr = err
			return
		}
		go srv.Start()
		if !srv.ReadyForConnections(10 * time.Second) {
			oracleErr = errors.New("nats-server did not start")
			return
		}
		nc, err := nats.Connect(srv.ClientURL())
		if err != nil {
			oracleErr = err
			return
		}
		oracleJS, oracleErr = jetstream.New(nc)
		if oracleErr != nil {
			return
		}
		// A file stream that is never deleted: deleting the account's last
		// file stream removes its streams directory, and a file stream
		// created meanwhile fails with 10049 (a race in the server).
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, oracleErr = oracleJS.CreateStream(ctx, jetstream.StreamConfig{Name: "KEEP", Subjects: []string{"keep.>"}, Storage: jetstream.FileStorage})
	})
	require.NoError(t, oracleErr)
	return oracleJS
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// serverConfig is cfg as nats.go's StreamConfig.
func serverConfig(cfg stream.Config) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:                   cfg.Name,
		Subjects:               cfg.Subjects,
		Storage:                jetstream.StorageType(cfg.Storage),
		MaxMsgs:                cfg.MaxMsgs,
		MaxBytes:               cfg.MaxBytes,
		MaxMsgSize:             cfg.MaxMsgSize,
		MaxMsgsPerSubject:      cfg.MaxMsgsPerSubject,
		MaxAge:                 cfg.MaxAge,
		Discard:                jetstream.DiscardPolicy(cfg.Discard),
		DenyDelete:             cfg.DenyDelete,
		DenyPurge:              cfg.DenyPurge,
		AllowRollup:            cfg.AllowRollup,
		AllowMsgTTL:            cfg.AllowMsgTTL,
		SubjectDeleteMarkerTTL: cfg.SubjectDeleteMarkerTTL,
		Duplicates:             cfg.Duplicates,
	}
}

// outcome is the comparable result of a store or of an API call.
type outcome struct {
	Seq       uint64
	Duplicate bool
	ErrCode   uint16
	Desc      string
}

func jetsimOutcome(ack stream.Ack, err error) outcome {
	var e *stream.Error
	if errors.As(err, &e) {
		return outcome{ErrCode: e.ErrCode, Desc: e.Description}
	}
	if err != nil {
		return outcome{Desc: "jetsim: " + err.Error()}
	}
	return outcome{Seq: ack.Seq, Duplicate: ack.Duplicate}
}

func serverOutcome(ack *jetstream.PubAck, err error) outcome {
	var e *jetstream.APIError
	if errors.As(err, &e) {
		return outcome{ErrCode: uint16(e.ErrorCode), Desc: e.Description}
	}
	if err != nil {
		return outcome{Desc: "server: " + err.Error()}
	}
	return outcome{Seq: ack.Sequence, Duplicate: ack.Duplicate}
}

// headerMap parses a wire-form header into key -> value.
func headerMap(hdr []byte) map[string]string {
	if len(hdr) == 0 {
		return nil
	}
	out := map[string]string{}
	lines := strings.Split(string(hdr), "\r\n")
	for _, l := range lines[1:] {
		if k, v, ok := strings.Cut(l, ":"); ok {
			out[k] = strings.TrimSpace(v)
		}
	}
	return out
}

func natsHeaderMap(h nats.Header) map[string]string {
	if len(h) == 0 {
		return nil
	}
	out := map[string]string{}
	for k, v := range h {
		out[k] = v[0]
	}
	return out
}

type pubOp struct {
	Key  string
	Hdr  []string // k1, v1, k2, v2, …
	Data string
}

type purgeOp struct {
	Subject   string
	Seq, Keep uint64
}

// diffCase is one run: a stream config and its operations.
type diffCase struct {
	cfg    stream.Config
	prefix string
	ops    []any // pubOp or purgeOp
}

type consumerCase struct {
	Filters     []string
	Policy      stream.DeliverPolicy
	Start       uint64
	HeadersOnly bool
}

var serverPolicy = map[stream.DeliverPolicy]jetstream.DeliverPolicy{
	stream.DeliverAll:             jetstream.DeliverAllPolicy,
	stream.DeliverLast:            jetstream.DeliverLastPolicy,
	stream.DeliverNew:             jetstream.DeliverNewPolicy,
	stream.DeliverByStartSequence: jetstream.DeliverByStartSequencePolicy,
	stream.DeliverLastPerSubject:  jetstream.DeliverLastPerSubjectPolicy,
}

// runDiff runs dc on both and fails t (a *testing.T or rapid's T) on the
// first difference.
func runDiff(t require.TestingT, js jetstream.JetStream, ctx context.Context, dc diffCase, consumers []consumerCase) {
	sim, err := stream.New(dc.cfg, nil)
	require.NoError(t, err)
	defer sim.Close()
	srvStream, err := js.CreateStream(ctx, serverConfig(dc.cfg))
	require.NoError(t, err, "create %+v: %v", dc.cfg, err)
	defer func() { _ = js.DeleteStream(ctx, dc.cfg.Name) }()

	compareState := func(step string) {
		info, err := srvStream.Info(ctx)
		require.NoError(t, err)
		st := sim.State()
		want := info.State
		got := []uint64{st.Msgs, st.Bytes, st.FirstSeq, st.LastSeq, uint64(st.NumSubjects), uint64(st.NumDeleted)}
		exp := []uint64{want.Msgs, want.Bytes, want.FirstSeq, want.LastSeq, want.NumSubjects, uint64(want.NumDeleted)}
		require.Equal(t, exp, got, "state [msgs bytes first last subjects deleted] after %s", step)
	}
	for i, op := range dc.ops {
		step := fmt.Sprintf("op %d %+v", i, op)
		switch op := op.(type) {
		case pubOp:
			subj := dc.prefix + op.Key
			msg := &nats.Msg{Subject: subj, Data: []byte(op.Data)}
			if len(op.Hdr) > 0 {
				msg.Header = nats.Header{}
				for j := 0; j < len(op.Hdr); j += 2 {
					msg.Header[op.Hdr[j]] = []string{op.Hdr[j+1]}
				}
			}
			want := serverOutcome(js.PublishMsg(ctx, msg))
			got := jetsimOutcome(sim.Store(subj, stream.EncodeHeader(op.Hdr...), []byte(op.Data)))
			require.Equal(t, want, got, step)
		case purgeOp:
			var opts []jetstream.StreamPurgeOpt
			if op.Subject != "" {
				opts = append(opts, jetstream.WithPurgeSubject(dc.prefix+op.Subject))
			}
			if op.Seq > 0 {
				opts = append(opts, jetstream.WithPurgeSequence(op.Seq))
			}
			if op.Keep > 0 {
				opts = append(opts, jetstream.WithPurgeKeep(op.Keep))
			}
			require.NoError(t, srvStream.Purge(ctx, opts...), step)
			req := stream.PurgeRequest{Seq: op.Seq, Keep: op.Keep}
			if op.Subject != "" {
				req.Subject = dc.prefix + op.Subject
			}
			_, err := sim.Purge(req)
			require.NoError(t, err, step)
		}
		compareState(step)
	}

	// Every sequence and every subject's last message.
	st := sim.State()
	for seq := uint64(1); seq <= st.LastSeq; seq++ {
		want, werr := srvStream.GetMsg(ctx, seq)
		got, gerr := sim.GetMsg(seq)
		if werr != nil {
			require.ErrorIs(t, werr, jetstream.ErrMsgNotFound)
			require.ErrorIs(t, gerr, stream.ErrNoMessage, "seq %d", seq)
			continue
		}
		require.NoError(t, gerr, "seq %d", seq)
		require.Equal(t, want.Subject, got.Subject)
		require.Equal(t, string(want.Data), string(got.Data), "seq %d", seq)
		require.Equal(t, natsHeaderMap(want.Header), headerMap(got.Header), "seq %d", seq)
		require.Equal(t, want.Time.UnixNano() > 0, !got.Time.IsZero())
	}
	subjects := sim.SubjectsState(">")
	for subj, ss := range subjects {
		want, err := srvStream.GetLastMsgForSubject(ctx, subj)
		require.NoError(t, err)
		require.Equal(t, want.Sequence, ss.Last, subj)
		got, err := sim.LastMsg(subj)
		require.NoError(t, err)
		require.Equal(t, want.Sequence, got.Seq)
	}
	info, err := srvStream.Info(ctx, jetstream.WithSubjectFilter(">"))
	require.NoError(t, err)
	gotCounts := map[string]uint64{}
	for subj, ss := range subjects {
		gotCounts[subj] = ss.Msgs
	}
	if len(info.State.Subjects) > 0 || len(gotCounts) > 0 {
		require.Equal(t, info.State.Subjects, gotCounts, "subjects")
	}

	for _, cc := range consumers {
		compareConsumer(t, js, ctx, sim, dc.cfg.Name, cc)
	}
}

func compareConsumer(t require.TestingT, js jetstream.JetStream, ctx context.Context, sim *stream.Stream, name string, cc consumerCase) {
	what := fmt.Sprintf("consumer %+v", cc)
	ccfg := jetstream.ConsumerConfig{
		AckPolicy:         jetstream.AckNonePolicy,
		DeliverPolicy:     serverPolicy[cc.Policy],
		OptStartSeq:       cc.Start,
		FilterSubjects:    cc.Filters,
		HeadersOnly:       cc.HeadersOnly,
		MemoryStorage:     true,
		InactiveThreshold: time.Minute,
	}
	if cc.Policy != stream.DeliverByStartSequence {
		ccfg.OptStartSeq = 0
	}
	sc, serr := js.CreateConsumer(ctx, name, ccfg)
	c, cerr := sim.NewConsumer(stream.ConsumerConfig{FilterSubjects: cc.Filters, DeliverPolicy: cc.Policy, OptStartSeq: cc.Start, HeadersOnly: cc.HeadersOnly})
	if serr != nil {
		var e *jetstream.APIError
		require.ErrorAs(t, serr, &e, what)
		var g *stream.Error
		require.ErrorAs(t, cerr, &g, what)
		require.Equal(t, uint16(e.ErrorCode), g.ErrCode, what)
		require.Equal(t, e.Description, g.Description, what)
		return
	}
	require.NoError(t, cerr, what)
	defer c.Close()
	defer func() { _ = js.DeleteConsumer(ctx, name, sc.CachedInfo().Name) }()
	require.Equal(t, sc.CachedInfo().NumPending, c.InitialPending(), "initial pending, %s", what)

	var want, got []delivery
	var wantHdr, gotHdr []map[string]string
	for {
		batch, err := sc.FetchNoWait(500)
		require.NoError(t, err)
		n := 0
		for m := range batch.Messages() {
			n++
			md, err := m.Metadata()
			require.NoError(t, err)
			want = append(want, delivery{md.Sequence.Stream, md.NumPending})
			h := natsHeaderMap(m.Headers())
			if cc.HeadersOnly {
				delete(h, stream.MsgSize) // jetsim's consumer does not add it
				if len(h) == 0 {
					h = nil
				}
			}
			wantHdr = append(wantHdr, h)
		}
		if n == 0 {
			break
		}
	}
	for {
		m, p, err := c.Next()
		require.NoError(t, err)
		if m.Seq == 0 {
			break
		}
		got = append(got, delivery{m.Seq, p})
		gotHdr = append(gotHdr, headerMap(m.Header))
		if cc.HeadersOnly {
			require.Empty(t, m.Data)
		}
	}
	require.Equal(t, want, got, "deliveries, %s", what)
	require.Equal(t, wantHdr, gotHdr, "headers, %s", what)
}

// genCase draws a small stream and up to 30 operations on it.
func genCase(t *rapid.T, n int) (diffCase, []consumerCase) {
	bucket := "D" + strconv.Itoa(n)
	prefix := "$KV." + bucket + "."
	history := rapid.Int64Range(1, 4).Draw(t, "history")
	cfg := kvConfig(bucket, history)
	if rapid.IntRange(0, 4).Draw(t, "file") == 0 {
		cfg.Storage = stream.FileStorage
	}
	if rapid.Bool().Draw(t, "maxBytes") {
		cfg.MaxBytes = rapid.Int64Range(60, 600).Draw(t, "maxBytesValue")
	}
	if rapid.Bool().Draw(t, "maxMsgs") {
		cfg.MaxMsgs = rapid.Int64Range(1, 10).Draw(t, "maxMsgsValue")
	}
	if rapid.IntRange(0, 3).Draw(t, "discardOld") == 0 {
		cfg.Discard = stream.DiscardOld
	}
	if rapid.IntRange(0, 4).Draw(t, "maxMsgSize") == 0 {
		cfg.MaxMsgSize = int32(rapid.IntRange(10, 80).Draw(t, "maxMsgSizeValue"))
	}
	switch rapid.IntRange(0, 3).Draw(t, "ttl") {
	case 1:
		cfg.AllowMsgTTL = true
	case 2:
		cfg.AllowMsgTTL, cfg.SubjectDeleteMarkerTTL = true, time.Duration(rapid.IntRange(1, 120).Draw(t, "sdm"))*time.Second
	}
	keys := []string{"a", "b", "c", "d.x", "d.y"}[:rapid.IntRange(1, 5).Draw(t, "subjects")]
	key := rapid.SampledFrom(keys)
	nops := rapid.IntRange(0, 30).Draw(t, "ops")
	var ops []any
	seqGuess := func() string { return strconv.Itoa(rapid.IntRange(0, nops+1).Draw(t, "expect")) }
	for range nops {
		k := key.Draw(t, "key")
		data := strings.Repeat("v", rapid.IntRange(0, 40).Draw(t, "size"))
		switch rapid.IntRange(0, 13).Draw(t, "op") {
		case 12:
			ttl := rapid.SampledFrom([]string{"90s", "1h", "500ms", "never", "0", "120", "-1", "x"}).Draw(t, "ttlValue")
			ops = append(ops, pubOp{k, []string{stream.MessageTTL, ttl}, data})
		case 13:
			r := rapid.SampledFrom([]string{"sub", "SUB", "All", "bad"}).Draw(t, "rollupValue")
			ops = append(ops, pubOp{k, []string{stream.Rollup, r}, data})
		case 0, 1, 2:
			ops = append(ops, pubOp{k, nil, data})
		case 3:
			ops = append(ops, pubOp{k, []string{stream.ExpectedLastSubjSeq, "0"}, data})
		case 4:
			ops = append(ops, pubOp{k, []string{stream.ExpectedLastSubjSeq, seqGuess()}, data})
		case 5:
			ops = append(ops, pubOp{k, []string{stream.KVOperation, "DEL"}, ""})
		case 6:
			ops = append(ops, pubOp{k, []string{stream.KVOperation, "PURGE", stream.Rollup, "sub"}, ""})
		case 7:
			ops = append(ops, pubOp{k, []string{stream.Rollup, "all"}, data})
		case 8:
			ops = append(ops, pubOp{k, []string{stream.ExpectedLastSeq, seqGuess()}, data})
		case 9:
			ops = append(ops, pubOp{k, []string{stream.MsgID, "m" + strconv.Itoa(rapid.IntRange(0, 2).Draw(t, "id"))}, data})
		case 10:
			ops = append(ops, pubOp{k, []string{stream.KVOperation, "DEL", stream.ExpectedLastSubjSeq, seqGuess()}, ""})
		case 11:
			p := purgeOp{}
			switch rapid.IntRange(0, 3).Draw(t, "purge") {
			case 1:
				p.Subject = k
			case 2:
				p.Subject, p.Keep = k, uint64(rapid.IntRange(1, 3).Draw(t, "keep"))
			case 3:
				p.Seq = uint64(rapid.IntRange(1, nops+1).Draw(t, "purgeSeq"))
			}
			ops = append(ops, p)
		}
	}
	filterSets := [][]string{nil, {prefix + ">"}, {prefix + key.Draw(t, "f1")}, {prefix + "a", prefix + "d.*"}, {prefix + "*"}}
	var consumers []consumerCase
	for _, policy := range []stream.DeliverPolicy{stream.DeliverAll, stream.DeliverLast, stream.DeliverNew, stream.DeliverByStartSequence, stream.DeliverLastPerSubject} {
		sets := filterSets
		if policy == stream.DeliverLastPerSubject {
			sets = sets[1:] // the server requires a filter (jetsim takes none as ">")
		}
		consumers = append(consumers, consumerCase{
			Filters:     rapid.SampledFrom(sets).Draw(t, "filters"),
			Policy:      policy,
			Start:       uint64(rapid.IntRange(1, nops+2).Draw(t, "start")),
			HeadersOnly: rapid.IntRange(0, 3).Draw(t, "headersOnly") == 0,
		})
	}
	return diffCase{cfg: cfg, prefix: prefix, ops: ops}, consumers
}

func TestServerDifferential(t *testing.T) {
	js := oracle(t)
	n := 0
	rapid.Check(t, func(rt *rapid.T) {
		n++
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		dc, consumers := genCase(rt, n)
		runDiff(rt, js, ctx, dc, consumers)
	})
}

// TestServerFixedCases replays hand-written cases that exercise the rules
// most likely to differ.
func TestServerFixedCases(t *testing.T) {
	js := oracle(t)
	ctx := ctxT(t)
	lps := stream.DeliverLastPerSubject
	all := []consumerCase{
		{Policy: stream.DeliverAll}, {Policy: stream.DeliverLast}, {Filters: []string{"$KV.F1.>"}, Policy: lps},
		{Policy: stream.DeliverByStartSequence, Start: 3},
		{Policy: stream.DeliverByStartSequence, Start: 100},
		{Filters: []string{"$KV.F1.a"}, Policy: stream.DeliverLast},
		{Filters: []string{"$KV.F1.a", "$KV.F1.b"}, Policy: lps, HeadersOnly: true},
		{Filters: []string{"$KV.F1.a", "$KV.F1.*"}, Policy: lps},
	}
	put := func(k, v string) pubOp { return pubOp{k, nil, v} }
	del := func(k string) pubOp { return pubOp{k, []string{stream.KVOperation, "DEL"}, ""} }
	purge := func(k string) pubOp {
		return pubOp{k, []string{stream.KVOperation, "PURGE", stream.Rollup, "sub"}, ""}
	}
	for _, tc := range []struct {
		name string
		cfg  func(*stream.Config)
		ops  []any
	}{
		{"standard data set", nil, []any{put("a", "1"), put("b", "1"), put("a", "2"), put("c", "1"), del("b"), put("a", "3"), put("d.x", "1"), purge("c"), put("d.y", "1")}},
		{"max bytes discard new, history 1", func(c *stream.Config) { c.MaxMsgsPerSubject, c.MaxBytes = 1, 200 }, []any{
			put("k1", strings.Repeat("v", 50)), put("k2", strings.Repeat("v", 50)), put("k3", strings.Repeat("v", 50)),
			put("k1", strings.Repeat("v", 50)), put("k1", strings.Repeat("v", 51)), put("k1", "x"), del("k2"), put("k9", "x")}},
		{"delete and purge on a full stream", func(c *stream.Config) { c.MaxBytes = 160 }, []any{
			put("k1", strings.Repeat("v", 60)), put("k2", strings.Repeat("v", 30)), del("k1"), purge("k1")}},
		{"file storage bytes", func(c *stream.Config) { c.Storage = stream.FileStorage }, []any{
			put("abc", "0123456789"), del("abc"), pubOp{"k2", []string{stream.ExpectedLastSubjSeq, "0"}, "xy"}}},
		{"purge the last subject", nil, []any{put("a", "1"), put("b", "1"), purgeOp{Subject: "b"}}},
		{"purge beyond the end", nil, []any{put("a", "1"), put("b", "1"), purgeOp{Seq: 10}, put("a", "2")}},
		{"purge all then store", nil, []any{put("a", "1"), purgeOp{}, put("b", "1")}},
		{"empty stream", nil, nil},
		{"only failures", func(c *stream.Config) { c.MaxMsgSize = 5 }, []any{put("a", "123456"), pubOp{"a", []string{stream.ExpectedLastSubjSeq, "3"}, ""}}},
		{"message TTL raised", func(c *stream.Config) { c.SubjectDeleteMarkerTTL, c.AllowMsgTTL = 3*time.Second, true }, []any{
			pubOp{"a", []string{stream.MessageTTL, "1s"}, "x"}, pubOp{"b", []string{stream.MessageTTL, "1m"}, "x"},
			pubOp{"c", []string{stream.MessageTTL, "500ms"}, "x"}, pubOp{"c", []string{stream.MessageTTL, "never"}, "x"},
			pubOp{"c", []string{stream.MessageTTL, "SUB"}, "x"}, pubOp{"c", []string{stream.Rollup, "SUB"}, "x"},
			pubOp{"c", []string{stream.Rollup, "x"}, "x"}}},
		{"message TTL disabled", nil, []any{
			pubOp{"a", []string{stream.MessageTTL, "1s"}, "x"}, pubOp{"a", []string{stream.MessageTTL, "500ms"}, "x"},
			pubOp{"a", []string{stream.MessageTTL, "never"}, "x"}}},
		{"check order", func(c *stream.Config) { c.AllowRollup = false }, []any{
			put("a", "1"), pubOp{"b", []string{stream.MsgID, "i"}, ""},
			pubOp{"a", []string{stream.ExpectedLastSeq, "7", stream.ExpectedLastSubjSeq, "9"}, ""},
			pubOp{"a", []string{stream.ExpectedLastSeq, "7", stream.MsgID, "i"}, ""},
			pubOp{"a", []string{stream.Rollup, "sub", stream.ExpectedLastSubjSeq, "9"}, ""},
			pubOp{"a", []string{stream.Rollup, "sub"}, ""},
			pubOp{"a", []string{stream.MsgID, "i"}, "dup"}}},
		{"max msgs discard new per subject", func(c *stream.Config) { c.MaxMsgs, c.MaxMsgsPerSubject = 2, 2 }, []any{
			put("a", "1"), put("b", "1"), put("c", "1"), put("a", "2"), put("a", "3"), put("b", "2")}},
		{"max msgs discard old", func(c *stream.Config) { c.MaxMsgs, c.Discard = 3, stream.DiscardOld }, []any{
			put("a", "1"), put("b", "1"), put("c", "1"), put("a", "2"), purge("b"), put("d.x", "1")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := kvConfig("F1", 5)
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			runDiff(t, js, ctx, diffCase{cfg: cfg, prefix: "$KV.F1.", ops: tc.ops}, all)
		})
	}
}

func TestServerConfigErrors(t *testing.T) {
	js := oracle(t)
	ctx := ctxT(t)
	for i, tc := range []func(*stream.Config){
		func(c *stream.Config) { c.MaxAge = 50 * time.Millisecond },
		func(c *stream.Config) { c.MaxAge = -time.Second },
		func(c *stream.Config) { c.MaxAge = 100 * time.Millisecond; c.Duplicates = 0 },
		func(c *stream.Config) { c.MaxAge = time.Second },
		func(c *stream.Config) { c.Duplicates = 50 * time.Millisecond },
		func(c *stream.Config) { c.Duplicates = -time.Second },
		func(c *stream.Config) { c.DenyPurge = true },
		func(c *stream.Config) { c.SubjectDeleteMarkerTTL = 500 * time.Millisecond },
		func(c *stream.Config) { c.SubjectDeleteMarkerTTL = -time.Second },
		func(c *stream.Config) { c.SubjectDeleteMarkerTTL = time.Second },
		func(c *stream.Config) { c.SubjectDeleteMarkerTTL, c.AllowRollup = time.Second, false },
		func(c *stream.Config) { c.MaxMsgs, c.MaxBytes, c.MaxMsgSize, c.MaxMsgsPerSubject = -5, 0, -3, 0 },
		func(c *stream.Config) { c.Name = strings.Repeat("N", 255) },
		func(c *stream.Config) { c.Name = strings.Repeat("N", 256) },
	} {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			cfg := kvConfig("CE"+strconv.Itoa(i), 1)
			tc(&cfg)
			info, serr := js.CreateStream(ctx, serverConfig(cfg))
			got, gerr := cfg.Validate()
			if serr != nil {
				var e *jetstream.APIError
				require.ErrorAs(t, serr, &e)
				requireAPIError(t, gerr, uint16(e.ErrorCode), e.Description)
				return
			}
			defer func() { _ = js.DeleteStream(ctx, cfg.Name) }()
			require.NoError(t, gerr)
			sc := info.CachedInfo().Config
			assert.Equal(t, []any{sc.MaxMsgs, sc.MaxBytes, sc.MaxMsgSize, sc.MaxMsgsPerSubject, sc.Duplicates, sc.AllowMsgTTL, sc.AllowRollup, sc.DenyPurge},
				[]any{got.MaxMsgs, got.MaxBytes, got.MaxMsgSize, got.MaxMsgsPerSubject, got.Duplicates, got.AllowMsgTTL, got.AllowRollup, got.DenyPurge})
		})
	}
}

func TestServerUpdateConfig(t *testing.T) {
	js := oracle(t)
	ctx := ctxT(t)
	for _, tc := range []struct {
		name   string
		old    func(*stream.Config)
		update func(*stream.Config)
	}{
		{"lower history", nil, func(c *stream.Config) { c.MaxMsgsPerSubject = 2 }},
		{"raise history", nil, func(c *stream.Config) { c.MaxMsgsPerSubject = 10 }},
		{"lower max bytes, discard new", nil, func(c *stream.Config) { c.MaxBytes = 60 }},
		{"lower max msgs, discard new", nil, func(c *stream.Config) { c.MaxMsgs = 2 }},
		{"lower max bytes, discard old", func(c *stream.Config) { c.Discard = stream.DiscardOld }, func(c *stream.Config) { c.MaxBytes = 60 }},
		{"lower max msgs, discard old", func(c *stream.Config) { c.Discard = stream.DiscardOld }, func(c *stream.Config) { c.MaxMsgs = 3 }},
		{"storage", nil, func(c *stream.Config) { c.Storage = stream.FileStorage }},
		{"deny delete", nil, func(c *stream.Config) { c.DenyDelete = false }},
		{"message TTL", func(c *stream.Config) { c.AllowMsgTTL = true }, func(c *stream.Config) { c.AllowMsgTTL = false }},
		{"deny purge", func(c *stream.Config) { c.DenyPurge, c.AllowRollup = true, false }, func(c *stream.Config) { c.DenyPurge = false }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := kvConfig("UC", 5)
			if tc.old != nil {
				tc.old(&cfg)
			}
			sim, err := stream.New(cfg, nil)
			require.NoError(t, err)
			defer sim.Close()
			srv, err := js.CreateStream(ctx, serverConfig(cfg))
			require.NoError(t, err)
			defer func() { _ = js.DeleteStream(ctx, cfg.Name) }()
			for i, k := range []string{"a", "b", "a", "a", "c", "a", "b"} {
				subj := "$KV.UC." + k
				_, err := js.Publish(ctx, subj, []byte(strconv.Itoa(i)))
				require.NoError(t, err)
				mustStore(t, sim, subj, nil, strconv.Itoa(i))
			}
			tc.update(&cfg)
			_, serr := js.UpdateStream(ctx, serverConfig(cfg))
			gerr := sim.UpdateConfig(cfg)
			if serr != nil {
				var e *jetstream.APIError
				require.ErrorAs(t, serr, &e)
				requireAPIError(t, gerr, uint16(e.ErrorCode), e.Description)
				return
			}
			require.NoError(t, gerr)
			info, err := srv.Info(ctx)
			require.NoError(t, err)
			st := sim.State()
			assert.Equal(t, []uint64{info.State.Msgs, info.State.Bytes, info.State.FirstSeq, info.State.LastSeq, uint64(info.State.NumDeleted)},
				[]uint64{st.Msgs, st.Bytes, st.FirstSeq, st.LastSeq, uint64(st.NumDeleted)})
			want := serverOutcome(js.Publish(ctx, "$KV.UC.d", []byte("new")))
			got := jetsimOutcome(sim.Store("$KV.UC.d", nil, []byte("new")))
			assert.Equal(t, want, got, "a store after the update")
		})
	}
}
