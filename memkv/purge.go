package memkv

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetsim/jetsim/stream"
)

// defaultMarkerThreshold is the client's default age beyond which
// PurgeDeletes removes a marker too (jetstream/kv.go).
const defaultMarkerThreshold = 30 * time.Minute

// PurgeDeletes removes the history of every key whose latest entry is a
// delete or purge marker. Markers younger than DeleteMarkersOlderThan
// (default 30 minutes) are kept; a negative value removes them all.
func (b *Bucket) PurgeDeletes(ctx context.Context, opts ...jetstream.KVPurgeOpt) error {
	o, err := decodePurgeDeletesOpts(opts)
	if err != nil {
		return err
	}
	if err := b.m.fault(ctx, OpPurgeDeletes, b.name, "", false); err != nil {
		return err
	}
	return b.purgeDeletes(ctx, o.OlderThan, false)
}

func (b *Bucket) purgeDeletes(ctx context.Context, olderThan time.Duration, legacy bool) error {
	entries, err := b.collect(ctx, []string{jetstream.AllKeys}, watchConfig{}, legacy)
	if err != nil {
		return err
	}
	if olderThan == 0 {
		olderThan = defaultMarkerThreshold
	}
	st := b.state()
	var limit time.Time
	if olderThan > 0 {
		limit = st.clock.Now().Add(-olderThan)
	}
	for _, e := range entries {
		if op := e.Operation(); op != jetstream.KeyValueDelete && op != jetstream.KeyValuePurge {
			continue
		}
		req := stream.PurgeRequest{Subject: b.pre + e.Key()}
		if olderThan > 0 && e.Created().After(limit) {
			req.Keep = 1
		}
		if err := ctxErr(ctx); err != nil {
			return err
		}
		if _, err := st.stream.Purge(req); err != nil {
			return apiError(err)
		}
	}
	return nil
}
