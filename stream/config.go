package stream

import (
	"time"
)

// Storage is where the server would keep the stream. jetsim keeps both in
// memory; the type decides only how bytes are counted (FileStorage follows
// server/filestore.go, MemoryStorage server/memstore.go).
type Storage int

// Storage types, with the values of nats.go's jetstream.StorageType.
const (
	FileStorage Storage = iota
	MemoryStorage
)

// Discard is the policy when a limit is reached.
type Discard int

// Discard policies, with the values of nats.go's jetstream.DiscardPolicy.
const (
	DiscardOld Discard = iota
	DiscardNew
)

// Config is a stream's configuration: the subset of the server's
// StreamConfig that a KV bucket reaches. Zero and values below -1 in the
// Max* limits mean unlimited, and Validate turns them into -1 as the server
// does.
type Config struct {
	Name                   string
	Subjects               []string
	Storage                Storage
	MaxMsgs                int64
	MaxBytes               int64
	MaxMsgSize             int32
	MaxMsgsPerSubject      int64
	MaxAge                 time.Duration
	Discard                Discard
	DenyDelete             bool
	DenyPurge              bool
	AllowRollup            bool
	AllowMsgTTL            bool
	SubjectDeleteMarkerTTL time.Duration
	Duplicates             time.Duration
}

// defaultDuplicates is the server's StreamDefaultDuplicatesWindow.
const defaultDuplicates = 2 * time.Minute

// maxNameLen is the server's JSMaxNameLen (server/jetstream_api.go).
const maxNameLen = 255

// Validate returns cfg with the server's defaults applied, or the server's
// 10052 error for a config it would refuse (server/stream.go:
// checkStreamCfgLocked, in the server's order).
func (cfg Config) Validate() (Config, error) {
	if len(cfg.Name) > maxNameLen {
		return Config{}, invalidConfig("stream name is too long, maximum allowed is %d", maxNameLen)
	}
	for _, p := range []*int64{&cfg.MaxMsgs, &cfg.MaxMsgsPerSubject, &cfg.MaxBytes} {
		if *p == 0 || *p < -1 {
			*p = -1
		}
	}
	if cfg.MaxMsgSize == 0 || cfg.MaxMsgSize < -1 {
		cfg.MaxMsgSize = -1
	}
	if cfg.MaxAge < 0 {
		return Config{}, invalidConfig("max age can not be negative")
	}
	if cfg.MaxAge != 0 && cfg.MaxAge < 100*time.Millisecond {
		return Config{}, invalidConfig("max age needs to be >= 100ms")
	}
	if cfg.Duplicates == 0 {
		cfg.Duplicates = defaultDuplicates
		if cfg.MaxAge != 0 && cfg.MaxAge < defaultDuplicates {
			cfg.Duplicates = cfg.MaxAge
		}
	}
	if cfg.Duplicates < 0 {
		return Config{}, invalidConfig("duplicates window can not be negative")
	}
	if cfg.MaxAge != 0 && cfg.Duplicates > cfg.MaxAge {
		return Config{}, invalidConfig("duplicates window can not be larger then max age")
	}
	if cfg.Duplicates < 100*time.Millisecond {
		return Config{}, invalidConfig("duplicates window needs to be >= 100ms")
	}
	if cfg.DenyPurge && cfg.AllowRollup {
		return Config{}, invalidConfig("roll-ups require the purge permission")
	}
	if cfg.SubjectDeleteMarkerTTL > 0 {
		if cfg.SubjectDeleteMarkerTTL < time.Second {
			return Config{}, invalidConfig("subject delete marker TTL must be at least 1 second")
		}
		// Outside pedantic mode (the stream create API's default) the
		// server turns on what markers need rather than refusing.
		if !cfg.AllowMsgTTL {
			cfg.AllowMsgTTL = true
		}
		if !cfg.AllowRollup {
			cfg.AllowRollup, cfg.DenyPurge = true, false
		}
	} else if cfg.SubjectDeleteMarkerTTL < 0 {
		return Config{}, invalidConfig("subject delete marker TTL must not be negative")
	}
	return cfg, nil
}

// checkUpdate returns the server's error for moving from old to cfg
// (server/stream.go: configUpdateCheckLocked), for the fields jetsim has.
func checkUpdate(old, cfg Config) error {
	switch {
	case cfg.Storage != old.Storage:
		return invalidConfig("stream configuration update can not change storage type")
	case old.DenyDelete && !cfg.DenyDelete:
		return invalidConfig("stream configuration update can not cancel deny message deletes")
	case old.DenyPurge && !cfg.DenyPurge:
		return invalidConfig("stream configuration update can not cancel deny purge")
	case old.AllowMsgTTL && !cfg.AllowMsgTTL:
		return invalidConfig("message TTL status can not be disabled")
	}
	return nil
}
