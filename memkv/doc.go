// Package memkv is an in-memory, drop-in NATS JetStream Key/Value store for
// tests: no server process, no network.
//
// In a test, call NewTest(t) (or New() outside one) and hand the Manager to
// the code that takes a jetstream.KeyValueManager where production code
// passes jetstream.New(nc); its buckets are jetstream.KeyValue. NewTest
// fails the test if a watcher is left running, and cleans up when the test
// ends. Code written for the older API takes Manager.Legacy(), a
// nats.KeyValueManager.
//
// To test TTLs without sleeping, create a FakeClock with NewFakeClock, pass
// it to New with WithClock, and move time with FakeClock.Advance. Inject
// makes calls fail (Fault), DropWatchers ends watchers as a lost connection
// would, and Dump, Watchers and Sync look inside.
//
// Revisions, values, Delta(), watch order, the nil marker, limit markers,
// Status() figures and errors are those of nats-server v2.15.3 seen through
// nats.go v1.56.0, as specified in the repository's SEMANTICS.md.
//
// Each bucket is a stream.Stream (package stream) named KV_<bucket> with
// subjects $KV.<bucket>.>; watchers are package watch cursors over it.
//
// A Manager also speaks the NATS protocol: nats.Connect("",
// nats.InProcessServer(m)) connects nats.go's own clients (jetstream.New
// and the legacy nc.JetStream()) to a package wire server over the
// manager's streams. Streams are held by name, so a bucket made through
// either door is the same bucket through the other, and a stream created
// over the wire with any name and subjects exists too. DropConnections
// plays a server restart, RefuseConnections a server that is down, and
// SetJetStream(false) a server without JetStream; Inject's faults reach
// the wire's requests too.
package memkv
