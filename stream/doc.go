// Package stream is an in-process JetStream stream: the storage engine under
// a KV bucket. It speaks JetStream, not KV: messages on subjects with
// headers, sequences that are never reused, the limits of a stream config
// (MaxMsgsPerSubject, MaxMsgs, MaxBytes, MaxMsgSize, MaxAge, Discard),
// rollups, per-message TTLs with subject delete markers, de-duplication,
// and ordered consumers that report num_pending as the server does.
//
// Rules follow nats-server v2.15 and its memory store (server/memstore.go)
// rule for rule; each rule names its place in the server source. A Stream
// is safe for concurrent use: one mutex per stream, held briefly, and never
// across a channel send or a call into user code.
package stream
