package clients

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/stretchr/testify/require"
)

// TestNatsJS runs node/kv.mjs (nats.js: create a bucket, put, create, update, get, watch with
// live updates, delete, purge, history, keys, status, list, destroy) against both servers.
func TestNatsJS(t *testing.T) {
	compare(t, func(t *testing.T, tg target) string {
		return natsJS(t, tg.url)
	})
}

// TestNatsJSAuth runs the same session with a user and password, against nats-server with that
// user and `jetsim --user --pass`.
func TestNatsJSAuth(t *testing.T) {
	compareWith(t, func(o *server.Options) { o.Username, o.Password = "js", "pw" }, []string{"--user", "js", "--pass", "pw"},
		func(t *testing.T, tg target) string {
			return natsJS(t, tg.url, "js", "pw")
		})
}

// natsJS runs node/kv.mjs against url, with a user and password when given, and returns its
// output.
func natsJS(t *testing.T, url string, userPass ...string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{filepath.Join(nodeDir, "kv.mjs"), url, "js"}, userPass...)...)
	cmd.Dir = nodeDir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "node kv.mjs on %s:\n%s", url, out)
	return string(out)
}
