package wire

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// recorder is a handler that writes down every call.
type recorder struct{ calls []string }

func (r *recorder) add(f string, a ...any) error {
	r.calls = append(r.calls, fmt.Sprintf(f, a...))
	return nil
}
func (r *recorder) processConnect(arg []byte) error { return r.add("CONNECT %s", arg) }
func (r *recorder) processPing() error              { return r.add("PING") }
func (r *recorder) processPong() error              { return r.add("PONG") }
func (r *recorder) processSub(arg []byte) error     { return r.add("SUB %s", arg) }
func (r *recorder) processUnsub(arg []byte) error   { return r.add("UNSUB %s", arg) }
func (r *recorder) processInfo(arg []byte) error    { return r.add("INFO %s", arg) }
func (r *recorder) processErr(arg []byte) error     { return r.add("ERR %s", arg) }
func (r *recorder) processPubArgs(pa *pubArg) error {
	return r.add("PUBARGS %s|%s|%d|%d", pa.subject, pa.reply, pa.hdr, pa.size)
}
func (r *recorder) processMsg(pa *pubArg, msg []byte) error {
	return r.add("MSG %s|%s|%d|%q", pa.subject, pa.reply, pa.hdr, msg)
}
func (r *recorder) sendErr(text string) { r.add("-ERR %s", text) }

// sample has every verb a client sends, in several spellings.
const sample = "CONNECT {\"verbose\":false}\r\n" +
	"PING\r\npong\r\n" +
	"SUB foo.* q 1\r\n" +
	"PUB foo.bar _INBOX.a.b 5\r\nhello\r\n" +
	"pub\tfoo  0\r\n\r\n" +
	"HPUB foo r 12 14\r\nNATS/1.0\r\n\r\nhi\r\n" +
	"hpub foo 22 22\r\nNATS/1.0 503\r\nA: b\r\n\r\n\r\n" +
	"UNSUB 1 10\r\n" +
	"+OK\r\nINFO {}\r\n" +
	"PUB big 40\r\n" + "0123456789012345678901234567890123456789" + "\r\n" +
	"-ERR 'x'\r\n"

// parseChunks parses in as the read loop would receive it in the given
// chunks, reusing one read buffer, and returns the calls made.
func parseChunks(t *testing.T, in string, cuts []int) []string {
	var p parser
	r := &recorder{}
	buf := make([]byte, len(in))
	prev := 0
	for _, cut := range append(cuts, len(in)) {
		chunk := buf[:cut-prev]
		copy(chunk, in[prev:cut])
		require.NoError(t, p.parse(chunk, r))
		// The next read overwrites the buffer: a parser that kept a slice
		// of it would see this garbage.
		for i := range chunk {
			chunk[i] = '#'
		}
		prev = cut
	}
	return r.calls
}

// TestParseSplitBuffers parses the sample whole, then cut in two at every
// point, then one byte at a time, and requires the same calls each time.
func TestParseSplitBuffers(t *testing.T) {
	want := parseChunks(t, sample, nil)
	require.Len(t, want, 17, "%q", want)
	for i := 1; i < len(sample); i++ {
		require.Equal(t, want, parseChunks(t, sample, []int{i}), "cut at %d", i)
	}
	bytes := make([]int, 0, len(sample))
	for i := 1; i < len(sample); i++ {
		bytes = append(bytes, i)
	}
	require.Equal(t, want, parseChunks(t, sample, bytes), "one byte at a time")
}

// TestParseErrors checks where malformed input stops the parser, whole and
// one byte at a time, and the -ERR it queues.
func TestParseErrors(t *testing.T) {
	long := "SUB " + strings.Repeat("a", maxControlLine) + " 1\r\n"
	cases := []struct{ name, in, last string }{
		{"unknown verb", "FOO\r\n", "-ERR Unknown Protocol Operation"},
		{"blank line", "\r\n", "-ERR Unknown Protocol Operation"},
		{"verb without space", "PUBfoo 1\r\n", "-ERR Unknown Protocol Operation"},
		{"bad payload end", "PUB foo 1\r\nxy\r\n", "MSGARGS"},
		{"control line too long", long, "-ERR maximum control line exceeded"},
		{"bad pub args", "PUB foo\r\n", ""},
		{"bad hpub sizes", "HPUB foo 3 2\r\n", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, step := range []int{len(tc.in), 1} {
				var p parser
				r := &recorder{}
				var err error
				for i := 0; i < len(tc.in) && err == nil; i += step {
					err = p.parse([]byte(tc.in[i:min(i+step, len(tc.in))]), r)
				}
				require.Error(t, err, "step %d", step)
				if tc.last == "MSGARGS" {
					require.Equal(t, []string{"PUBARGS foo||-1|1", "-ERR Unknown Protocol Operation"}, r.calls)
				} else if tc.last != "" {
					require.Equal(t, tc.last, r.calls[len(r.calls)-1], "step %d", step)
				} else {
					require.Empty(t, r.calls)
				}
			}
		})
	}
}

// FuzzParse feeds arbitrary bytes, whole and split, and requires the same
// calls and error either way, and no panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte(sample), 7)
	f.Add([]byte("PUB a 3\r\nabc\r\nHPUB a 1 0\r\n"), 3)
	f.Fuzz(func(t *testing.T, in []byte, cut int) {
		var p1, p2 parser
		r1, r2 := &recorder{}, &recorder{}
		err1 := p1.parse(in, r1)
		if cut < 0 {
			cut = -cut
		}
		cut %= len(in) + 1
		a := append([]byte(nil), in[:cut]...)
		err2 := p2.parse(a, r2)
		if err2 == nil {
			err2 = p2.parse(append([]byte(nil), in[cut:]...), r2)
		}
		require.Equal(t, err1 == nil, err2 == nil)
		if err1 == nil {
			require.Equal(t, r1.calls, r2.calls)
		}
	})
}
