package conformance

import (
	"os"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
)

// TestServer runs the suite against an embedded nats-server, one server per
// subtest. It proves that every assertion in the suite holds for the real
// server. When JETSIM_CONFORMANCE_URL (URLEnv) is set, it also runs the
// suite against that server (subtest "url", see RunURL), which refuses an
// account that already holds KV buckets. NATS_URL is not read.
func TestServer(t *testing.T) {
	Run(t, func(t *testing.T) jetstream.KeyValueManager { return ServerManager(t) })
	if url := os.Getenv(URLEnv); url != "" {
		t.Run("url", func(t *testing.T) { RunURL(t, url) })
	}
}
