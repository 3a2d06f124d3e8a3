package memkv

import (
	"errors"
	"maps"
	"reflect"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetsim/jetsim/stream"
	"github.com/jetsim/jetsim/subject"
	"github.com/jetsim/jetsim/wire"
)

// errNoMirrors is returned for configs memkv cannot serve faithfully.
var errNoMirrors = errors.New("memkv: bucket mirrors and sources are not supported")

// prepareConfig maps a KV config to its stream config exactly as nats.go
// does (jetstream/kv.go: prepareKeyValueConfig), with the client's own
// checks; the server's checks follow in newBucketState and update.
func prepareConfig(cfg jetstream.KeyValueConfig) (jetstream.StreamConfig, error) {
	if !subject.ValidBucket(cfg.Bucket) {
		return jetstream.StreamConfig{}, jetstream.ErrInvalidBucketName
	}
	history := int64(1)
	if cfg.History > 0 {
		if cfg.History > jetstream.KeyValueMaxHistory {
			return jetstream.StreamConfig{}, jetstream.ErrHistoryTooLarge
		}
		history = int64(cfg.History)
	}
	if cfg.Mirror != nil || len(cfg.Sources) > 0 {
		return jetstream.StreamConfig{}, errNoMirrors
	}
	replicas := cfg.Replicas
	if replicas == 0 {
		replicas = 1
	}
	maxBytes := cfg.MaxBytes
	if maxBytes == 0 {
		maxBytes = -1
	}
	maxMsgSize := cfg.MaxValueSize
	if maxMsgSize == 0 {
		maxMsgSize = -1
	}
	dupes := 2 * time.Minute
	if cfg.TTL > 0 && cfg.TTL < dupes {
		dupes = cfg.TTL
	}
	var compression jetstream.StoreCompression
	if cfg.Compression {
		compression = jetstream.S2Compression
	}
	scfg := jetstream.StreamConfig{
		Name:              "KV_" + cfg.Bucket,
		Description:       cfg.Description,
		Subjects:          []string{"$KV." + cfg.Bucket + ".>"},
		MaxMsgsPerSubject: history,
		MaxBytes:          maxBytes,
		MaxAge:            cfg.TTL,
		MaxMsgSize:        maxMsgSize,
		Storage:           cfg.Storage,
		Replicas:          replicas,
		Placement:         cfg.Placement,
		AllowRollup:       true,
		DenyDelete:        true,
		Duplicates:        dupes,
		MaxMsgs:           -1,
		MaxConsumers:      -1,
		AllowDirect:       true,
		RePublish:         cfg.RePublish,
		Compression:       compression,
		Discard:           jetstream.DiscardNew,
		Metadata:          maps.Clone(cfg.Metadata),
	}
	if cfg.LimitMarkerTTL != 0 {
		scfg.AllowMsgTTL = true
		scfg.SubjectDeleteMarkerTTL = cfg.LimitMarkerTTL
	}
	// The server's normalisation of what the client sent, the same that a
	// create over the wire gets.
	return wire.StreamDefaults(scfg)
}

// streamConfig is the engine's view of a prepared config, after the
// server's standalone checks on replicas.
func streamConfig(scfg jetstream.StreamConfig) (stream.Config, error) {
	switch {
	case scfg.Replicas < 0:
		return stream.Config{}, &jetstream.APIError{Code: 400, ErrorCode: 10133, Description: "replicas count cannot be negative"}
	case scfg.Replicas > 1:
		return stream.Config{}, &jetstream.APIError{Code: 500, ErrorCode: 10074, Description: "replicas > 1 not supported in non-clustered mode"}
	}
	return engineConfig(scfg), nil
}

// checkConfig returns the server's 10052 error for a config it refuses
// (server/stream.go: checkStreamCfgLocked, as stream.Config.Validate
// has it), as the jetstream client decodes it.
func checkConfig(scfg jetstream.StreamConfig) error {
	_, err := engineConfig(scfg).Validate()
	return apiError(err)
}

// engineConfig is the engine's view of a prepared config.
func engineConfig(scfg jetstream.StreamConfig) stream.Config {
	return stream.Config{
		Name:                   scfg.Name,
		Subjects:               scfg.Subjects,
		Storage:                stream.Storage(scfg.Storage),
		MaxMsgs:                scfg.MaxMsgs,
		MaxBytes:               scfg.MaxBytes,
		MaxMsgSize:             scfg.MaxMsgSize,
		MaxMsgsPerSubject:      scfg.MaxMsgsPerSubject,
		MaxAge:                 scfg.MaxAge,
		Discard:                stream.Discard(scfg.Discard),
		DenyDelete:             scfg.DenyDelete,
		DenyPurge:              scfg.DenyPurge,
		AllowRollup:            scfg.AllowRollup,
		AllowMsgTTL:            scfg.AllowMsgTTL,
		SubjectDeleteMarkerTTL: scfg.SubjectDeleteMarkerTTL,
		Duplicates:             scfg.Duplicates,
	}
}

// bucketState is one bucket: its stream and the config it was made with.
type bucketState struct {
	name    string
	stream  *stream.Stream
	clock   stream.Clock
	created time.Time
	deleted atomic.Bool

	cfg jetstream.StreamConfig // guarded by Manager.mu
}

func newBucketState(name string, scfg jetstream.StreamConfig, clock stream.Clock) (*bucketState, error) {
	ecfg, err := streamConfig(scfg)
	if err != nil {
		return nil, err
	}
	s, err := stream.New(ecfg, clock)
	if err != nil {
		return nil, apiError(err)
	}
	return &bucketState{name: name, stream: s, clock: clock, created: clock.Now().UTC(), cfg: scfg}, nil
}

// sameConfig is the server's test for an idempotent create: the requested
// config equals the stored one.
func (st *bucketState) sameConfig(scfg jetstream.StreamConfig) bool {
	return reflect.DeepEqual(st.cfg, scfg)
}

// updateLocked applies a new config to a stream. m.mu is held.
func (m *Manager) updateLocked(st *bucketState, scfg jetstream.StreamConfig) error {
	ecfg, err := streamConfig(scfg)
	if err != nil {
		return err
	}
	if err := st.stream.UpdateConfig(ecfg); err != nil {
		return apiError(err)
	}
	old := st.cfg.Subjects
	st.cfg = scfg
	m.indexLocked(st, old)
	return nil
}
