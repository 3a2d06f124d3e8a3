package clients

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// cli runs the nats CLI against one target, with a home directory of its own so that no saved
// context of the machine's user is read or written.
type cli struct {
	t    *testing.T
	tg   target
	home string
	args []string // global flags added to every command (credentials)
}

func newCLI(t *testing.T, tg target, args ...string) *cli {
	return &cli{t: t, tg: tg, home: t.TempDir(), args: args}
}

func (c *cli) command(ctx context.Context, args ...string) *exec.Cmd {
	all := append([]string{"--server", c.tg.url, "--no-context", "--timeout", "5s"}, c.args...)
	cmd := exec.CommandContext(ctx, natsBin, append(all, args...)...)
	env := []string{"HOME=" + c.home, "PATH=" + os.Getenv("PATH"), "TERM=dumb", "NO_COLOR=1", "TZ=UTC"}
	cmd.Env = env
	return cmd
}

// run runs one command and returns a transcript: the command line, its output (stdout then
// stderr) and its exit status, so that a failure compares as well as a success.
// runAll runs each command in turn and returns their outputs, joined.
func (c *cli) runAll(cmds [][]string) string {
	var out strings.Builder
	for _, args := range cmds {
		out.WriteString(c.run(args...))
	}
	return out.String()
}

func (c *cli) run(args ...string) string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := c.command(ctx, args...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		c.t.Fatalf("nats %s on %s: %v", strings.Join(args, " "), c.tg, err)
	}
	require.NoError(c.t, ctx.Err(), "nats %s on %s did not finish", strings.Join(args, " "), c.tg)
	return fmt.Sprintf("$ nats %s\n%s%s[exit %d]\n", strings.Join(args, " "), stdout.String(), stderr.String(), code)
}

// watch starts `nats kv watch args...`, waits for first lines of output, runs during (which
// writes to the bucket), waits until total lines were printed, stops the CLI with SIGINT and
// returns the lines.
func (c *cli) watch(first, total int, during func(), args ...string) string {
	c.t.Helper()
	return c.stream(first, total, during, append([]string{"kv", "watch"}, args...)...)
}

// stream is watch for any command that runs until it is stopped: `nats sub`, `nats reply`.
func (c *cli) stream(first, total int, during func(), args ...string) string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := c.command(ctx, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	// stdout and stderr in one pipe, in the order the CLI wrote them
	out, w, err := os.Pipe()
	require.NoError(c.t, err)
	defer out.Close()
	cmd.Stdout, cmd.Stderr = w, w
	err = cmd.Start()
	w.Close()
	require.NoError(c.t, err)

	var (
		mu    sync.Mutex
		lines []string
		grew  = make(chan struct{}, 1)
	)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			mu.Lock()
			lines = append(lines, sc.Text())
			mu.Unlock()
			select {
			case grew <- struct{}{}:
			default:
			}
		}
		close(grew)
	}()
	waitFor := func(n int) {
		for {
			mu.Lock()
			have := len(lines)
			mu.Unlock()
			if have >= n {
				return
			}
			select {
			case _, open := <-grew:
				if !open {
					c.t.Fatalf("nats %s on %s ended after %d lines, want %d", strings.Join(args, " "), c.tg, have, n)
				}
			case <-ctx.Done():
				c.t.Fatalf("nats %s on %s printed %d lines in 30s, want %d", strings.Join(args, " "), c.tg, have, n)
			}
		}
	}
	waitFor(first)
	during()
	waitFor(total)
	cancel() // SIGINT, as a user's ^C
	_ = cmd.Wait()
	mu.Lock()
	defer mu.Unlock()
	return fmt.Sprintf("$ nats %s\n%s\n", strings.Join(args, " "), strings.Join(lines[:total], "\n"))
}
