package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"

	"github.com/jetsim/jetsim/memkv"
	"github.com/jetsim/jetsim/wire"
)

const usage = `Usage: jetsim [-a host] [-p port] [--user user --pass password | --auth token]

  -a, --addr, --net host  bind to host address (default 127.0.0.1)
  -p, --port port         use port for clients, 0 or -1 for any free port (default 4222)
      --user user         user required for connections
      --pass password     password required for connections
      --auth token        authorization token required for connections

jetsim serves an in-memory JetStream Key/Value store; nothing is kept after it stops.
`

// errReported is a command line error already printed.
var errReported = errors.New("bad command line")

// config is what the command line asks for.
type config struct {
	host, user, pass, token string
	port                    int
}

// parse reads nats-server's names for the flags jetsim has (server/opts.go:
// ConfigureOptions): -a/--addr/--net, -p/--port, --user, --pass, --auth.
func parse(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("jetsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	for _, name := range []string{"a", "addr", "net"} {
		fs.StringVar(&c.host, name, "127.0.0.1", "bind to host address")
	}
	for _, name := range []string{"p", "port"} {
		fs.IntVar(&c.port, name, 4222, "use port for clients (0 or -1: any free port)")
	}
	fs.StringVar(&c.user, "user", "", "user required for connections")
	fs.StringVar(&c.pass, "pass", "", "password required for connections")
	fs.StringVar(&c.token, "auth", "", "authorization token required for connections")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return c, err
		}
		return c, errReported // the flag package printed it, with the usage
	}
	switch {
	case fs.NArg() > 0:
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case c.token != "" && (c.user != "" || c.pass != ""):
		return c, fmt.Errorf("--auth and --user/--pass exclude each other")
	case c.pass != "" && c.user == "":
		return c, fmt.Errorf("--pass needs --user")
	case c.port < -1 || c.port > 65535:
		return c, fmt.Errorf("invalid port %d", c.port)
	}
	if c.port == -1 {
		c.port = 0
	}
	return c, nil
}

// run serves until stop delivers, and returns the exit status.
func run(args []string, stdout, stderr io.Writer, stop <-chan os.Signal) int {
	c, err := parse(args, stderr)
	if err == flag.ErrHelp {
		return 0
	}
	if err != nil {
		if err != errReported {
			fmt.Fprintln(stderr, "jetsim:", err)
		}
		return 2
	}
	var opts []wire.ListenOption
	switch {
	case c.token != "":
		opts = append(opts, wire.WithToken(c.token))
	case c.user != "":
		opts = append(opts, wire.WithUserPassword(c.user, c.pass))
	}
	if w := warning(c); w != "" {
		fmt.Fprintln(stderr, w)
	}
	kvm := memkv.New()
	defer kvm.Close()
	url, err := kvm.Listen(net.JoinHostPort(c.host, strconv.Itoa(c.port)), opts...)
	if err != nil {
		fmt.Fprintln(stderr, "jetsim:", err)
		return 1
	}
	fmt.Fprintf(stdout, "jetsim listening on %s\n", url)
	<-stop
	return 0
}

// warning returns what to tell someone who serves every bucket, unguarded,
// beyond this machine, or "".
func warning(c config) string {
	if c.user != "" || c.token != "" || loopback(c.host) {
		return ""
	}
	return fmt.Sprintf("jetsim: warning: listening on %s with no authentication: anyone who can reach it can read and change every bucket (use --user/--pass or --auth)", c.host)
}

// loopback reports whether host only takes connections from this machine.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
