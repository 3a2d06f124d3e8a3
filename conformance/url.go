package conformance

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
)

// URLManager returns a manager on the server at url, after deleting every
// KV bucket of the account, so that each case starts from an empty
// account as it does on an embedded server. Point it at a scratch server
// or account. The connection closes with the test.
func URLManager(t testing.TB, url string) jetstream.KeyValueManager {
	t.Helper()
	nc, err := nats.Connect(url)
	require.NoError(t, err, "connecting to %s", url)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	names := js.KeyValueStoreNames(ctx)
	var buckets []string
	for name := range names.Name() {
		buckets = append(buckets, name)
	}
	require.NoError(t, names.Error())
	for _, b := range buckets {
		require.NoError(t, js.DeleteKeyValue(ctx, b), "deleting bucket %s", b)
	}
	return js
}
