package wire

import (
	"encoding/json"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// TestAppendPubAckMatchesJSON checks the hand-written PubAck against
// encoding/json on random acks, with strings that need escaping among
// them.
func TestAppendPubAckMatchesJSON(t *testing.T) {
	str := rapid.OneOf(rapid.Just(""), rapid.StringMatching(`[A-Za-z0-9_-]{1,12}`), rapid.String(), rapid.SampledFrom([]string{`a"b`, `a\b`, "<KV_x>", "a&b", "é", "\x00", "\u2028", "\xff"}))
	rapid.Check(t, func(t *rapid.T) {
		a := jetstream.PubAck{
			Stream:    str.Draw(t, "stream"),
			Sequence:  rapid.Uint64().Draw(t, "seq"),
			Duplicate: rapid.Bool().Draw(t, "duplicate"),
			Domain:    str.Draw(t, "domain"),
			Value:     str.Draw(t, "val"),
		}
		want, err := json.Marshal(&a)
		require.NoError(t, err)
		require.Equal(t, string(want), string(appendPubAck([]byte("x"), &a))[1:])
	})
}

func BenchmarkAppendPubAck(b *testing.B) {
	a := &jetstream.PubAck{Stream: "KV_bench", Sequence: 123456}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = appendPubAck(buf[:0], a)
	}
}
