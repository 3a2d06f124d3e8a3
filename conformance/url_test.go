package conformance

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
)

// These tests hold the suite to its promise on real servers: it never
// touches a server nobody named for it, and never deletes what it did not
// create. The "real" servers are embedded ones the tests start; the suite
// reaches them by URL, as it would reach a deployment.

// embeddedGroups matches the groups Run starts under TestServer for the
// embedded server. Skipping them only saves time: it leaves whatever else
// TestServer does (a group missing here just runs on its embedded server).
const embeddedGroups = "^TestServer$/^(config|manage|keys|crud|read|watch|watchlife|status|limits|ttl)$"

// A developer whose shell sets NATS_URL (the nats CLI reads it) runs the
// tests: TestServer, run by this very test binary as `go test ./conformance`
// runs it, starts nothing beyond the embedded groups, and the bucket at
// NATS_URL keeps its keys and revisions.
func TestURLNATSURLIsNotRead(t *testing.T) {
	url, js := startScratch(t)
	seedOrders(t, js)
	before := snapshot(t, js)

	out, err := runSelf(t, map[string]string{"NATS_URL": url}, "-test.run=^TestServer$", "-test.skip="+embeddedGroups)
	require.Equal(t, before, snapshot(t, js), "the bucket at NATS_URL")
	require.NoError(t, err, out)
	require.Contains(t, out, "--- PASS: TestServer ")
}

// Opted in on an account that holds buckets, the suite refuses before
// touching anything, names the buckets and asks for a scratch account.
func TestURLRefusesAccountWithBuckets(t *testing.T) {
	url, js := startScratch(t)
	seedOrders(t, js)
	_, err := js.CreateKeyValue(ctx(t), jetstream.KeyValueConfig{Bucket: "B"}) // a name the suite uses
	require.NoError(t, err)
	before := snapshot(t, js)

	out, err := runSelf(t, map[string]string{URLEnv: url}, "-test.run=^TestServer$/^url$")
	require.Equal(t, before, snapshot(t, js))
	require.Error(t, err, out)
	require.Contains(t, out, "--- FAIL: TestServer/url ")
	require.Contains(t, out, `the account at JETSIM_CONFORMANCE_URL already holds KV buckets ["B" "orders"]`)
	require.Contains(t, out, "point JETSIM_CONFORMANCE_URL at a scratch server or account")
	require.Empty(t, started(out, "TestServer/url/"), "no case ran")
}

// Opted in on an empty account, a group of cases runs (the "manage" group
// creates, updates, lists and deletes buckets) and leaves the account as
// empty as it found it.
func TestURLRunRemovesItsBuckets(t *testing.T) {
	url, js := startScratch(t)

	out, err := runSelf(t, map[string]string{URLEnv: url}, "-test.run=^TestServer$/^url$/^manage$")
	require.NoError(t, err, out)
	require.Contains(t, out, "--- PASS: TestServer/url/manage/listing ")
	require.Contains(t, out, "--- PASS: TestServer/url/manage/delete_bucket ")
	require.Equal(t, "", snapshot(t, js), "the run's buckets are gone")
}

// The cases that list buckets pass on an account that gains a bucket after
// the check: they see only the buckets they made. The other bucket
// survives the cases' clean-up.
func TestURLManageWithOtherBucket(t *testing.T) {
	url, js := startScratch(t)
	acct, err := openAccount(t, url)
	require.NoError(t, err)
	seeded := false
	s := &suite{newManager: func(t *testing.T) jetstream.KeyValueManager {
		m := acct.manager(t)
		if !seeded {
			seedOrders(t, js) // someone else, after the check
			seeded = true
		}
		return m
	}, sleep: time.Sleep}
	others := ""
	t.Run("manage", func(t *testing.T) {
		s.testManage(t)
		others = snapshot(t, js, "orders")
	})
	require.NotEmpty(t, others)
	require.Equal(t, others, snapshot(t, js), "only the other's bucket is left")
}

// A bucket that appears on the account after the check (someone else's)
// is invisible to the cases, refused to them, and survives the case's
// clean-up, which deletes the run's own buckets.
func TestURLViewLeavesOthersAlone(t *testing.T) {
	url, js := startScratch(t)
	acct, err := openAccount(t, url)
	require.NoError(t, err)
	var others string

	t.Run("case", func(t *testing.T) {
		m := acct.manager(t)
		kv, err := m.CreateKeyValue(ctx(t), jetstream.KeyValueConfig{Bucket: "B", Storage: jetstream.MemoryStorage})
		require.NoError(t, err)
		put(t, kv, "k", "v")
		_, err = m.CreateOrUpdateKeyValue(ctx(t), jetstream.KeyValueConfig{Bucket: "C", Storage: jetstream.MemoryStorage})
		require.NoError(t, err)
		seedOrders(t, js) // someone else, meanwhile
		others = snapshot(t, js, "orders")

		names := m.KeyValueStoreNames(ctx(t))
		require.Equal(t, []string{"B", "C"}, drainNames(t, names.Name()))
		require.NoError(t, names.Error())
		lister := m.KeyValueStores(ctx(t))
		var got []string
		for st := range lister.Status() {
			got = append(got, st.Bucket())
		}
		require.NoError(t, lister.Error())
		require.Equal(t, []string{"B", "C"}, got)

		const refused = "conformance: left alone a bucket the suite did not create: orders"
		orders := jetstream.KeyValueConfig{Bucket: "orders", History: 5}
		_, err = m.KeyValue(ctx(t), "orders")
		requireErr(t, err, refused, errNotMade)
		_, err = m.CreateKeyValue(ctx(t), orders)
		requireErr(t, err, refused, errNotMade)
		_, err = m.UpdateKeyValue(ctx(t), orders)
		requireErr(t, err, refused, errNotMade)
		_, err = m.CreateOrUpdateKeyValue(ctx(t), orders)
		requireErr(t, err, refused, errNotMade)
		requireErr(t, m.DeleteKeyValue(ctx(t), "orders"), refused, errNotMade)

		// Missing buckets and bad names still get the client's own errors.
		requireErr(t, m.DeleteKeyValue(ctx(t), "NOPE"),
			"nats: bucket not found: NOPE\nnats: API error: code=404 err_code=10059 description=stream not found",
			jetstream.ErrBucketNotFound, jetstream.ErrStreamNotFound)
		_, err = m.CreateKeyValue(ctx(t), jetstream.KeyValueConfig{Bucket: "a.b"})
		require.Equal(t, jetstream.ErrInvalidBucketName, err)

		// A second manager in the same case starts without the run's buckets.
		m2 := acct.manager(t)
		_, err = m2.KeyValue(ctx(t), "B")
		require.Equal(t, jetstream.ErrBucketNotFound, err)
		_, err = m2.CreateKeyValue(ctx(t), jetstream.KeyValueConfig{Bucket: "B", History: 2, Storage: jetstream.MemoryStorage})
		require.NoError(t, err)
	})
	require.Equal(t, others, snapshot(t, js), "only the other's bucket is left")
}

// startScratch starts an embedded server and returns its URL and a client
// that stands for whoever else uses the account.
func startScratch(t *testing.T) (string, jetstream.JetStream) {
	t.Helper()
	nc := StartServer(t)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	return nc.ConnectedUrl(), js
}

// seedOrders creates the bucket "orders" (file storage, history 5) with two
// keys, the first written twice.
func seedOrders(t *testing.T, js jetstream.JetStream) {
	t.Helper()
	kv, err := js.CreateKeyValue(ctx(t), jetstream.KeyValueConfig{Bucket: "orders", History: 5})
	require.NoError(t, err)
	put(t, kv, "o1", "new")
	put(t, kv, "o2", "new")
	put(t, kv, "o1", "paid")
}

// snapshot describes the account's buckets (or only those named): each
// one's configuration figures and every key's history with revisions. It
// is "" for an account without buckets.
func snapshot(t *testing.T, js jetstream.JetStream, only ...string) string {
	t.Helper()
	buckets := only
	if len(buckets) == 0 {
		names := js.KeyValueStoreNames(ctx(t))
		buckets = drainNames(t, names.Name())
		require.NoError(t, names.Error())
		sort.Strings(buckets)
	}
	var b strings.Builder
	for _, name := range buckets {
		kv, err := js.KeyValue(ctx(t), name)
		require.NoError(t, err)
		st := status(t, kv)
		fmt.Fprintf(&b, "%s history=%d values=%d bytes=%d\n", name, st.History(), st.Values(), st.Bytes())
		keys, err := kv.Keys(ctx(t))
		if err == jetstream.ErrNoKeysFound {
			continue
		}
		require.NoError(t, err)
		sort.Strings(keys)
		for _, k := range keys {
			h, err := kv.History(ctx(t), k)
			require.NoError(t, err)
			fmt.Fprintf(&b, "  %q\n", entries(h))
		}
	}
	return b.String()
}

// runSelf runs this test binary with args and -test.v, in an environment
// without NATS_URL and URLEnv except as given in env, and returns its
// combined output. It is how `go test ./conformance` runs the named tests.
func runSelf(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(c, os.Args[0], append([]string{"-test.v", "-test.count=1", "-test.timeout=2m"}, args...)...)
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); name != "NATS_URL" && name != URLEnv {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for name, value := range env {
		cmd.Env = append(cmd.Env, name+"="+value)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// started returns the names of the tests under prefix that a -test.v
// output shows starting.
func started(out, prefix string) []string {
	var names []string
	for _, line := range strings.Split(out, "\n") {
		if name, ok := strings.CutPrefix(line, "=== RUN   "); ok && strings.HasPrefix(name, prefix) {
			names = append(names, name)
		}
	}
	return names
}
