package main

// glossary explains the scenario names, row labels and systems of the
// table; the report carries it after the table.
const glossary = `Scenario names:

- Setup: a new system to a ready, empty bucket. For memkv: New and CreateKeyValue. For the NATS systems: starting the server (memkv.New() for wire), nats.Connect, jetstream.New and CreateKeyValue (the client asks $JS.API.INFO, then creates the stream).
- Put, Create, Update, Delete: one call on a bucket of 1000 keys, cycling over them; Create makes new keys.
- Get: Get then Value() on the entry, as an app reads a key (for the limit: a map lookup and a copy of the value).
- History10: History of a key holding 10 revisions.
- Keys/keys=N: Keys of a bucket of N keys.
- PutParallel/goroutines=G throughput: Puts per second from G goroutines, each on its own keys.
- Heap/keys=N heap: live heap per key of a bucket of N keys with 100-byte values (for the NATS systems the share of the client's connection is included).
- FanOut/all/W=N: N watchers, every one on ">"; each put is delivered to all N. For the NATS systems the N watchers are N KV Watch calls on the bucket's one connection, as in an app (one ordered push consumer and one subscription each), and the puts go through the same connection.
- FanOut/own/W=N: N watchers, watcher i on "w<i>.>"; puts go round-robin, each to one watcher.
- deliveries/s: entries received by the watchers per second over a burst of puts, from the first put until the last watcher has its last entry.
- put → last watcher: in an idle bucket, from the start of one put until the last watcher it is for has it (the median of 5).
- WatchStart/keys=N: a watcher on ">" over N keys, from Watch until the end-of-initial-values marker.

Systems:

- memkv: this module through its Go API (memkv.New() as a jetstream.KeyValueManager).
- wire: this module through its wire door: nats.Connect("", nats.InProcessServer(memkv.New())) and jetstream.New(nc), so nats.go's own client code over a net.Pipe.
- server-inproc: nats-server embedded with JetStream (memory storage) and DontListen, reached the same way: nats.InProcessServer(server) and jetstream.New(nc).
- server: the same nats-server, listening on loopback TCP.
- limit: the least work in one process: a mutex-guarded map with a revision counter, and for watchers bare buffered channels, each put one shared entry handed to every watcher by pointer.
- wire-limit: the least a call can cost through nats.go in process: the same client code against a responder over net.Pipe that does no work and answers each request with a canned reply (a PubAck for Put, Create, Update and Delete, a direct-get HMSG with a 100-byte value for Get). It serves only those five scenarios and Setup (INFO, the account info and the stream create answered the same way): its figure is the client's own cost.

Every NATS system (wire, server-inproc, server, wire-limit) runs the same client code: each bucket has its own connection carrying its calls and its watchers.
`
