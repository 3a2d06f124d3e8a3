package clients

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// compare runs session against nats-server and against jetsim, each started fresh for it, and
// requires the two masked transcripts to be equal.
func compare(t *testing.T, session func(t *testing.T, tg target) string) {
	t.Helper()
	ref := startReference(t)
	sim := startSimulator(t)
	want := mask(ref, session(t, ref))
	got := mask(sim, session(t, sim))
	if testing.Verbose() {
		t.Logf("masked transcript of %s:\n%s", ref, want)
	}
	require.Equal(t, want, got, "left: %s, right: %s", ref, sim)
}

// startSimulator starts jetsim, or, while cmd/jetsim is not built, a second nats-server, so the
// harness itself can be checked reference against reference.
func startSimulator(t *testing.T) target {
	if jetsimBin == "" {
		return startReference(t)
	}
	return startJetsim(t)
}
