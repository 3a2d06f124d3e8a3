package clients

import (
	"strings"
	"testing"

	"github.com/nats-io/nats-server/v2/server"
)

// TestNatsCLIAuth: nats-server started with a user and password and `jetsim --user --pass`
// answer the CLI alike with the right, wrong and no credentials; the same for a token
// (`nats-server --auth`, `jetsim --auth`).
func TestNatsCLIAuth(t *testing.T) {
	t.Run("user and password", func(t *testing.T) {
		compareWith(t, func(o *server.Options) { o.Username, o.Password = "app", "secret" }, []string{"--user", "app", "--pass", "secret"},
			func(t *testing.T, tg target) string {
				var out strings.Builder
				out.WriteString(newCLI(t, tg, "--user", "app", "--password", "secret").run("kv", "add", "a", "--storage", "memory"))
				out.WriteString(newCLI(t, tg, "--user", "app", "--password", "secret").run("kv", "ls", "-n"))
				out.WriteString(newCLI(t, tg, "--user", "app", "--password", "wrong").run("kv", "ls", "-n"))
				out.WriteString(newCLI(t, tg, "--user", "other", "--password", "secret").run("kv", "ls", "-n"))
				out.WriteString(newCLI(t, tg).run("kv", "ls", "-n"))
				return out.String()
			})
	})
	t.Run("token", func(t *testing.T) {
		compareWith(t, func(o *server.Options) { o.Authorization = "s3cret" }, []string{"--auth", "s3cret"},
			func(t *testing.T, tg target) string {
				var out strings.Builder
				out.WriteString(newCLI(t, tg, "--token", "s3cret").run("kv", "add", "a", "--storage", "memory"))
				out.WriteString(newCLI(t, tg, "--token", "s3cret").run("kv", "ls", "-n"))
				out.WriteString(newCLI(t, tg, "--token", "wrong").run("kv", "ls", "-n"))
				out.WriteString(newCLI(t, tg).run("kv", "ls", "-n"))
				return out.String()
			})
	})
}
