package memkv_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/memkv"
)

// Close ends the manager's goroutines, the one behind a ListKeys too: a
// lister nobody reads, with more keys than its channel holds, leaves its
// goroutine waiting to hand over a key until Close.
func TestCloseEndsUnreadListKeys(t *testing.T) {
	ctx := context.Background()
	m := memkv.New()
	kv, err := m.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "LK"})
	require.NoError(t, err)
	for i := range 300 {
		_, err := kv.PutString(ctx, fmt.Sprint("k", i), "v")
		require.NoError(t, err)
	}
	_, err = kv.ListKeys(ctx)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return listers() == 1 }, 5*time.Second, time.Millisecond, "the lister waits for a reader")
	m.Close()
	assert.Eventually(t, func() bool { return listers() == 0 }, 5*time.Second, time.Millisecond, "Close ends the lister's goroutine")
}

// listers counts the goroutines of memkv's ListKeys that are running.
func listers() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), "memkv.listKeys.func")
}
