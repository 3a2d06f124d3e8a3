package clients

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"
)

// target is a server the clients talk to over loopback TCP.
type target struct {
	name string // "nats-server" or "jetsim"
	url  string // nats://127.0.0.1:<port>
	// literal values that differ between servers and runs, replaced by their mask in every output
	literals map[string]string
}

// startReference starts an embedded nats-server with JetStream listening on a free port of
// 127.0.0.1, with opts applied to its options when not nil; it stops with the test.
func startReference(t *testing.T, opts func(*server.Options)) target {
	t.Helper()
	o := &server.Options{
		Host:      "127.0.0.1",
		Port:      -1,
		JetStream: true,
		StoreDir:  t.TempDir(),
		NoLog:     true,
		NoSigs:    true,
	}
	if opts != nil {
		opts(o)
	}
	s, err := server.NewServer(o)
	require.NoError(t, err)
	go s.Start()
	require.True(t, s.ReadyForConnections(10*time.Second), "nats-server did not start")
	t.Cleanup(func() {
		s.Shutdown()
		s.WaitForShutdown()
	})
	return newTarget(t, "nats-server", s.ClientURL(), o)
}

// jetsimURL is how cmd/jetsim announces where it listens.
var jetsimURL = regexp.MustCompile(`nats://[0-9.]+:[0-9]+`)

// startJetsim runs the cmd/jetsim binary on a free port of 127.0.0.1 with args added; it is
// stopped with SIGTERM (and waited for) when the test ends.
func startJetsim(t *testing.T, args ...string) target {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, jetsimBin, append([]string{"-a", "127.0.0.1", "-p", "0"}, args...)...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if u := jetsimURL.FindString(sc.Text()); u != "" {
				found <- u
				break
			}
		}
		for sc.Scan() { // keep draining so the binary never blocks on its stdout
		}
		close(found)
	}()
	select {
	case u, ok := <-found:
		if ok {
			return newTarget(t, "jetsim", u, options(args))
		}
	case <-time.After(20 * time.Second):
	}
	cancel()
	_ = cmd.Wait() // stderr is complete once Wait returns
	t.Fatalf("jetsim %v printed no URL; stderr: %s", args, stderr.String())
	return target{}
}

// options returns the server options that jetsim's args ask for (the credentials).
func options(args []string) *server.Options {
	o := &server.Options{}
	for i := 0; i+1 < len(args); i += 2 {
		switch args[i] {
		case "--user":
			o.Username = args[i+1]
		case "--pass":
			o.Password = args[i+1]
		case "--auth":
			o.Authorization = args[i+1]
		}
	}
	return o
}

// newTarget connects once, with the credentials of o, to learn the server's name and id, which
// outputs mask.
func newTarget(t *testing.T, name, url string, o *server.Options) target {
	t.Helper()
	var opts []nats.Option
	if o.Username != "" {
		opts = append(opts, nats.UserInfo(o.Username, o.Password))
	}
	if o.Authorization != "" {
		opts = append(opts, nats.Token(o.Authorization))
	}
	nc, err := nats.Connect(url, opts...)
	require.NoError(t, err, "connect to %s at %s", name, url)
	defer nc.Close()
	host := strings.TrimPrefix(url, "nats://")
	lit := map[string]string{
		nc.ConnectedServerId():   "<server-id>",
		nc.ConnectedServerName(): "<server-name>",
		url:                      "<url>",
		host:                     "<addr>",
	}
	delete(lit, "")
	return target{name: name, url: url, literals: lit}
}

// String names the target in failure messages.
func (tg target) String() string { return fmt.Sprintf("%s at %s", tg.name, tg.url) }
