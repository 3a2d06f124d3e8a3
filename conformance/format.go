package conformance

import (
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// nilEntry is how the "initial values done" nil marker of a watcher is
// written in expected entry lists.
const nilEntry = "<nil>"

// opName is the compact name of a KV operation.
func opName(op jetstream.KeyValueOp) string {
	switch op {
	case jetstream.KeyValuePut:
		return "PUT"
	case jetstream.KeyValueDelete:
		return "DEL"
	case jetstream.KeyValuePurge:
		return "PURGE"
	}
	return fmt.Sprintf("op(%d)", op)
}

// entry formats e compactly with its delta: `a@6 d3 PUT "3"`, `b@5 d4 DEL`,
// or "<nil>". The value is shown for PUT entries and for markers that
// (wrongly) carry one.
func entry(e jetstream.KeyValueEntry) string {
	if e == nil {
		return nilEntry
	}
	return fmt.Sprintf("%s@%d d%d %s", e.Key(), e.Revision(), e.Delta(), opValue(e))
}

// liveEntry formats e like entry but without the delta. It is used for
// entries delivered live, whose delta depends on timing on the real server
// (SEMANTICS 6.3.3) and is therefore not asserted.
func liveEntry(e jetstream.KeyValueEntry) string {
	if e == nil {
		return nilEntry
	}
	return fmt.Sprintf("%s@%d %s", e.Key(), e.Revision(), opValue(e))
}

func opValue(e jetstream.KeyValueEntry) string {
	if e.Operation() == jetstream.KeyValuePut || len(e.Value()) > 0 {
		return fmt.Sprintf("%s %q", opName(e.Operation()), e.Value())
	}
	return opName(e.Operation())
}

// entries formats a slice of entries with entry.
func entries(es []jetstream.KeyValueEntry) []string {
	out := make([]string, 0, len(es))
	for _, e := range es {
		out = append(out, entry(e))
	}
	return out
}
