// Command jetsim serves an in-memory JetStream Key/Value store over the NATS
// protocol on TCP, so that programs in any language, the nats CLI and code
// that only takes a URL can use jetsim instead of a nats-server:
//
//	jetsim -p 4222
//	nats kv add demo && nats kv put demo k v
//
// Its flags are a subset of nats-server's: -a/--addr, -p/--port (0 or -1
// for a free port), --user and --pass, --auth (a token). It prints the URL
// clients dial on its first line, and stops on SIGINT or SIGTERM. Nothing is
// kept after it stops.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, stop))
}
