package conformance

import (
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// TestServer runs the suite against an embedded nats-server, one server per
// subtest. It proves that every assertion in the suite holds for the real
// server. When NATS_URL is set, it runs the suite against that server too
// (subtest "NATS_URL"): every case deletes the account's KV buckets first,
// and the timed cases run one after another, so point it at a scratch
// server or account.
func TestServer(t *testing.T) {
	Run(t, func(t *testing.T) jetstream.KeyValueManager { return ServerManager(t) })
	if url := os.Getenv("NATS_URL"); url != "" {
		t.Run("NATS_URL", func(t *testing.T) {
			Run(t, func(t *testing.T) jetstream.KeyValueManager { return URLManager(t, url) },
				WithSleep(time.Sleep)) // one after another: the cases share an account
		})
	}
}
