package wire

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// nrConnect is the CONNECT nats.go sends, with headers and no-responders.
const nrConnect = `CONNECT {"verbose":false,"pedantic":false,"protocol":1,"headers":true,"no_responders":true,"echo":true}` + "\r\n"

// quiet is a CONNECT that turns verbose and pedantic off.
const quiet = `CONNECT {"verbose":false,"pedantic":false}` + "\r\n"

// rawCases are protocol exchanges whose every byte the two servers must
// answer alike. Each input is followed by a PING whose PONG ends the
// transcript unless the server closed the connection first.
var rawCases = []struct{ name, in string }{
	{"ping before connect", "PING\r\n"},
	{"connect then ping sends the connect INFO", nrConnect + "PING\r\n"},
	{"protocol 0 gets no connect INFO", `CONNECT {"verbose":false,"protocol":0}` + "\r\nPING\r\n"},
	{"defaults are verbose", "CONNECT {}\r\nSUB foo 1\r\nPUB foo 2\r\nhi\r\nUNSUB 1\r\n"},
	{"verbose connect", `CONNECT {"verbose":true}` + "\r\n"},
	{"lower case verbs", quiet + "sub foo 1\r\npub foo 2\r\nhi\r\nping\r\nunsub 1\r\n"},
	{"tabs and extra spaces", quiet + "SUB\tfoo  \t 1\r\nPUB   foo\t2\r\nhi\r\n"},
	{"LF without CR", quiet + "SUB foo 1\nPUB foo 2\nhi\r\n"},
	{"pub with reply", quiet + "SUB foo 1\r\nPUB foo bar 2\r\nhi\r\n"},
	{"empty payload", quiet + "SUB foo 1\r\nPUB foo 0\r\n\r\n"},
	{"wildcards", quiet + "SUB foo.* 1\r\nSUB foo.> 2\r\nSUB > 3\r\nSUB *.bar 4\r\nPUB foo.bar 1\r\nx\r\nPUB foo 1\r\ny\r\nPUB foo.bar.baz 1\r\nz\r\n"},
	{"star inside a token is literal", quiet + "SUB a* 1\r\nSUB foo> 2\r\nPUB a* 1\r\nx\r\nPUB ab 1\r\ny\r\nPUB foo> 1\r\nz\r\n"},
	{"invalid subjects", quiet + "SUB a..b 1\r\nSUB .a 2\r\nSUB a. 3\r\nSUB a.>.b 4\r\nSUB a.> 5\r\n"},
	{"invalid subject is verbose too", "CONNECT {}\r\nSUB a..b 1\r\n"},
	{"duplicate sid keeps the first", quiet + "SUB foo 1\r\nSUB bar 1\r\nPUB foo 1\r\nx\r\nPUB bar 1\r\ny\r\n"},
	{"unsub", quiet + "SUB foo 1\r\nUNSUB 1\r\nPUB foo 1\r\nx\r\nUNSUB 9\r\n"},
	{"unsub with max", quiet + "SUB foo 1\r\nUNSUB 1 2\r\nPUB foo 1\r\na\r\nPUB foo 1\r\nb\r\nPUB foo 1\r\nc\r\n"},
	{"unsub with max already reached", quiet + "SUB foo 1\r\nPUB foo 1\r\na\r\nPUB foo 1\r\nb\r\nUNSUB 1 2\r\nPUB foo 1\r\nc\r\n"},
	{"unsub with bad max ends it", quiet + "SUB foo 1\r\nUNSUB 1 x\r\nPUB foo 1\r\na\r\n"},
	{"queue group and plain", quiet + "SUB foo q 1\r\nSUB foo 3\r\nPUB foo 1\r\na\r\n"},
	{"wildcard order", quiet + "SUB a.b.c 1\r\nSUB a.*.c 2\r\nSUB a.b.* 3\r\nSUB *.b.c 4\r\nSUB a.> 5\r\nSUB *.*.* 6\r\nSUB a.*.> 7\r\nSUB > 8\r\nPUB a.b.c 1\r\nx\r\n"},
	{"queue groups with one member each", quiet + "SUB foo q 1\r\nSUB foo.* r 2\r\nPUB foo.x 1\r\na\r\nPUB foo 1\r\nb\r\n"},
	{"echo off", `CONNECT {"verbose":false,"echo":false}` + "\r\nSUB foo 1\r\nPUB foo 1\r\na\r\n"},
	{"hpub", nrConnect + "SUB foo 1\r\nHPUB foo 22 24\r\nNATS/1.0\r\nA: b\r\n\r\n\r\nhi\r\n"},
	{"hpub with reply and status", nrConnect + "SUB foo 1\r\nHPUB foo r 16 17\r\nNATS/1.0 503\r\n\r\nx\r\n"},
	{"hpub zero header", nrConnect + "SUB foo 1\r\nHPUB foo 0 2\r\nhi\r\n"},
	{"hpub without headers closes", quiet + "HPUB foo 12 12\r\nNATS/1.0\r\n\r\n\r\n"},
	{"no responders", nrConnect + "SUB _INBOX.x.* 1\r\nPUB svc _INBOX.x.1 2\r\nhi\r\n"},
	{"no responders for hpub", nrConnect + "SUB _INBOX.x.* 1\r\nHPUB a.b _INBOX.x.1 12 12\r\nNATS/1.0\r\n\r\n\r\n"},
	{"no responders goes to the first subscription in sublist order", nrConnect + "SUB _INBOX.x.* 1\r\nSUB _INBOX.> 2\r\nSUB *.x.1 3\r\nPUB svc _INBOX.x.1 2\r\nhi\r\n"},
	{"no responders to a literal before a wildcard at the last token", nrConnect + "SUB _INBOX.x.* 1\r\nSUB _INBOX.x.1 2\r\nPUB svc _INBOX.x.1 2\r\nhi\r\n"},
	{"no responders needs the reply subscription", nrConnect + "PUB svc _INBOX.x.1 2\r\nhi\r\n"},
	{"no responders ignores queue subscriptions", nrConnect + "SUB _INBOX.x.* q 1\r\nPUB svc _INBOX.y.1 2\r\nhi\r\n"},
	{"no no-responders without asking", `CONNECT {"verbose":false,"headers":true}` + "\r\nSUB r 1\r\nPUB svc r 2\r\nhi\r\n"},
	{"no responders requires headers", `CONNECT {"verbose":false,"no_responders":true}` + "\r\n"},
	{"a responder prevents no responders", nrConnect + "SUB svc 2\r\nSUB _INBOX.x.* 1\r\nPUB svc _INBOX.x.1 2\r\nhi\r\n"},
	{"echo off counts as no responder", `CONNECT {"verbose":false,"headers":true,"no_responders":true,"echo":false}` + "\r\nSUB svc 2\r\nSUB _INBOX.x.* 1\r\nPUB svc _INBOX.x.1 2\r\nhi\r\n"},
	{"bad protocol", `CONNECT {"protocol":2}` + "\r\n"},
	{"account in connect", `CONNECT {"account":"A"}` + "\r\n"},
	{"bad connect json", "CONNECT {\r\n"},
	{"unknown verb", quiet + "FOO\r\n"},
	{"unknown verb at once", "X"},
	{"pubx", quiet + "PUBX foo 1\r\n"},
	{"empty line", quiet + "\r\n"},
	{"client msg", quiet + "MSG foo 1 1\r\n"},
	{"route verb", quiet + "RS+ foo\r\n"},
	{"pub missing size", quiet + "PUB foo\r\n"},
	{"pub bad size", quiet + "PUB foo x\r\n"},
	{"pub too many args", quiet + "PUB foo a b 1\r\n"},
	{"hpub header larger than total", nrConnect + "HPUB foo 5 3\r\n"},
	{"hpub bad header size", nrConnect + "HPUB foo x 3\r\n"},
	{"sub missing sid", quiet + "SUB foo\r\n"},
	{"sub too many args", quiet + "SUB a b c d\r\n"},
	{"unsub missing sid", quiet + "UNSUB\r\n"},
	{"unsub too many args", quiet + "UNSUB 1 2 3\r\n"},
	{"payload longer than said", quiet + "PUB foo 1\r\nxy\r\n"},
	{"payload without CRLF", quiet + "PUB foo 1\r\nx\rx"},
	{"max payload", quiet + "PUB foo 1048577\r\n"},
	{"max payload exactly", quiet + "SUB foo 1\r\nUNSUB 1\r\nPUB foo 1048576\r\n" + strings.Repeat("x", 1048576) + "\r\n"},
	{"max control line", quiet + "SUB " + strings.Repeat("a", 5000) + " 1\r\n"},
	{"pedantic publish to a wildcard", `CONNECT {"verbose":false,"pedantic":true}` + "\r\nSUB foo.* 1\r\nPUB foo.* 1\r\nx\r\nPUB foo..bar 1\r\ny\r\n"},
	{"publish to a wildcard without pedantic", quiet + "SUB foo.* 1\r\nPUB foo.* 1\r\nx\r\n"},
	{"gateway reply prefix", quiet + "PUB _GR_.x 1\r\nx\r\nPUB foo _GR_.x 1\r\nx\r\nPUB foo $GR.x 1\r\nx\r\n"},
	{"reserved replies", quiet + "PUB foo _R_.x 1\r\nx\r\nPUB foo $JS.API.X 1\r\nx\r\nPUB foo $JS. 1\r\nx\r\nPUB $NRG.x 1\r\nx\r\n"},
	{"client info and +OK are accepted", quiet + "INFO {}\r\n+OK\r\n"},
	{"client -ERR closes", quiet + "-ERR 'x'\r\n"},
	{"pong is accepted", quiet + "PONG\r\n"},
	{"ping with trailing bytes", quiet + "PING x\r\n"},
}

// TestRawProtocol sends each case's bytes to nats-server and to wire and
// requires the same bytes back (INFO compared by its stable fields).
func TestRawProtocol(t *testing.T) {
	real, ours := realServer(t), wireServer(t)
	for _, tc := range rawCases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in + "PING\r\n"
			pongs := strings.Count(strings.ToUpper(in), "PING")
			run := func(p provider) []string {
				c, info := dialRaw(t, p)
				defer quiesce(t, p)
				defer c.close()
				c.send(in)
				return append([]string{stableInfo(t, info)}, c.transcript(pongs)...)
			}
			want := run(real)
			require.Equal(t, want, run(ours))
		})
	}
}

// TestRawTwoClients runs exchanges between two raw clients on both
// servers: a header message to a client that did not announce headers
// arrives as MSG with the payload alone, and a publisher's no-responders
// status does not go to another client's subscription on the reply.
func TestRawTwoClients(t *testing.T) {
	cases := []struct{ name, sub, pub string }{
		{"headers stripped for a client without them", quiet + "SUB foo 1\r\n", nrConnect + "HPUB foo 22 24\r\nNATS/1.0\r\nA: b\r\n\r\n\r\nhi\r\n"},
		{"headers kept for a client with them", nrConnect + "SUB foo 1\r\n", nrConnect + "HPUB foo 22 24\r\nNATS/1.0\r\nA: b\r\n\r\n\r\nhi\r\n"},
		{"no responders only to the requester", nrConnect + "SUB r.* 1\r\n", nrConnect + "PUB nobody r.1 1\r\nx\r\n"},
		{"a reply to another client", nrConnect + "SUB svc 1\r\n", nrConnect + "SUB r.* 7\r\nPUB svc r.1 1\r\nx\r\n"},
	}
	real, ours := realServer(t), wireServer(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			run := func(p provider) []string {
				a, _ := dialRaw(t, p)
				b, _ := dialRaw(t, p)
				defer quiesce(t, p)
				defer a.close()
				defer b.close()
				a.send(tc.sub + "PING\r\n")
				a.expect("PONG\r\n")
				b.send(tc.pub + "PING\r\n")
				tb := b.transcript(1)
				a.send("PING\r\n")
				return append(tb, a.transcript(1)...)
			}
			want := run(real)
			require.Equal(t, want, run(ours))
		})
	}
}
