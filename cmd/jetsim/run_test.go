package main

import (
	"bufio"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want config
		err  string
	}{
		{name: "defaults", want: config{host: "127.0.0.1", port: 4222}},
		{name: "short flags", args: []string{"-a", "::1", "-p", "0"}, want: config{host: "::1"}},
		{name: "long flags", args: []string{"--addr", "localhost", "--port", "5000"}, want: config{host: "localhost", port: 5000}},
		{name: "-1 is any port", args: []string{"-p", "-1"}, want: config{host: "127.0.0.1"}},
		{name: "user and password", args: []string{"--user", "u", "--pass", "p"}, want: config{host: "127.0.0.1", port: 4222, user: "u", pass: "p"}},
		{name: "token", args: []string{"--auth", "t"}, want: config{host: "127.0.0.1", port: 4222, token: "t"}},
		{name: "token and user", args: []string{"--auth", "t", "--user", "u"}, err: "exclude each other"},
		{name: "password alone", args: []string{"--pass", "p"}, err: "--pass needs --user"},
		{name: "bad port", args: []string{"-p", "70000"}, err: "invalid port 70000"},
		{name: "stray argument", args: []string{"serve"}, err: `unexpected argument "serve"`},
		{name: "unknown flag", args: []string{"--js"}, err: "bad command line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parse(tc.args, io.Discard)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestWarning(t *testing.T) {
	for host, warns := range map[string]bool{
		"127.0.0.1": false, "127.0.0.2": false, "::1": false, "localhost": false,
		"0.0.0.0": true, "": true, "::": true, "192.0.2.1": true, "example.com": true,
	} {
		require.Equal(t, warns, warning(config{host: host}) != "", "host %q", host)
		require.Empty(t, warning(config{host: host, user: "u"}), "with a user, host %q", host)
		require.Empty(t, warning(config{host: host, token: "t"}), "with a token, host %q", host)
	}
}

// TestRun serves on a free port of loopback with credentials, prints the
// URL first, refuses a client without them and stops on SIGTERM, closing
// the port.
func TestRun(t *testing.T) {
	out, w := io.Pipe()
	var stderr strings.Builder
	stop := make(chan os.Signal, 1)
	status := make(chan int, 1)
	go func() {
		status <- run([]string{"-p", "0", "--user", "u", "--pass", "p"}, w, &stderr, stop)
		_ = w.Close()
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	require.Regexp(t, `^jetsim listening on nats://127\.0\.0\.1:\d+\n$`, line)
	url := strings.TrimSpace(strings.TrimPrefix(line, "jetsim listening on "))

	_, err = nats.Connect(url, nats.NoReconnect())
	require.ErrorIs(t, err, nats.ErrAuthorization)
	nc, err := nats.Connect(url, nats.UserInfo("u", "p"))
	require.NoError(t, err)
	defer nc.Close()
	require.NoError(t, nc.Flush())

	stop <- syscall.SIGTERM
	select {
	case code := <-status:
		require.Equal(t, 0, code)
	case <-time.After(10 * time.Second):
		t.Fatal("jetsim did not stop on SIGTERM")
	}
	_, err = net.Dial("tcp", strings.TrimPrefix(url, "nats://"))
	require.Error(t, err, "the port is closed")
	require.Empty(t, stderr.String(), "no warning on loopback")
}

func TestRunBadFlags(t *testing.T) {
	var stderr strings.Builder
	require.Equal(t, 2, run([]string{"--auth", "t", "--user", "u"}, io.Discard, &stderr, nil))
	require.Contains(t, stderr.String(), "jetsim: --auth and --user/--pass exclude each other")

	stderr.Reset()
	require.Equal(t, 2, run([]string{"--js"}, io.Discard, &stderr, nil))
	require.Equal(t, "flag provided but not defined: -js\n"+usage, stderr.String())

	stderr.Reset()
	require.Equal(t, 0, run([]string{"-h"}, io.Discard, &stderr, nil))
	require.Equal(t, usage, stderr.String())
}
