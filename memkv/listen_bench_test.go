package memkv_test

import (
	"context"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetsim/jetsim/conformance"
	"github.com/jetsim/jetsim/memkv"
)

// The TCP benchmarks measure what code that dials a URL pays: nats.go's
// jetstream client over loopback TCP, to memkv.Listen ("jetsim") and to an
// embedded nats-server ("server"), in one run for the ratio:
//
//	go test -run '^$' -bench 'TCP' ./memkv

// overTCP runs bench as the sub-benchmarks "jetsim" and "server" on a new
// memory bucket of each.
func overTCP(b *testing.B, bench func(b *testing.B, kv jetstream.KeyValue)) {
	ctx := context.Background()
	for _, sys := range []struct {
		name string
		kvm  func(b *testing.B) jetstream.KeyValueManager
	}{
		{"jetsim", func(b *testing.B) jetstream.KeyValueManager {
			kvm := memkv.NewTest(b)
			url, err := kvm.Listen("127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			nc, err := nats.Connect(url)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(nc.Close)
			js, err := jetstream.New(nc)
			if err != nil {
				b.Fatal(err)
			}
			return js
		}},
		{"server", func(b *testing.B) jetstream.KeyValueManager { return conformance.ServerManager(b) }},
	} {
		b.Run(sys.name, func(b *testing.B) {
			kv, err := sys.kvm(b).CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "tcp", Storage: jetstream.MemoryStorage})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			bench(b, kv)
		})
	}
}

// BenchmarkTCPPut puts 100-byte values over TCP, cycling over 1000 keys.
func BenchmarkTCPPut(b *testing.B) {
	overTCP(b, func(b *testing.B, kv jetstream.KeyValue) {
		ctx := context.Background()
		for i := 0; b.Loop(); i++ {
			if _, err := kv.Put(ctx, keys1000[i%len(keys1000)], benchValue); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkTCPGet gets one of 1000 keys over TCP.
func BenchmarkTCPGet(b *testing.B) {
	overTCP(b, func(b *testing.B, kv jetstream.KeyValue) {
		ctx := context.Background()
		for _, k := range keys1000 {
			if _, err := kv.Put(ctx, k, benchValue); err != nil {
				b.Fatal(err)
			}
		}
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			if _, err := kv.Get(ctx, keys1000[i%len(keys1000)]); err != nil {
				b.Fatal(err)
			}
		}
	})
}
