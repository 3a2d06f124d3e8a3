package clients

import (
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The masks: what legitimately differs between nats-server and jetsim, or between two runs, and is
// replaced before outputs are compared. Nothing else is masked.
//
//   - the target's own URL, host:port, server id and server name (target.literals);
//   - wall-clock times, as the CLI prints them (2006-01-02 15:04:05) and as JSON carries them
//     (RFC 3339 with nanoseconds);
//   - the clock time that starts the CLI's log lines (15:04:05) and a request's round trip
//     ("Received with rtt 942.857µs");
//   - the age in the last cell of a table row (`nats kv ls`' "Last Update": 435ms, 1.21s);
//   - table padding: runs of spaces and of box-drawing rules, since column widths follow the
//     masked cells.
var (
	maskTime     = regexp.MustCompile(`\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?`)
	maskClock    = regexp.MustCompile(`(?m)^\d{2}:\d{2}:\d{2} `)
	maskRTT      = regexp.MustCompile(`with rtt [0-9.]+(ns|µs|us|ms|s)`)
	maskLastAge  = regexp.MustCompile(`│ [0-9.]+(ns|µs|us|ms|s|m|h)[0-9a-zµ.]* *│$`)
	maskSpaces   = regexp.MustCompile(` {2,}`)
	maskRules    = regexp.MustCompile(`─{2,}`)
	maskTrailing = regexp.MustCompile(` +\n`)
)

// mask applies the masks above to out, produced by tg.
func mask(tg target, out string) string {
	keys := make([]string, 0, len(tg.literals))
	for k := range tg.literals {
		keys = append(keys, k)
	}
	// longest first: the URL contains the address
	sort.Slice(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
	for _, k := range keys {
		out = strings.ReplaceAll(out, k, tg.literals[k])
	}
	out = maskTime.ReplaceAllString(out, "<time>")
	out = maskClock.ReplaceAllString(out, "<time> ")
	out = maskRTT.ReplaceAllString(out, "with rtt <rtt>")
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		lines[i] = maskLastAge.ReplaceAllString(l, "│ <age> │")
	}
	out = strings.Join(lines, "\n")
	out = maskSpaces.ReplaceAllString(out, " ")
	out = maskRules.ReplaceAllString(out, "─")
	return maskTrailing.ReplaceAllString(out, "\n")
}

func TestMask(t *testing.T) {
	tg := target{literals: map[string]string{
		"nats://127.0.0.1:4222": "<url>",
		"127.0.0.1:4222":        "<addr>",
		"NABC":                  "<server-id>",
	}}
	for _, c := range []struct{ name, in, want string }{
		{"literals", "Leader: NABC at nats://127.0.0.1:4222 (127.0.0.1:4222)", "Leader: <server-id> at <url> (<addr>)"},
		{"cli time", "revision: 2 created @ 2026-12-07 02:17:37\n", "revision: 2 created @ <time>\n"},
		{"json time", `"created":"2026-12-07T02:17:37.123456789Z"`, `"created":"<time>"`},
		{"log clock", "02:45:13 Sending request on \"svc\"\n02:45:14 Received with rtt 942.857µs\n", "<time> Sending request on \"svc\"\n<time> Received with rtt <rtt>\n"},
		{"a clock inside a line stays", "value 12:00:00 here", "value 12:00:00 here"},
		{"last age", "│ b1     │ 156 B │ 3      │ 435ms       │", "│ b1 │ 156 B │ 3 │ <age> │"},
		{"last age minutes", "│ b1 │ 1m2.5s │", "│ b1 │ <age> │"},
		{"a ttl in a middle cell stays", "│ 1h0m0s │ 3 │", "│ 1h0m0s │ 3 │"},
		{"rules", "├─────┬──────┤", "├─┬─┤"},
		{"revision and values stay", "Values Stored: 3\nrevision: 12", "Values Stored: 3\nrevision: 12"},
	} {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, mask(tg, c.in))
		})
	}
}
