package clients

import (
	"strings"
	"testing"
)

// TestNatsCLI runs the nats CLI's KV commands, successes and failures, against both servers.
func TestNatsCLI(t *testing.T) {
	compare(t, func(t *testing.T, tg target) string {
		c := newCLI(t, tg)
		return c.runAll([][]string{
			{"kv", "ls"},
			{"kv", "add", "b1", "--history", "5", "--storage", "memory", "--description", "first"},
			{"kv", "add", "b1", "--history", "5", "--storage", "memory", "--description", "first"},
			{"kv", "add", "b1", "--history", "2", "--storage", "memory"},
			{"kv", "add", "bad.name", "--storage", "memory"},
			{"kv", "put", "b1", "k1", "v1"},
			{"kv", "put", "b1", "k1", "v2"},
			{"kv", "put", "b1", "k2", "v3"},
			{"kv", "put", "b1", "a.b.c", "dotted"},
			{"kv", "put", "b1", "bad key", "x"},
			{"kv", "get", "b1", "k1"},
			{"kv", "get", "b1", "k1", "--raw"},
			{"kv", "get", "b1", "k1", "--revision", "1"},
			{"kv", "get", "b1", "k1", "--revision", "3"},
			{"kv", "get", "b1", "nope"},
			{"kv", "create", "b1", "k1", "x"},
			{"kv", "create", "b1", "k3", "new"},
			{"kv", "update", "b1", "k2", "v4", "3"},
			{"kv", "update", "b1", "k2", "v5", "1"},
			{"kv", "del", "b1", "k1", "-f"},
			{"kv", "get", "b1", "k1"},
			{"kv", "purge", "b1", "k2", "-f"},
			{"kv", "history", "b1", "k1"},
			{"kv", "history", "b1", "k2"},
			{"kv", "history", "b1", "nope"},
			{"kv", "ls", "b1"},
			{"kv", "ls", "-n"},
			{"kv", "ls"},
			{"kv", "info", "b1"},
			{"kv", "status", "b1"},
			{"kv", "add", "b2", "--storage", "memory", "--ttl", "1h", "--max-value-size", "8", "--max-bucket-size", "1024"},
			{"kv", "put", "b2", "k", "12345678"},
			{"kv", "put", "b2", "k", "123456789"},
			{"kv", "info", "b2"},
			{"kv", "ls", "-n"},
			{"kv", "del", "b2", "-f"},
			{"kv", "get", "b2", "k"},
			{"kv", "info", "b2"},
			{"kv", "ls", "-n"},
		})
	})
}

// TestNatsCLIManage edits, compacts and reverts: stream updates, purges that keep markers, and
// puts of an old revision; per-key TTLs and purge markers with a TTL; verbose key listings.
func TestNatsCLIManage(t *testing.T) {
	compare(t, func(t *testing.T, tg target) string {
		c := newCLI(t, tg)
		return c.runAll([][]string{
			{"kv", "add", "m", "--history", "5", "--storage", "memory"},
			{"kv", "put", "m", "k", "1"},
			{"kv", "put", "m", "k", "2"},
			{"kv", "put", "m", "gone", "x"},
			{"kv", "del", "m", "gone", "-f"},
			{"kv", "revert", "m", "k", "1", "--force"},
			{"kv", "history", "m", "k"},
			{"kv", "revert", "m", "k", "99", "--force"},
			{"kv", "edit", "m", "--history", "3", "--description", "edited", "--max-value-size", "64"},
			{"kv", "edit", "m", "--history", "100"},
			{"kv", "info", "m"},
			{"kv", "compact", "m", "-f"},
			{"kv", "ls", "m"},
			{"kv", "info", "m"},
			{"kv", "edit", "nope", "--history", "2"},
			{"kv", "add", "t", "--storage", "memory", "--marker-ttl", "1m"},
			{"kv", "info", "t"},
			{"kv", "put", "t", "k", "v"},
			{"kv", "create", "t", "c", "v", "--ttl", "10m"},
			{"kv", "purge", "t", "k", "-f", "--ttl", "5m"},
			{"kv", "history", "t", "k"},
			{"kv", "ls", "-v", "t"},
			{"kv", "ls", "-v", "--display-value", "m"},
			{"kv", "info", "t"},
		})
	})
}

// TestNatsCLIWatch watches a bucket: the latest value of each key, then a live update.
func TestNatsCLIWatch(t *testing.T) {
	compare(t, func(t *testing.T, tg target) string {
		c := newCLI(t, tg)
		var out strings.Builder
		out.WriteString(c.runAll([][]string{
			{"kv", "add", "w", "--history", "3", "--storage", "memory"},
			{"kv", "put", "w", "a", "1"},
			{"kv", "put", "w", "a", "2"},
			{"kv", "put", "w", "b.x", "3"},
			{"kv", "put", "w", "c", "4"},
			{"kv", "del", "w", "c", "-f"},
		}))
		out.WriteString(c.watch(3, 5, func() {
			out.WriteString(c.run("kv", "put", "w", "a", "live"))
			out.WriteString(c.run("kv", "purge", "w", "b.x", "-f"))
		}, "w"))
		out.WriteString(c.watch(1, 2, func() {
			out.WriteString(c.run("kv", "put", "w", "b.y", "5"))
		}, "w", "b.*"))
		return out.String()
	})
}

// TestNatsCLICore runs core NATS through the CLI: a publish, request/reply through a queue
// group with headers, and a request nobody answers. (`nats sub` is left out: it prints
// "Subscribing on" before it subscribes, so a publish right after that line can go unseen.)
func TestNatsCLICore(t *testing.T) {
	compare(t, func(t *testing.T, tg target) string {
		c := newCLI(t, tg)
		var out strings.Builder
		out.WriteString(c.run("req", "nobody", "hi"))
		out.WriteString(c.run("pub", "x", "hi"))
		// `nats reply` logs "Listening on" after its subscription is flushed
		out.WriteString(c.stream(1, 8, func() {
			out.WriteString(c.run("req", "svc", "ping"))
			out.WriteString(c.run("req", "svc", "with a header", "-H", "K:V w")) // one: the CLI prints headers in map order
		}, "reply", "svc", "pong"))
		return out.String()
	})
}
