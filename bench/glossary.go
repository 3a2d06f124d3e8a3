package main

// glossary explains the scenario names, row labels and systems of the
// table; the report carries it after the table.
const glossary = `Scenario names:

- Setup: a new system to a ready, empty bucket (for the server: starting it and connecting).
- Put, Create, Update, Delete: one call on a bucket of 1000 keys, cycling over them; Create makes new keys.
- Get: Get then Value() on the entry, as an app reads a key (for the limit: a map lookup and a copy of the value).
- History10: History of a key holding 10 revisions.
- Keys/keys=N: Keys of a bucket of N keys.
- PutParallel/goroutines=G throughput: Puts per second from G goroutines, each on its own keys.
- Heap/keys=N heap: live heap per key of a bucket of N keys with 100-byte values (the server's share includes its client's).
- FanOut/all/W=N: N watchers, every one on ">"; each put is delivered to all N.
- FanOut/own/W=N: N watchers, watcher i on "w<i>.>"; puts go round-robin, each to one watcher.
- deliveries/s: entries received by the watchers per second over a burst of puts, from the first put until the last watcher has its last entry.
- put → last watcher: in an idle bucket, from the start of one put until the last watcher it is for has it (the median of 5).
- WatchStart/keys=N: a watcher on ">" over N keys, from Watch until the end-of-initial-values marker.

Systems: memkv is this module; server is nats-server embedded in the process with memory storage, reached over loopback; limit is the least work in one process: a mutex-guarded map with a revision counter, and for watchers bare buffered channels, each put one shared entry handed to every watcher by pointer.
`
