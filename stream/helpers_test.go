package stream_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/stream"
)

// kvConfig is the stream config nats.go's CreateKeyValue makes for bucket
// name with the given history (kv.go: prepareKeyValueConfig).
func kvConfig(name string, history int64) stream.Config {
	return stream.Config{
		Name:              "KV_" + name,
		Subjects:          []string{"$KV." + name + ".>"},
		Storage:           stream.MemoryStorage,
		MaxMsgsPerSubject: history,
		Discard:           stream.DiscardNew,
		DenyDelete:        true,
		AllowRollup:       true,
		Duplicates:        2 * time.Minute,
	}
}

func newStream(t testing.TB, cfg stream.Config, clock stream.Clock) *stream.Stream {
	t.Helper()
	s, err := stream.New(cfg, clock)
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

// The headers nats.go's KV client sends (SEMANTICS §3.2).
var (
	hdrDel   = stream.EncodeHeader(stream.KVOperation, "DEL")
	hdrPurge = stream.EncodeHeader(stream.KVOperation, stream.KVOperationPurge, stream.Rollup, stream.RollupSubject)
)

func hdrExpect(rev uint64) []byte {
	return stream.EncodeHeader(stream.ExpectedLastSubjSeq, strconv.FormatUint(rev, 10))
}

// apiErr asserts that err is a *stream.Error with the given code and
// description.
func requireAPIError(t testing.TB, err error, code uint16, desc string) {
	t.Helper()
	require.Error(t, err)
	var e *stream.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, code, e.ErrCode, "error %q", err)
	require.Equal(t, desc, e.Description)
}

func mustStore(t testing.TB, s *stream.Stream, subj string, hdr []byte, data string) uint64 {
	t.Helper()
	ack, err := s.Store(subj, hdr, []byte(data))
	require.NoError(t, err, "store %s", subj)
	require.False(t, ack.Duplicate)
	return ack.Seq
}

// delivery is one message a consumer delivered: its sequence and the
// num_pending reported with it.
type delivery struct {
	Seq     uint64
	Pending uint64
}

// drain reads every message the consumer has for now.
func drain(t testing.TB, c *stream.Consumer) []delivery {
	t.Helper()
	var out []delivery
	for {
		m, p, err := c.Next()
		require.NoError(t, err)
		if m.Seq == 0 {
			return out
		}
		out = append(out, delivery{m.Seq, p})
	}
}

// standardDataSet stores SEMANTICS §6.3's data set on a history-5 bucket
// W: 1 a=1, 2 b=1, 3 a=2, 4 c=1, 5 DEL b, 6 a=3, 7 d.x=1, 8 PURGE c
// (rollup removes 4), 9 d.y=1.
func standardDataSet(t testing.TB) *stream.Stream {
	s := newStream(t, kvConfig("W", 5), newFakeClock())
	for _, op := range []struct {
		key  string
		hdr  []byte
		data string
	}{
		{"a", nil, "1"}, {"b", nil, "1"}, {"a", nil, "2"}, {"c", nil, "1"},
		{"b", hdrDel, ""}, {"a", nil, "3"}, {"d.x", nil, "1"}, {"c", hdrPurge, ""}, {"d.y", nil, "1"},
	} {
		mustStore(t, s, "$KV.W."+op.key, op.hdr, op.data)
	}
	return s
}
