package clients

import (
	"testing"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/stretchr/testify/require"
)

// compare runs session against nats-server and against jetsim, each started fresh for it, and
// requires the two masked transcripts to be equal.
func compare(t *testing.T, session func(t *testing.T, tg target) string) {
	t.Helper()
	compareWith(t, nil, nil, session)
}

// compareWith is compare with nats-server's options set by refOpts and jetsim's command line
// extended by simArgs, which must ask for the same thing.
func compareWith(t *testing.T, refOpts func(*server.Options), simArgs []string, session func(t *testing.T, tg target) string) {
	t.Helper()
	ref := startReference(t, refOpts)
	sim := startJetsim(t, simArgs...)
	want := mask(ref, session(t, ref))
	got := mask(sim, session(t, sim))
	if testing.Verbose() {
		t.Logf("masked transcript of %s:\n%s", ref, want)
	}
	require.Equal(t, want, got, "left: %s, right: %s", ref, sim)
}
