package wire

import (
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// This file gives stream infos the server's JSON shape: its field order
// and its omitempty choices (server/stream.go: StreamConfig, StreamInfo;
// server/store.go: StreamState), which differ from nats.go's types, so
// that a reply reads as the server's byte for byte once times and ids are
// set aside.

// streamConfigJSON is server/stream.go: StreamConfig, the fields jetsim
// keeps.
type streamConfigJSON struct {
	Name                   string                            `json:"name"`
	Description            string                            `json:"description,omitempty"`
	Subjects               []string                          `json:"subjects,omitempty"`
	Retention              jetstream.RetentionPolicy         `json:"retention"`
	MaxConsumers           int                               `json:"max_consumers"`
	MaxMsgs                int64                             `json:"max_msgs"`
	MaxBytes               int64                             `json:"max_bytes"`
	MaxAge                 time.Duration                     `json:"max_age"`
	MaxMsgsPer             int64                             `json:"max_msgs_per_subject"`
	MaxMsgSize             int32                             `json:"max_msg_size,omitempty"`
	Discard                jetstream.DiscardPolicy           `json:"discard"`
	Storage                jetstream.StorageType             `json:"storage"`
	Replicas               int                               `json:"num_replicas"`
	NoAck                  bool                              `json:"no_ack,omitempty"`
	Duplicates             time.Duration                     `json:"duplicate_window,omitempty"`
	Placement              *jetstream.Placement              `json:"placement,omitempty"`
	Mirror                 *jetstream.StreamSource           `json:"mirror,omitempty"`
	Sources                []*jetstream.StreamSource         `json:"sources,omitempty"`
	Compression            jetstream.StoreCompression        `json:"compression"`
	FirstSeq               uint64                            `json:"first_seq,omitempty"`
	SubjectTransform       *jetstream.SubjectTransformConfig `json:"subject_transform,omitempty"`
	RePublish              *jetstream.RePublish              `json:"republish,omitempty"`
	AllowDirect            bool                              `json:"allow_direct"`
	MirrorDirect           bool                              `json:"mirror_direct"`
	DiscardNewPer          bool                              `json:"discard_new_per_subject,omitempty"`
	Sealed                 bool                              `json:"sealed"`
	DenyDelete             bool                              `json:"deny_delete"`
	DenyPurge              bool                              `json:"deny_purge"`
	AllowRollup            bool                              `json:"allow_rollup_hdrs"`
	ConsumerLimits         jetstream.StreamConsumerLimits    `json:"consumer_limits"`
	AllowMsgTTL            bool                              `json:"allow_msg_ttl"`
	SubjectDeleteMarkerTTL time.Duration                     `json:"subject_delete_marker_ttl,omitempty"`
	Metadata               map[string]string                 `json:"metadata,omitempty"`
}

// streamStateJSON is server/store.go: StreamState.
type streamStateJSON struct {
	Msgs        uint64            `json:"messages"`
	Bytes       uint64            `json:"bytes"`
	FirstSeq    uint64            `json:"first_seq"`
	FirstTime   time.Time         `json:"first_ts"`
	LastSeq     uint64            `json:"last_seq"`
	LastTime    time.Time         `json:"last_ts"`
	NumSubjects uint64            `json:"num_subjects,omitempty"`
	Subjects    map[string]uint64 `json:"subjects,omitempty"`
	NumDeleted  int               `json:"num_deleted,omitempty"`
	Deleted     []uint64          `json:"deleted,omitempty"`
	Consumers   int               `json:"consumer_count"`
}

// clusterJSON is the cluster part of a standalone server's stream info.
type clusterJSON struct {
	Leader string `json:"leader,omitempty"`
}

// streamInfoJSON is server/stream.go: StreamInfo.
type streamInfoJSON struct {
	Config    streamConfigJSON `json:"config"`
	Created   time.Time        `json:"created"`
	State     streamStateJSON  `json:"state"`
	Cluster   *clusterJSON     `json:"cluster,omitempty"`
	TimeStamp time.Time        `json:"ts"`
}

// infoJSON gives info the server's shape; leader names the server in the
// cluster part that info replies (not create replies or listings) carry.
func infoJSON(info *jetstream.StreamInfo, leader string) *streamInfoJSON {
	c := &info.Config
	out := &streamInfoJSON{
		Config: streamConfigJSON{
			Name: c.Name, Description: c.Description, Subjects: c.Subjects, Retention: c.Retention,
			MaxConsumers: c.MaxConsumers, MaxMsgs: c.MaxMsgs, MaxBytes: c.MaxBytes, MaxAge: c.MaxAge,
			MaxMsgsPer: c.MaxMsgsPerSubject, MaxMsgSize: c.MaxMsgSize, Discard: c.Discard, Storage: c.Storage,
			Replicas: c.Replicas, NoAck: c.NoAck, Duplicates: c.Duplicates, Placement: c.Placement,
			Mirror: c.Mirror, Sources: c.Sources, Compression: c.Compression, FirstSeq: c.FirstSeq,
			SubjectTransform: c.SubjectTransform, RePublish: c.RePublish, AllowDirect: c.AllowDirect,
			MirrorDirect: c.MirrorDirect, DiscardNewPer: c.DiscardNewPerSubject, Sealed: c.Sealed,
			DenyDelete: c.DenyDelete, DenyPurge: c.DenyPurge, AllowRollup: c.AllowRollup,
			AllowMsgTTL: c.AllowMsgTTL, SubjectDeleteMarkerTTL: c.SubjectDeleteMarkerTTL, Metadata: c.Metadata,
		},
		Created: info.Created,
		State: streamStateJSON{
			Msgs: info.State.Msgs, Bytes: info.State.Bytes,
			FirstSeq: info.State.FirstSeq, FirstTime: info.State.FirstTime,
			LastSeq: info.State.LastSeq, LastTime: info.State.LastTime,
			NumSubjects: info.State.NumSubjects, Subjects: info.State.Subjects,
			NumDeleted: info.State.NumDeleted, Deleted: info.State.Deleted, Consumers: info.State.Consumers,
		},
		TimeStamp: info.TimeStamp,
	}
	out.Config.ConsumerLimits = c.ConsumerLimits
	if leader != "" {
		out.Cluster = &clusterJSON{Leader: leader}
	}
	return out
}

// consumerConfigJSON is server/consumer.go: ConsumerConfig, the fields of
// the push consumers jetsim serves, in the server's order (nats.go's
// type puts idle_heartbeat before deliver_subject).
type consumerConfigJSON struct {
	Durable           string             `json:"durable_name,omitempty"`
	Name              string             `json:"name,omitempty"`
	Description       string             `json:"description,omitempty"`
	DeliverPolicy     nats.DeliverPolicy `json:"deliver_policy"`
	OptStartSeq       uint64             `json:"opt_start_seq,omitempty"`
	AckPolicy         nats.AckPolicy     `json:"ack_policy"`
	AckWait           time.Duration      `json:"ack_wait,omitempty"`
	MaxDeliver        int                `json:"max_deliver,omitempty"`
	FilterSubject     string             `json:"filter_subject,omitempty"`
	FilterSubjects    []string           `json:"filter_subjects,omitempty"`
	ReplayPolicy      nats.ReplayPolicy  `json:"replay_policy"`
	MaxAckPending     int                `json:"max_ack_pending,omitempty"`
	FlowControl       bool               `json:"flow_control,omitempty"`
	HeadersOnly       bool               `json:"headers_only,omitempty"`
	DeliverSubject    string             `json:"deliver_subject,omitempty"`
	Heartbeat         time.Duration      `json:"idle_heartbeat,omitempty"`
	InactiveThreshold time.Duration      `json:"inactive_threshold,omitempty"`
	Replicas          int                `json:"num_replicas"`
	MemoryStorage     bool               `json:"mem_storage,omitempty"`
	Metadata          map[string]string  `json:"metadata,omitempty"`
}

func consumerConfigOf(c *nats.ConsumerConfig) *consumerConfigJSON {
	return &consumerConfigJSON{
		Durable: c.Durable, Name: c.Name, Description: c.Description, DeliverPolicy: c.DeliverPolicy,
		OptStartSeq: c.OptStartSeq, AckPolicy: c.AckPolicy, AckWait: c.AckWait, MaxDeliver: c.MaxDeliver,
		FilterSubject: c.FilterSubject, FilterSubjects: c.FilterSubjects, ReplayPolicy: c.ReplayPolicy,
		MaxAckPending: c.MaxAckPending, FlowControl: c.FlowControl, HeadersOnly: c.HeadersOnly,
		DeliverSubject: c.DeliverSubject, Heartbeat: c.Heartbeat, InactiveThreshold: c.InactiveThreshold,
		Replicas: c.Replicas, MemoryStorage: c.MemoryStorage, Metadata: c.Metadata,
	}
}
