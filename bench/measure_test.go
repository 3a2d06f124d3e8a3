package main

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMeasureTakesTurns checks that measure runs the systems' rounds in
// turn, gives a system whose one operation fills a round longRounds
// rounds, and keeps measuring the others when one fails.
func TestMeasureTakesTurns(t *testing.T) {
	var order []string
	sc := scenario{name: "S", figures: []figure{perOp}, prepare: func(_ context.Context, k kind, _ system) (*fixture, error) {
		return &fixture{close: func() error { return nil }, run: func(_ context.Context, n int) (sample, error) {
			switch k.name {
			case "limit":
				order = append(order, "limit/"+strconv.Itoa(n))
				return sample{ops: n, elapsed: time.Duration(n) * time.Microsecond}, nil
			case "memkv": // one operation fills the round
				order = append(order, "memkv/"+strconv.Itoa(n))
				return sample{ops: n, elapsed: 2 * time.Millisecond}, nil
			}
			return sample{}, errors.New("broken")
		}}, nil
	}}
	systems := make([]system, len(kinds))
	for _, name := range []string{"memkv", "limit", "wire"} {
		systems[kindIndex(name)] = limitSystem{}
	}
	results, errs := measure(context.Background(), sc, systems, time.Millisecond, 5)
	require.NotNil(t, results[kindIndex("memkv")])
	require.NotNil(t, results[kindIndex("limit")])
	assert.Nil(t, results[kindIndex("wire")])
	assert.Error(t, errs[kindIndex("wire")])
	assert.Equal(t, []string{
		"memkv/1",                            // calibrated: one run is over the budget
		"limit/1", "limit/100", "limit/1200", // calibrated as testing.B's predictN
		"memkv/1", "limit/1200", "memkv/1", "limit/1200", "memkv/1", "limit/1200", // in turn
		"limit/1200", "limit/1200", // memkv has its longRounds
	}, order)
	assert.Equal(t, 1000.0, results[kindIndex("limit")].values[0], "ns/op")
}
