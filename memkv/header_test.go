package memkv

import (
	"math"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/jetsim/jetsim/stream"
)

// TestExpectRevision: the header Create and Update send is byte for byte
// the one the generic encoder (and the client) writes.
func TestExpectRevision(t *testing.T) {
	for _, rev := range []uint64{0, 1, 9, 10, 12345, math.MaxUint64} {
		want := stream.EncodeHeader(expectedSeq, strconv.FormatUint(rev, 10))
		assert.Equal(t, string(want), string(expectRevision(rev)), "revision %d", rev)
	}
}
