// Package memkv is an in-memory, drop-in NATS JetStream Key/Value store.
//
// New returns a Manager that satisfies nats.go's jetstream.KeyValueManager;
// its buckets satisfy jetstream.KeyValue, and Manager.Legacy gives the
// older nats.KeyValueManager / nats.KeyValue API. Revisions, values,
// Delta(), watch order, the nil marker, limit markers, Status() figures and
// error values are those of nats-server v2.15 seen through nats.go v1.55,
// so code written against a real server runs unchanged against memkv, in
// process and without a network.
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
// plays a server restart.
package memkv
