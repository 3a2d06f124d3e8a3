package stream

import (
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// TestParsePubHeaders: the one-pass parser reads every header as
// HeaderValue does (first line of the exact key wins, value trimmed),
// whatever the order, repetition, case and spacing of the lines.
func TestParsePubHeaders(t *testing.T) {
	keys := []string{MsgID, ExpectedLastSeq, ExpectedLastSubjSeq, Rollup, MessageTTL,
		KVOperation, "nats-ttl", "Nats-TTL-X", "X", ""}
	values := []string{"", "1", " 22 ", "SUB", "all", "5s", "a:b", "never"}
	rapid.Check(t, func(t *rapid.T) {
		var b strings.Builder
		b.WriteString(hdrLine)
		for range rapid.IntRange(0, 8).Draw(t, "lines") {
			b.WriteString(rapid.SampledFrom(keys).Draw(t, "key"))
			b.WriteString(rapid.SampledFrom([]string{":", ": ", ":  "}).Draw(t, "sep"))
			b.WriteString(rapid.SampledFrom(values).Draw(t, "value"))
			b.WriteString("\r\n")
		}
		if rapid.Bool().Draw(t, "closed") {
			b.WriteString("\r\n")
		}
		hdr := []byte(b.String())

		var want pubHeaders
		want.msgID, _ = HeaderValue(hdr, MsgID)
		want.expSeq, want.hasExpSeq = HeaderValue(hdr, ExpectedLastSeq)
		want.expSubjSeq, want.hasSubjEx = HeaderValue(hdr, ExpectedLastSubjSeq)
		want.rollup, _ = HeaderValue(hdr, Rollup)
		want.rollup = strings.ToLower(want.rollup)
		want.ttl, want.hasTTL = HeaderValue(hdr, MessageTTL)
		if got := parsePubHeaders(hdr); got != want {
			t.Fatalf("header %q:\n got %+v\nwant %+v", hdr, got, want)
		}
	})
}
