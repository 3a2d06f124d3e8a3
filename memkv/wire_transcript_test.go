package memkv_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"regexp"
	"slices"
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

	"github.com/jetsim/jetsim/memkv"
)

// The transcript test taps the connection of a KV session (WIRE.md §6) on
// an in-process nats-server and on memkv, cuts both directions into
// protocol frames, masks what differs between two runs of the server
// itself, and requires the same frames, step by step. Within a step the
// server's frames are compared as a set, because the server may send a
// consumer's first messages before or after its create reply; the
// handshake's second INFO counts in step 0 wherever it lands (see steps).

// transcriptMasks lists every mask, with why: each is a value that two
// runs of nats-server already disagree on.
var transcriptMasks = []struct {
	re   *regexp.Regexp
	repl string
}{
	// Inboxes: the client's random nuid, and its per-request token.
	{regexp.MustCompile(`_INBOX\.[A-Za-z0-9]+(\.[A-Za-z0-9]+)?`), "_INBOX.<nuid>"},
	// Consumer names the client generates, in API subjects, ack and
	// flow-control subjects and JSON.
	{regexp.MustCompile(`(CONSUMER\.(?:CREATE|DELETE|INFO)\.[^.\s]+\.)[A-Za-z0-9]+`), "${1}<name>"},
	{regexp.MustCompile(`(\$JS\.(?:ACK|FC)\.[^.\s]+\.)[A-Za-z0-9]+`), "${1}<name>"},
	{regexp.MustCompile(`"name":"[A-Za-z0-9]{8}"`), `"name":"<name>"`},
	// The store time in ack subjects.
	{regexp.MustCompile(`(\$JS\.ACK\.[^.\s]+\.<name>\.\d+\.\d+\.\d+\.)\d+`), "${1}<ts>"},
	// Times in JSON and in direct-get headers.
	{regexp.MustCompile(`"(created|ts|first_ts|last_ts|time|last_active)":"[0-9]{4}-[^"]*"`), `"$1":"<time>"`},
	{regexp.MustCompile(`Nats-Time-Stamp: [^\r]*`), "Nats-Time-Stamp: <time>"},
	// The server's id, as stream infos name the leader.
	{regexp.MustCompile(`"leader":"[A-Z0-9]+"`), `"leader":"<id>"`},
	// INFO fields that name this server, this connection or the Go release.
	{regexp.MustCompile(`"(server_id|server_name|go|host)":"[^"]*"`), `"$1":"<masked>"`},
	// The server's per-start curve key for auth callouts, which jetsim
	// does not send (no KV call uses it; wire's INFO test drops it too).
	{regexp.MustCompile(`,"xkey":"[^"]*"`), ""},
	{regexp.MustCompile(`"(client_id|port)":\d+`), `"$1":<masked>`},
	// Byte counts change with the masked values' lengths.
	{regexp.MustCompile(`^((?:H?MSG|H?PUB) \S+ .*?) ([\d ]+)$`), "$1 <size>"},
}

func mask(s string) string {
	for _, m := range transcriptMasks {
		s = m.re.ReplaceAllString(s, m.repl)
	}
	return s
}

// tapLog records both directions of a connection, with step marks.
type tapLog struct {
	mu     sync.Mutex
	c2s    bytes.Buffer
	s2c    bytes.Buffer
	cMarks []int
	sMarks []int
}

func (l *tapLog) mark() {
	l.mu.Lock()
	l.cMarks = append(l.cMarks, l.c2s.Len())
	l.sMarks = append(l.sMarks, l.s2c.Len())
	l.mu.Unlock()
}

type tapConn struct {
	net.Conn
	l *tapLog
}

func (t *tapConn) Write(b []byte) (int, error) {
	t.l.mu.Lock()
	t.l.c2s.Write(b)
	t.l.mu.Unlock()
	return t.Conn.Write(b)
}

func (t *tapConn) Read(b []byte) (int, error) {
	n, err := t.Conn.Read(b)
	t.l.mu.Lock()
	t.l.s2c.Write(b[:n])
	t.l.mu.Unlock()
	return n, err
}

type tapProvider struct {
	p interface{ InProcessConn() (net.Conn, error) }
	l *tapLog
}

func (p tapProvider) InProcessConn() (net.Conn, error) {
	c, err := p.p.InProcessConn()
	if err != nil {
		return nil, err
	}
	return &tapConn{c, p.l}, nil
}

// frames cuts a protocol byte stream into masked frames: a control line
// with its payload, if any.
func frames(b []byte) []string {
	var out []string
	r := bufio.NewReader(bytes.NewReader(b))
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return out
		}
		line = strings.TrimRight(line, "\r\n")
		f := strings.Fields(line)
		size := 0
		if len(f) > 0 && slices.Contains([]string{"MSG", "HMSG", "PUB", "HPUB"}, f[0]) {
			size, _ = strconv.Atoi(f[len(f)-1])
		}
		frame := mask(line)
		if size > 0 || (len(f) > 0 && slices.Contains([]string{"MSG", "HMSG", "PUB", "HPUB"}, f[0])) {
			payload := make([]byte, size+2)
			if _, err := io.ReadFull(r, payload); err != nil {
				return out
			}
			frame += "\n" + mask(string(payload[:size]))
		}
		out = append(out, frame)
	}
}

// steps cuts a log into steps of client frames and sorted server frames.
// The INFO with "connect_info" that follows the first PONG belongs to the
// handshake, step 0, wherever it arrives: nats-server queues it after the
// PONG in a separate write (server/client.go: processPing), so it may come
// after nats.Connect has returned and the first step was marked.
func (l *tapLog) steps() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, s := l.c2s.Bytes(), l.s2c.Bytes()
	cm, sm := append(l.cMarks, len(c)), append(l.sMarks, len(s))
	server := make([][]string, len(cm))
	si := 0
	for i := range cm {
		for _, f := range frames(s[si:sm[i]]) {
			step := i
			if strings.HasPrefix(f, "INFO ") && strings.Contains(f, `"connect_info":true`) {
				step = 0
			}
			server[step] = append(server[step], f)
		}
		si = sm[i]
	}
	var out []string
	ci := 0
	for i := range cm {
		slices.Sort(server[i])
		out = append(out, "C> "+strings.Join(frames(c[ci:cm[i]]), "\nC> ")+"\nS> "+strings.Join(server[i], "\nS> "))
		ci = cm[i]
	}
	return out
}

// kvSession is the session both providers serve; mark separates steps.
func kvSession(t *testing.T, nc *nats.Conn, mark func()) {
	ctx := context.Background()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	mark()
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "b", History: 2, Storage: jetstream.MemoryStorage})
	require.NoError(t, err)
	mark()
	_, err = kv.PutString(ctx, "k", "v")
	require.NoError(t, err)
	mark()
	_, err = kv.Create(ctx, "k", []byte("x"))
	require.Error(t, err)
	mark()
	_, err = kv.Update(ctx, "k", []byte("y"), 1)
	require.NoError(t, err)
	mark()
	require.NoError(t, kv.Delete(ctx, "k"))
	_, err = kv.PutString(ctx, "k2", "v2")
	require.NoError(t, err)
	mark()
	_, err = kv.Get(ctx, "k2")
	require.NoError(t, err)
	_, err = kv.Get(ctx, "missing")
	require.ErrorIs(t, err, jetstream.ErrKeyNotFound)
	_, err = kv.GetRevision(ctx, "k2", 4)
	require.NoError(t, err)
	mark()
	w, err := kv.WatchAll(ctx)
	require.NoError(t, err)
	for e := range w.Updates() {
		if e == nil {
			break
		}
	}
	mark()
	_, err = kv.PutString(ctx, "k3", "v3")
	require.NoError(t, err)
	<-w.Updates()
	mark()
	require.NoError(t, w.Stop())
	mark()
	_, err = kv.Status(ctx)
	require.NoError(t, err)
	mark()
	for range js.KeyValueStoreNames(ctx).Name() {
	}
	for range js.KeyValueStores(ctx).Status() {
	}
	mark()
	_, err = kv.History(ctx, "k2")
	require.NoError(t, err)
	mark()
	keys, err := kv.Keys(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"k2", "k3"}, keys)
	mark()
	require.NoError(t, kv.PurgeDeletes(ctx))
	mark()
	_, err = js.KeyValue(ctx, "nope")
	require.ErrorIs(t, err, jetstream.ErrBucketNotFound)
	_, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "b", History: 3, Storage: jetstream.MemoryStorage})
	require.Error(t, err)
	mark()
	require.NoError(t, js.DeleteKeyValue(ctx, "b"))
	require.Error(t, js.DeleteKeyValue(ctx, "b"))
	mark()
	legacy, err := nc.JetStream()
	require.NoError(t, err)
	lkv, err := legacy.CreateKeyValue(&nats.KeyValueConfig{Bucket: "l", Storage: nats.MemoryStorage})
	require.NoError(t, err)
	_, err = lkv.PutString("a", "1")
	require.NoError(t, err)
	lw, err := lkv.WatchAll()
	require.NoError(t, err)
	<-lw.Updates()
	<-lw.Updates()
	require.NoError(t, lw.Stop())
	_, err = lkv.Get("a")
	require.NoError(t, err)
	mark()
}

func runTapped(t *testing.T, p interface{ InProcessConn() (net.Conn, error) }) []string {
	l := &tapLog{}
	nc, err := nats.Connect("", nats.InProcessServer(tapProvider{p, l}))
	require.NoError(t, err)
	kvSession(t, nc, l.mark)
	nc.Close()
	return l.steps()
}

func TestWireTranscript(t *testing.T) {
	srv, err := server.NewServer(&server.Options{JetStream: true, StoreDir: t.TempDir(), DontListen: true, NoLog: true, NoSigs: true})
	require.NoError(t, err)
	go srv.Start()
	t.Cleanup(func() {
		srv.Shutdown()
		srv.WaitForShutdown()
	})
	require.True(t, srv.ReadyForConnections(10*time.Second))
	want := runTapped(t, srv)
	m := memkv.New()
	t.Cleanup(m.Close)
	got := runTapped(t, m)
	require.Len(t, got, len(want))
	for i := range want {
		assert.Equal(t, want[i], got[i], "step %d: memkv (actual) differs from nats-server (expected)", i)
	}
	if t.Failed() {
		return
	}
	t.Log(fmt.Sprintf("%d steps identical", len(want)))
}
