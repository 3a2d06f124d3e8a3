// Package clients checks jetsim against clients nobody on the project wrote: the nats CLI
// (github.com/nats-io/natscli v0.5.0) and nats.js (@nats-io/kv with @nats-io/transport-node).
//
// It is a module of its own so that the CLI, node and nats-server stay out of the module graph of
// jetsim's users. Its tests start an embedded nats-server listening on 127.0.0.1 as the reference and
// the jetsim binary (cmd/jetsim) on another port, run the same client commands against both, and
// compare the outputs after masking what legitimately differs (see masks_test.go). .ci/clients
// installs the tools and runs them; a plain `go test ./...` here installs what is missing itself.
package clients
