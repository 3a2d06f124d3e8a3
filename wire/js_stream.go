package wire

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetsim/jetsim/stream"
	"github.com/jetsim/jetsim/subject"
)

// This file serves the stream endpoints: $JS.API.INFO and STREAM.CREATE,
// UPDATE, INFO, DELETE, NAMES, LIST and PURGE. It does not serve mirrors,
// sources, sealing, snapshots or message deletion.

// Metadata keys the server sets on streams and consumers
// (server/jetstream_versioning.go), with version and jsAPILevel from
// server.go, and listing page sizes.
const (
	metaVersion    = "_nats.ver"
	metaLevel      = "_nats.level"
	metaReqLevel   = "_nats.req.level"
	namesPageLimit = 1024 // server/jetstream_api.go: JSApiNamesLimit
	listPageLimit  = 256  // JSApiListLimit
)

// StreamDefaults applies the server's defaults and standalone checks to a
// requested stream config (SEMANTICS §1.1, §1.3) (server/stream.go: checkStreamCfgLocked, the
// part before the engine's own checks in stream.Config.Validate, and
// setStaticStreamMetadata). It returns the server's 10052 error for a
// config the server refuses at that stage.
func StreamDefaults(cfg jetstream.StreamConfig) (jetstream.StreamConfig, error) {
	if cfg.Name == "" || strings.ContainsAny(cfg.Name, ".*>\\/ \t\r\n") {
		return cfg, errInvalidConfig("stream name is required and can not contain '.', '*', '>', '\\', '/'")
	}
	if len(cfg.Name) > 255 {
		return cfg, errInvalidConfig("stream name is too long, maximum allowed is 255")
	}
	if cfg.Replicas == 0 {
		cfg.Replicas = 1
	}
	switch {
	case cfg.Replicas > 5:
		return cfg, errInvalidConfig("maximum replicas is 5")
	case cfg.Replicas < 0:
		return cfg, apiErr(400, 10133, "replicas count cannot be negative")
	}
	for _, p := range []*int64{&cfg.MaxMsgs, &cfg.MaxMsgsPerSubject, &cfg.MaxBytes} {
		if *p == 0 || *p < -1 {
			*p = -1
		}
	}
	if cfg.MaxMsgSize == 0 || cfg.MaxMsgSize < -1 {
		cfg.MaxMsgSize = -1
	}
	if cfg.MaxConsumers == 0 || cfg.MaxConsumers < -1 {
		cfg.MaxConsumers = -1
	}
	switch {
	case cfg.MaxAge < 0:
		return cfg, errInvalidConfig("max age can not be negative")
	case cfg.MaxAge != 0 && cfg.MaxAge < 100*time.Millisecond:
		return cfg, errInvalidConfig("max age needs to be >= 100ms")
	}
	if cfg.Duplicates == 0 && cfg.Mirror == nil && len(cfg.Sources) == 0 {
		cfg.Duplicates = 2 * time.Minute
		if cfg.MaxAge != 0 && cfg.MaxAge < cfg.Duplicates {
			cfg.Duplicates = cfg.MaxAge
		}
	}
	if len(cfg.Subjects) == 0 && cfg.Mirror == nil && len(cfg.Sources) == 0 {
		cfg.Subjects = []string{cfg.Name}
	}
	if err := checkSubjects(cfg); err != nil {
		return cfg, err
	}
	cfg.Metadata = maps.Clone(cfg.Metadata)
	if cfg.Metadata == nil {
		cfg.Metadata = make(map[string]string)
	}
	delete(cfg.Metadata, metaVersion)
	delete(cfg.Metadata, metaLevel)
	cfg.Metadata[metaReqLevel] = "0"
	if cfg.AllowMsgTTL || cfg.SubjectDeleteMarkerTTL > 0 {
		cfg.Metadata[metaReqLevel] = "1"
	}
	return cfg, nil
}

// checkSubjects refuses a stream's subjects as the server does
// (server/stream.go: checkStreamCfgLocked, the loop over cfg.Subjects, in
// its order): an invalid or repeated subject, all subjects (">") or the
// server's own API spaces unless the stream sends no acks, and two
// subjects of the stream that overlap. A stream that captured the
// JetStream API would take every request to it.
func checkSubjects(cfg jetstream.StreamConfig) error {
	for i, subj := range cfg.Subjects {
		if !validSubject(subj) {
			return errInvalidConfig("invalid subject")
		}
		if slices.Contains(cfg.Subjects[:i], subj) {
			return errInvalidConfig("duplicate subjects detected")
		}
		if subj == ">" {
			if !cfg.NoAck {
				return errInvalidConfig("capturing all subjects requires no-ack to be true")
			}
			if cfg.Replicas != 1 {
				return errInvalidConfig("capturing all subjects requires replicas of 1")
			}
		}
		if !cfg.NoAck {
			for _, ns := range []string{"$JS.>", "$JSC.>", "$NRG.>"} {
				// $JS.EVENT.> is let through: streams may have been
				// created on it in the past.
				if subject.Overlap(subj, ns) && !under(subj, "$JS.EVENT.") {
					return errInvalidConfig("subjects that overlap with jetstream api require no-ack to be true")
				}
			}
			if subject.Overlap(subj, "$SYS.>") && !under(subj, "$SYS.ACCOUNT.") {
				return errInvalidConfig("subjects that overlap with system api require no-ack to be true")
			}
		}
		for _, other := range cfg.Subjects[i+1:] {
			if subject.Overlap(other, subj) {
				return errInvalidConfig("subject %q overlaps with %q", subj, other)
			}
		}
	}
	return nil
}

// under reports whether every subject subj matches starts with prefix,
// whose tokens are literal: subj is a subset of prefix + ">"
// (server/sublist.go: subjectIsSubsetMatch).
func under(subj, prefix string) bool {
	return len(subj) > len(prefix) && strings.HasPrefix(subj, prefix)
}

// Info returns the stream info the server sends for e at time now. A
// listing (listed) lacks the server's version metadata: the server adds it
// to info and create replies but not to STREAM.LIST pages
// (server/jetstream_api.go: jsStreamListRequest does not call
// setDynamicStreamMetadata).
func Info(e StreamEntry, now time.Time, listed bool) *jetstream.StreamInfo {
	cfg := e.Config
	cfg.Subjects = append([]string(nil), cfg.Subjects...)
	cfg.Metadata = maps.Clone(cfg.Metadata)
	if !listed {
		if cfg.Metadata == nil {
			cfg.Metadata = make(map[string]string)
		}
		cfg.Metadata[metaVersion] = version
		cfg.Metadata[metaLevel] = strconv.Itoa(jsAPILevel)
	}
	ss := e.Stream.State()
	return &jetstream.StreamInfo{
		Config:  cfg,
		Created: e.Created.UTC(),
		State: jetstream.StreamState{
			Msgs: ss.Msgs, Bytes: ss.Bytes,
			FirstSeq: ss.FirstSeq, FirstTime: ss.FirstTime,
			LastSeq: ss.LastSeq, LastTime: ss.LastTime,
			NumDeleted: ss.NumDeleted, NumSubjects: uint64(ss.NumSubjects),
			Consumers: e.Stream.NumConsumers(),
		},
		TimeStamp: now.UTC(),
	}
}

// accountInfoResponse is server/jetstream_api.go: JSApiAccountInfoResponse.
type accountInfoResponse struct {
	apiResponse
	Memory          uint64        `json:"memory"`
	Storage         uint64        `json:"storage"`
	ReservedMemory  uint64        `json:"reserved_memory"`
	ReservedStorage uint64        `json:"reserved_storage"`
	Streams         int           `json:"streams"`
	Consumers       int           `json:"consumers"`
	Limits          accountLimits `json:"limits"`
	API             apiStats      `json:"api"`
}

type accountLimits struct {
	MaxMemory            int64 `json:"max_memory"`
	MaxStorage           int64 `json:"max_storage"`
	MaxStreams           int   `json:"max_streams"`
	MaxConsumers         int   `json:"max_consumers"`
	MaxAckPending        int   `json:"max_ack_pending"`
	MemoryMaxStreamBytes int64 `json:"memory_max_stream_bytes"`
	StoreMaxStreamBytes  int64 `json:"storage_max_stream_bytes"`
	MaxBytesRequired     bool  `json:"max_bytes_required"`
}

type apiStats struct {
	Level  int   `json:"level"`
	Total  int64 `json:"total"`
	Errors int64 `json:"errors"`
}

func (js *jetStream) accountInfo(_ *request) (any, error) {
	r := &accountInfoResponse{
		Limits: accountLimits{MaxMemory: -1, MaxStorage: -1, MaxStreams: -1, MaxConsumers: -1, MaxAckPending: -1, MemoryMaxStreamBytes: -1, StoreMaxStreamBytes: -1},
		API:    apiStats{Level: jsAPILevel, Total: js.total.Load(), Errors: js.errs.Load()},
	}
	for _, e := range js.b.Streams() {
		r.Streams++
		bytes := e.Stream.State().Bytes
		if e.Config.Storage == jetstream.MemoryStorage {
			r.Memory += bytes
		} else {
			r.Storage += bytes
		}
	}
	js.mu.Lock()
	r.Consumers = len(js.consumers)
	js.mu.Unlock()
	return r, nil
}

// streamInfoResponse is JSApiStreamInfoResponse (and the create and
// update responses, which add did_create or nothing).
type streamInfoResponse struct {
	apiResponse
	*apiPaged
	*streamInfoJSON
	DidCreate bool `json:"did_create,omitempty"`
}

// configRequest decodes a create or update body and checks it as the
// server does before it touches the streams.
func configRequest(r *request) (jetstream.StreamConfig, error) {
	var cfg jetstream.StreamConfig
	if err := decode(r.m.Data, &cfg); err != nil {
		return cfg, err
	}
	if cfg.Name != r.stream {
		return cfg, errStreamMismatch
	}
	switch {
	case cfg.Sealed:
		return cfg, errInvalidConfig("stream configuration for create can not be sealed")
	case cfg.MirrorDirect && cfg.Mirror == nil:
		return cfg, errInvalidConfig("stream has no mirror but does have mirror direct")
	case cfg.Mirror != nil || len(cfg.Sources) > 0:
		return cfg, errNotServed("stream mirrors and sources")
	case cfg.Retention != jetstream.LimitsPolicy:
		return cfg, errNotServed("interest and work-queue retention")
	}
	return StreamDefaults(cfg)
}

func (js *jetStream) streamCreate(r *request) (any, error) {
	cfg, err := configRequest(r)
	if err != nil {
		return nil, err
	}
	e, err := js.b.CreateStream(cfg)
	if err != nil {
		return nil, err
	}
	// A standalone server says did_create for an existing stream with the
	// same config too (server/jetstream_api.go: jsStreamCreateRequest).
	return &streamInfoResponse{streamInfoJSON: infoJSON(Info(e, js.now(), false), ""), DidCreate: true}, nil
}

func (js *jetStream) streamUpdate(r *request) (any, error) {
	cfg, err := configRequest(r)
	if err != nil {
		return nil, err
	}
	e, err := js.b.UpdateStream(cfg)
	if err != nil {
		return nil, err
	}
	return &streamInfoResponse{streamInfoJSON: infoJSON(Info(e, js.now(), false), "")}, nil
}

func (js *jetStream) streamInfo(r *request) (any, error) {
	var req struct {
		DeletedDetails bool   `json:"deleted_details"`
		SubjectsFilter string `json:"subjects_filter"`
		Offset         int    `json:"offset"`
	}
	resp := &streamInfoResponse{apiPaged: &apiPaged{}}
	if err := decode(r.m.Data, &req); err != nil {
		return resp, err
	}
	e, ok := js.b.Stream(r.stream)
	if !ok {
		return resp, ErrStreamNotFound
	}
	info := Info(e, js.now(), false)
	if req.SubjectsFilter != "" {
		info.State.Subjects = make(map[string]uint64)
		for subj, st := range e.Stream.SubjectsState(req.SubjectsFilter) {
			info.State.Subjects[subj] = st.Msgs
		}
		// server/jetstream_api.go: JSMaxSubjectDetails pages the subjects.
		resp.Total, resp.Offset, resp.Limit = len(info.State.Subjects), req.Offset, 100_000
	}
	resp.streamInfoJSON = infoJSON(info, js.s.id)
	return resp, nil
}

// successResponse is the delete replies (JSApiStreamDeleteResponse).
type successResponse struct {
	apiResponse
	Success bool `json:"success,omitempty"`
}

// purgeResponse is JSApiStreamPurgeResponse.
type purgeResponse struct {
	apiResponse
	Success bool   `json:"success,omitempty"`
	Purged  uint64 `json:"purged"`
}

func (js *jetStream) streamDelete(r *request) (any, error) {
	if err := js.b.DeleteStream(r.stream); err != nil {
		return nil, err
	}
	js.dropConsumers(r.stream)
	return &successResponse{Success: true}, nil
}

func (js *jetStream) streamPurge(r *request) (any, error) {
	var req jetstream.StreamPurgeRequest
	resp := &purgeResponse{}
	if err := decode(r.m.Data, &req); err != nil {
		return resp, err
	}
	e, ok := js.b.Stream(r.stream)
	if !ok {
		return resp, ErrStreamNotFound
	}
	if e.Config.DenyPurge {
		return resp, apiErr(500, 10110, "stream purge failed: purge not permitted") // JSStreamPurgeFailedF
	}
	if req.Sequence > 0 && req.Keep > 0 {
		return resp, errBadRequest
	}
	n, err := e.Stream.Purge(stream.PurgeRequest{Subject: req.Subject, Seq: req.Sequence, Keep: req.Keep})
	if err != nil {
		return resp, apiErr(500, 10110, err.Error())
	}
	resp.Success, resp.Purged = true, n
	return resp, nil
}

// streamListRequest is JSApiStreamNamesRequest and JSApiStreamListRequest.
type streamListRequest struct {
	Offset  int    `json:"offset"`
	Subject string `json:"subject,omitempty"`
}

// listed returns the streams a names or list request selects: those with
// a subject that overlaps the request's, from its offset, at most limit.
func (js *jetStream) listed(r *request, limit int) ([]StreamEntry, apiPaged, error) {
	var req streamListRequest
	if err := decode(r.m.Data, &req); err != nil {
		return nil, apiPaged{}, err
	}
	var all []StreamEntry
	for _, e := range js.b.Streams() {
		if req.Subject == "" || overlapsAny(e.Config.Subjects, req.Subject) {
			all = append(all, e)
		}
	}
	p := apiPaged{Total: len(all), Offset: req.Offset, Limit: limit}
	if req.Offset < 0 {
		req.Offset = 0
	}
	if req.Offset > len(all) {
		req.Offset = len(all)
	}
	all = all[req.Offset:]
	if len(all) > limit {
		all = all[:limit]
	}
	return all, p, nil
}

func overlapsAny(subjects []string, filter string) bool {
	for _, s := range subjects {
		if subject.Overlap(s, filter) {
			return true
		}
	}
	return false
}

type streamNamesResponse struct {
	apiResponse
	apiPaged
	Streams []string `json:"streams"`
}

func (js *jetStream) streamNames(r *request) (any, error) {
	all, p, err := js.listed(r, namesPageLimit)
	if err != nil {
		return nil, err
	}
	// No match is "streams":null, as the server's nil slice.
	resp := &streamNamesResponse{apiPaged: p}
	for _, e := range all {
		resp.Streams = append(resp.Streams, e.Config.Name)
	}
	return resp, nil
}

type streamListResponse struct {
	apiResponse
	apiPaged
	Streams []*streamInfoJSON `json:"streams"`
}

func (js *jetStream) streamList(r *request) (any, error) {
	all, p, err := js.listed(r, listPageLimit)
	if err != nil {
		return nil, err
	}
	// An empty list is "streams":[], unlike the names request's null: the
	// server starts from an empty slice (jetstream_api.go:
	// jsStreamListRequest), and the nats CLI's schema check refuses null.
	resp := &streamListResponse{apiPaged: p, Streams: []*streamInfoJSON{}}
	now := js.now()
	for _, e := range all {
		resp.Streams = append(resp.Streams, infoJSON(Info(e, now, true), ""))
	}
	return resp, nil
}

// now is the time of replies, from the backend's clock.
func (js *jetStream) now() time.Time { return js.b.Clock().Now() }
