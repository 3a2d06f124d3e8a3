package stream_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/stream"
)

const benchSubjects = 100_000

// benchKeys returns n KV-shaped subjects $KV.B.key000000 ….
func benchKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("$KV.B.key%06d", i)
	}
	return keys
}

func benchStream(b *testing.B, history int64) *stream.Stream {
	s, err := stream.New(kvConfig("B", history), nil)
	require.NoError(b, err)
	b.Cleanup(s.Close)
	return s
}

// BenchmarkStore stores 16-byte values round-robin over 100k subjects.
func BenchmarkStore(b *testing.B) {
	for _, history := range []int64{1, 64} {
		b.Run(fmt.Sprintf("history=%d", history), func(b *testing.B) {
			keys := benchKeys(benchSubjects)
			s := benchStream(b, history)
			val := make([]byte, 16)
			for _, k := range keys {
				_, _ = s.Store(k, nil, val)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := s.Store(keys[i%benchSubjects], nil, val); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLastMsg reads the newest message of one of 100k subjects.
func BenchmarkLastMsg(b *testing.B) {
	keys := benchKeys(benchSubjects)
	s := benchStream(b, 1)
	val := make([]byte, 16)
	for _, k := range keys {
		_, _ = s.Store(k, nil, val)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.LastMsg(keys[i%benchSubjects]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkConsumerDelivery measures how fast a consumer delivers stored
// messages: 1M messages over 100k subjects (16-byte values), read by
// consumers filtered on the whole bucket, one after the other.
func BenchmarkConsumerDelivery(b *testing.B) {
	const stored = 1_000_000
	keys := benchKeys(benchSubjects)
	s := benchStream(b, 64)
	val := make([]byte, 16)
	for i := 0; i < stored; i++ {
		_, _ = s.Store(keys[i%benchSubjects], nil, val)
	}
	cfg := stream.ConsumerConfig{FilterSubjects: []string{"$KV.B.>"}, DeliverPolicy: stream.DeliverAll}
	c, err := s.NewConsumer(cfg)
	require.NoError(b, err)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m, _, err := c.Next()
		if err != nil {
			b.Fatal(err)
		}
		if m.Seq == 0 { // read them all: start over
			b.StopTimer()
			c.Close()
			c, err = s.NewConsumer(cfg)
			require.NoError(b, err)
			b.StartTimer()
			i--
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	c.Close()
}

// heapForSubjects returns the heap a stream holds with n subjects of one
// 100-byte message each.
func heapForSubjects(t testing.TB, n int) (uint64, *stream.Stream) {
	keys := benchKeys(n)
	val := make([]byte, 100)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s, err := stream.New(kvConfig("B", 1), nil)
	require.NoError(t, err)
	for _, k := range keys {
		if _, err := s.Store(k, nil, val); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	return after.HeapAlloc - before.HeapAlloc, s
}

// BenchmarkMemory100kSubjects reports the heap of a stream holding 100k
// subjects × one 100-byte message (target ≤ 28 MiB).
func BenchmarkMemory100kSubjects(b *testing.B) {
	b.ReportAllocs()
	var heap uint64
	for i := 0; i < b.N; i++ {
		var s *stream.Stream
		heap, s = heapForSubjects(b, benchSubjects)
		runtime.KeepAlive(s)
		s.Close()
	}
	b.ReportMetric(float64(heap)/(1<<20), "MiB")
}

func TestMemory100kSubjects(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 100k messages")
	}
	heap, s := heapForSubjects(t, benchSubjects)
	defer s.Close()
	t.Logf("heap for %d subjects × 100 bytes: %.1f MiB", benchSubjects, float64(heap)/(1<<20))
	if !raceEnabled {
		// The target was 28 MiB; 26 guards the 25.0 reached since (subject
		// states in the tree's nodes, no list for a single message).
		require.LessOrEqual(t, heap, uint64(26<<20), "a regression from 25.0 MiB (target: 28 MiB)")
	}
	require.Equal(t, uint64(benchSubjects), s.State().Msgs)
}
