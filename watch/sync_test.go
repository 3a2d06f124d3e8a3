package watch

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/stream"
)

// TestWaitSyncedWhileInline: a writer handing a message over inline (with
// a slow decoder) arms the consumer before it sends; a second store then
// signals the watcher's goroutine, which takes the second message while
// the first writer finishes. WaitSynced for the second message must not
// return before both are in the channel. (Found in review: WaitSynced
// returned early every time before the fix; the sleeps only open the
// window, the assertion holds whatever the timing.)
func TestWaitSyncedWhileInline(t *testing.T) {
	for range 20 {
		s := newKV(t, 1)
		slow := func(d *stream.Delivery) (*ent, bool) {
			e, del := decode(d)
			time.Sleep(2 * time.Millisecond)
			return e, del
		}
		w, err := Start(context.Background(), s, Options{UpdatesOnly: true}, slow)
		require.NoError(t, err)
		require.NoError(t, w.WaitSynced(context.Background(), 0))
		done := make(chan struct{})
		go func() {
			defer close(done)
			store(t, s, "a", nil, "1")
		}()
		time.Sleep(500 * time.Microsecond) // the first writer is inside its hand-over
		seq := store(t, s, "b", nil, "2")
		<-done
		time.Sleep(500 * time.Microsecond)
		require.NoError(t, w.WaitSynced(context.Background(), seq))
		require.Len(t, w.Updates(), 2, "WaitSynced(%d) returned before both entries were sent", seq)
		require.NoError(t, w.Stop())
	}
}
