// Package watch runs KV watchers over a stream: the key watcher of nats.go
// (jetstream/kv.go: WatchFiltered) on top of the ordered consumer the
// server would run for it. A watcher owns one goroutine that moves entries
// from a stream.Consumer cursor into a channel of 256; the writer never
// waits for it, and a slow reader costs no memory because the cursor only
// remembers where it is.
//
// Entries are of any type E, made by a Decoder, so that one watcher serves
// the jetstream package's KeyValueEntry and the legacy nats.KeyValueEntry.
// The zero E is the "initial values done" marker, sent exactly where the
// client sends its nil.
package watch
