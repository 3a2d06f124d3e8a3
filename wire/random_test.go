package wire

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// randomSession writes a random program of SUB, UNSUB and PUB lines for
// two clients, each line tagged with the client that sends it.
func randomSession(seed uint64, n int) [][2]string {
	r := rand.New(rand.NewPCG(seed, 1))
	filters := []string{"a", "a.b", "a.*", "*.b", "a.>", ">", "b.c", "a.b.c", "*.*", "a..b", "r.*"}
	subjects := []string{"a", "a.b", "b.c", "a.b.c", "c", "a.*", "r.1", "b.b"}
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	var prog [][2]string
	for range n {
		who := fmt.Sprint(r.IntN(2))
		var line string
		switch k := r.IntN(10); {
		case k < 3:
			line = fmt.Sprintf("SUB %s %d\r\n", pick(filters), 1+r.IntN(6))
		case k < 4:
			if r.IntN(2) == 0 {
				line = fmt.Sprintf("UNSUB %d\r\n", 1+r.IntN(6))
			} else {
				line = fmt.Sprintf("UNSUB %d %d\r\n", 1+r.IntN(6), r.IntN(4))
			}
		default:
			data := strings.Repeat("x", r.IntN(5))
			reply := ""
			if r.IntN(3) == 0 {
				reply = " r.1"
			}
			if r.IntN(4) == 0 {
				hdr := "NATS/1.0\r\nK: v\r\n\r\n"
				line = fmt.Sprintf("HPUB %s%s %d %d\r\n%s%s\r\n", pick(subjects), reply, len(hdr), len(hdr)+len(data), hdr, data)
			} else {
				line = fmt.Sprintf("PUB %s%s %d\r\n%s\r\n", pick(subjects), reply, len(data), data)
			}
		}
		prog = append(prog, [2]string{who, line})
	}
	return prog
}

// observe runs prog on p and returns, per client, the protocol lines it
// got other than messages, and the messages per sid. Each line is followed
// by a PING whose PONG is awaited, so the order across clients is fixed;
// the order of messages between two subscriptions on the same filter is
// not (nats-server keeps them in a map), so messages are compared per sid.
func observe(t *testing.T, p provider, prog [][2]string) map[string][]string {
	conns := [2]*rawConn{}
	defer quiesce(t, p) // after the closes below
	for i := range conns {
		conns[i], _ = dialRaw(t, p)
		defer conns[i].close()
		conns[i].send(nrConnect)
	}
	out := map[string][]string{}
	read := func(who int) {
		c := conns[who]
		for {
			l := c.line()
			if l == "PONG\r\n" {
				return
			}
			if strings.HasPrefix(l, "INFO ") {
				continue
			}
			key := fmt.Sprint(who)
			if f := strings.Fields(l); f[0] == "MSG" || f[0] == "HMSG" {
				l += c.payload(f[len(f)-1])
				if strings.Contains(l, "NATS/1.0 503") {
					// Which of the client's subscriptions on one filter
					// gets it is random in nats-server.
					key += " 503"
				} else {
					key += " sid " + f[2]
				}
			}
			out[key] = append(out[key], l)
		}
	}
	for _, step := range prog {
		who := int(step[0][0] - '0')
		conns[who].send(step[1] + "PING\r\n")
		read(who)
	}
	for who := range conns {
		conns[who].send("PING\r\n")
		read(who)
	}
	return out
}

// TestRandomSessions runs random two-client programs on nats-server and
// on wire and requires the same observations.
func TestRandomSessions(t *testing.T) {
	real, ours := realServer(t), wireServer(t)
	for seed := range uint64(40) {
		prog := randomSession(seed, 40)
		want := observe(t, real, prog)
		require.Equal(t, want, observe(t, ours, prog), "seed %d: %q", seed, prog)
	}
}
