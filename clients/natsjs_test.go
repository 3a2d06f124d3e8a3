package clients

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestNatsJS runs node/kv.mjs (nats.js: create a bucket, put, create, update, get, watch with
// live updates, delete, purge, history, keys, status, list, destroy) against both servers.
func TestNatsJS(t *testing.T) {
	compare(t, func(t *testing.T, tg target) string {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, "node", filepath.Join(nodeDir, "kv.mjs"), tg.url, "js")
		cmd.Dir = nodeDir
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "node kv.mjs on %s:\n%s", tg, out)
		return string(out)
	})
}
