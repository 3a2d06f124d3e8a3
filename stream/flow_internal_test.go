package stream

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestParkedConsumerCostsWritersNothing checks what makes a stalled
// consumer O(1) for writers: past its window it is off the stream's index
// (stores and removals do not visit it) and not counted among the cursors
// removals must serve, and its reader puts it back.
func TestParkedConsumerCostsWritersNothing(t *testing.T) {
	s, err := New(Config{Name: "KV_W", Subjects: []string{"$KV.W.>"}, Storage: MemoryStorage, MaxMsgsPerSubject: 1}, nil)
	require.NoError(t, err)
	t.Cleanup(s.Close)
	c, err := s.NewConsumer(ConsumerConfig{DeliverPolicy: DeliverNew, MaxPendingBytes: 16_000})
	require.NoError(t, err)
	_, _, err = c.Next() // caught up: live
	require.NoError(t, err)
	indexed := func() int {
		n := 0
		s.consumers.Walk(func(_ string, cs []*Consumer) bool { n += len(cs); return true })
		return n
	}
	data := []byte(strings.Repeat("v", 90))
	for range 100 {
		_, err := s.Store("$KV.W.k", nil, data)
		require.NoError(t, err)
	}
	s.mu.Lock()
	require.Equal(t, 0, indexed(), "parked: off the index")
	require.Equal(t, 0, s.cursors)
	require.Len(t, s.parked, 1)
	require.Equal(t, 11, c.queue.len(), "what it pushed before the window filled")
	s.mu.Unlock()

	for range 6 {
		_, _, err := c.Next()
		require.NoError(t, err)
	}
	s.mu.Lock()
	require.Equal(t, 1, indexed(), "acknowledged: back on the index")
	require.Equal(t, 1, s.cursors, "as a cursor")
	require.Empty(t, s.parked)
	s.mu.Unlock()
}

// TestDigits checks digits against strconv at every power of ten and
// either side of it.
func TestDigits(t *testing.T) {
	check := func(n uint64) {
		require.Equal(t, len(strconv.FormatUint(n, 10)), digits(n), "%d", n)
	}
	check(0)
	check(^uint64(0))
	for p := uint64(1); p <= 1e19; p *= 10 {
		check(p - 1)
		check(p)
		check(p + 1)
		if p == 1e19 {
			break
		}
	}
}
