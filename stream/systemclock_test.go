package stream_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/jetsim/jetsim/stream"
)

// TestSystemClock: a SystemClock reads the current time, its zero value
// too, and inside a synctest bubble it reads the bubble's time, whether
// it was made inside the bubble or before it.
func TestSystemClock(t *testing.T) {
	for name, c := range map[string]stream.SystemClock{"new": stream.NewSystemClock(), "zero": {}} {
		before := time.Now()
		got, nano := c.Now(), c.UnixNano()
		after := time.Now()
		assert.WithinRange(t, got, before.Add(-time.Millisecond), after.Add(time.Millisecond), name)
		assert.WithinRange(t, time.Unix(0, nano), before.Add(-time.Millisecond), after.Add(time.Millisecond), name)
	}
	outside := stream.NewSystemClock()
	synctest.Test(t, func(t *testing.T) {
		inside := stream.NewSystemClock()
		time.Sleep(time.Hour)
		now := time.Now()
		assert.True(t, inside.Now().Equal(now), "made in the bubble: %v, want %v", inside.Now(), now)
		assert.True(t, outside.Now().Equal(now), "made before the bubble: %v, want %v", outside.Now(), now)
		assert.Equal(t, now.UnixNano(), inside.UnixNano())
		assert.Equal(t, now.UnixNano(), outside.UnixNano())
	})
}
