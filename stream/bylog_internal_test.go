package stream

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// TestLogConsumerAsQueue checks that a caught-up consumer reading the
// stream's log by position (byLog) delivers exactly what the same consumer
// given a queue of its own by the writer does, pending counts included:
// under stores, reads, removals by history and purges of messages pushed
// but not read, and stalls of its flow-control window.
func TestLogConsumerAsQueue(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		history := int64(rapid.IntRange(1, 3).Draw(t, "history"))
		s, err := New(Config{Name: "KV_L", Subjects: []string{"$KV.L.>"}, Storage: MemoryStorage, MaxMsgsPerSubject: history}, nil)
		require.NoError(t, err)
		defer s.Close()
		keys := []string{"a", "b", "c.x", "c.y"}
		store := func(t *rapid.T) {
			k := rapid.SampledFrom(keys).Draw(t, "key")
			_, err := s.Store("$KV.L."+k, nil, []byte(strings.Repeat("v", rapid.IntRange(0, 200).Draw(t, "size"))))
			require.NoError(t, err)
		}
		for range rapid.IntRange(0, 10).Draw(t, "before") {
			store(t)
		}
		policy := rapid.SampledFrom([]DeliverPolicy{DeliverAll, DeliverLastPerSubject, DeliverNew}).Draw(t, "policy")
		cfg := ConsumerConfig{FilterSubjects: []string{"$KV.L.>"}, DeliverPolicy: policy, MaxPendingBytes: 16 * 500}
		byLog, err := s.NewConsumer(cfg)
		require.NoError(t, err)
		queued, err := s.NewConsumer(cfg)
		require.NoError(t, err)
		require.True(t, byLog.byLog)
		s.mu.Lock()
		queued.byLog = false
		s.mu.Unlock()
		take := func(n int) {
			for ; n > 0; n-- {
				want, wp, err := queued.Next()
				require.NoError(t, err)
				got, gp, err := byLog.Next()
				require.NoError(t, err)
				require.Equal(t, want.Seq, got.Seq)
				require.Equal(t, wp, gp, "pending of %d", got.Seq)
				require.Equal(t, queued.Position(), byLog.Position())
				if got.Seq == 0 {
					return
				}
			}
		}
		for range rapid.IntRange(0, 200).Draw(t, "ops") {
			switch rapid.IntRange(0, 9).Draw(t, "op") {
			case 0:
				_, err := s.Purge(PurgeRequest{Subject: "$KV.L." + rapid.SampledFrom(keys).Draw(t, "purged")})
				require.NoError(t, err)
			case 1, 2:
				take(rapid.IntRange(1, 50).Draw(t, "read"))
			default:
				store(t)
			}
		}
		take(1 << 30)
		s.mu.Lock()
		defer s.mu.Unlock()
		require.Zero(t, s.unread, "nothing left unread")
	})
}
