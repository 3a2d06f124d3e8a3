package wire

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/jetsim/jetsim/stream"
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

// TestAppendDirectHeader checks the direct get's header against the
// header appended one field at a time, as the server's genHeader does.
func TestAppendDirectHeader(t *testing.T) {
	add := func(hdr []byte, key, val string) []byte {
		hdr = append(append([]byte(nil), hdr[:len(hdr)-2]...), key+": "+val+"\r\n\r\n"...)
		return hdr
	}
	ts := time.Date(2026, 12, 7, 3, 4, 5, 600, time.FixedZone("x", 3600))
	for name, hdr := range map[string][]byte{
		"none":   nil,
		"stored": []byte("NATS/1.0\r\nKV-Operation: DEL\r\n\r\n"),
		"short":  []byte("\r\n"), // HPUB takes any header bytes
	} {
		t.Run(name, func(t *testing.T) {
			m := &stream.Msg{Subject: "$KV.b.k", Seq: 42, Time: ts, Header: hdr}
			want := hdr
			if len(want) <= 2 {
				want = []byte("NATS/1.0\r\n\r\n")
			}
			want = add(want, "Nats-Stream", "KV_b")
			want = add(want, "Nats-Subject", "$KV.b.k")
			want = add(want, "Nats-Sequence", "42")
			want = add(want, "Nats-Time-Stamp", ts.UTC().Format(time.RFC3339Nano))
			require.Equal(t, string(want), string(appendDirectHeader(nil, hdr, "KV_b", m)))
		})
	}
}
