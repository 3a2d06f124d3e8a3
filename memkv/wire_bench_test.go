package memkv_test

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetsim/jetsim/memkv"
)

// The wire benchmarks measure nats.go's own client over an in-process
// connection, to memkv (sub-benchmark jetsim) and to an in-process
// nats-server with memory storage (server), so that one run gives the
// ratio:
//
//	go test -run '^$' -bench 'Wire' ./memkv

// wireBucket returns a bucket of nats.go's client connected in process to
// jetsim or to nats-server.
func benchWireBucket(b *testing.B, sys string) jetstream.KeyValue {
	b.Helper()
	var p interface{ InProcessConn() (net.Conn, error) }
	switch sys {
	case "jetsim":
		m := memkv.New()
		b.Cleanup(m.Close)
		p = m
	default:
		s, err := server.NewServer(&server.Options{JetStream: true, StoreDir: b.TempDir(), DontListen: true, NoLog: true, NoSigs: true})
		if err != nil {
			b.Fatal(err)
		}
		go s.Start()
		b.Cleanup(func() {
			s.Shutdown()
			s.WaitForShutdown()
		})
		if !s.ReadyForConnections(10 * time.Second) {
			b.Fatal("server not ready")
		}
		p = s
	}
	nc, err := nats.Connect("", nats.InProcessServer(p))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		b.Fatal(err)
	}
	kv, err := js.CreateKeyValue(context.Background(), jetstream.KeyValueConfig{Bucket: "bench", Storage: jetstream.MemoryStorage})
	if err != nil {
		b.Fatal(err)
	}
	return kv
}

func BenchmarkWirePut(b *testing.B) {
	for _, sys := range []string{"jetsim", "server"} {
		b.Run(sys, func(b *testing.B) {
			kv := benchWireBucket(b, sys)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := kv.Put(ctx, "k", benchValue); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkWireGet(b *testing.B) {
	for _, sys := range []string{"jetsim", "server"} {
		b.Run(sys, func(b *testing.B) {
			kv := benchWireBucket(b, sys)
			ctx := context.Background()
			if _, err := kv.Put(ctx, "k", benchValue); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := kv.Get(ctx, "k"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkWireFanOut measures one delivery to a watcher over the wire:
// 100 watchers of the whole bucket on one connection, and a writer that
// puts while they read; an op is one put seen by every watcher, reported
// per delivery.
func BenchmarkWireFanOut(b *testing.B) {
	const watchers = 100
	for _, sys := range []string{"jetsim", "server"} {
		b.Run(sys, func(b *testing.B) {
			kv := benchWireBucket(b, sys)
			ctx := context.Background()
			done := make(chan struct{}, watchers)
			var last atomic.Uint64
			for range watchers {
				w, err := kv.WatchAll(ctx, jetstream.UpdatesOnly())
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { _ = w.Stop() })
				go func() {
					for e := range w.Updates() {
						if e != nil && e.Revision() == last.Load() {
							done <- struct{}{}
						}
					}
				}()
			}
			b.ReportAllocs()
			b.ResetTimer()
			var rev uint64
			for range b.N {
				var err error
				if rev, err = kv.Put(ctx, "k", benchValue); err != nil {
					b.Fatal(err)
				}
			}
			// One more put, whose revision the watchers know beforehand:
			// the stream's next sequence.
			last.Store(rev + 1)
			if _, err := kv.Put(ctx, "k", benchValue); err != nil {
				b.Fatal(err)
			}
			for range watchers {
				<-done
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*watchers), "ns/delivery")
		})
	}
}
