package wire

import (
	"crypto/rand"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/jetsim/jetsim/stream"
	"github.com/jetsim/jetsim/subject"
)

// This file serves CONSUMER.CREATE (all three subject forms, and the
// legacy DURABLE.CREATE), CONSUMER.INFO and CONSUMER.DELETE for the
// consumers KV watchers use: ephemeral push consumers without acks
// (ordered consumers). Pull consumers, acknowledgements, durable
// consumers, start times, rate limits and deliver groups are refused with
// an error that names them. The create reply's num_pending and
// delivered.consumer_seq are the watcher's initial count (SEMANTICS §6.4).

// consumerKey names a consumer: its stream and its name.
type consumerKey struct{ stream, name string }

// consumerCreateRequest is server/jetstream_api.go: CreateConsumerRequest.
type consumerCreateRequest struct {
	Stream string               `json:"stream_name"`
	Config *nats.ConsumerConfig `json:"config"`
	Action string               `json:"action"`
}

// consumerInfoResponse is JSApiConsumerInfoResponse and
// JSApiConsumerCreateResponse (server/consumer.go: ConsumerInfo).
type consumerInfoResponse struct {
	apiResponse
	Stream         string              `json:"stream_name,omitempty"`
	Name           string              `json:"name,omitempty"`
	Created        *time.Time          `json:"created,omitempty"`
	Config         *consumerConfigJSON `json:"config,omitempty"`
	Delivered      *nats.SequenceInfo  `json:"delivered,omitempty"`
	AckFloor       *nats.SequenceInfo  `json:"ack_floor,omitempty"`
	NumAckPending  int                 `json:"num_ack_pending"`
	NumRedelivered int                 `json:"num_redelivered"`
	NumWaiting     int                 `json:"num_waiting"`
	NumPending     uint64              `json:"num_pending"`
	PushBound      bool                `json:"push_bound,omitempty"`
	TimeStamp      *time.Time          `json:"ts,omitempty"`
}

// defaultInactive is the inactive threshold of an ephemeral consumer
// (server/consumer.go: JsDeleteWaitTimeDefault).
const defaultInactive = 5 * time.Second

func (js *jetStream) consumerCreate(r *request) (any, error) {
	var req consumerCreateRequest
	if err := decode(r.m.Data, &req); err != nil {
		return nil, err
	}
	e, ok := js.b.Stream(r.stream)
	if !ok {
		return nil, ErrStreamNotFound
	}
	if req.Stream != r.stream {
		return nil, errStreamMismatch
	}
	var cfg nats.ConsumerConfig
	if req.Config != nil {
		cfg = *req.Config
	}
	name, filter, _ := strings.Cut(r.rest, ".")
	switch {
	case r.api == "CONSUMER.DURABLE.CREATE", cfg.Durable != "":
		return nil, errNotServed("durable consumers")
	case name != "" && cfg.Name != "" && cfg.Name != name:
		return nil, errNameNotInSubject
	case filter != "" && (cfg.FilterSubject != filter || len(cfg.FilterSubjects) > 0):
		return nil, apiErr(400, 10131, "Consumer create request did not match filtered subject from create subject")
	case cfg.DeliverSubject == "":
		return nil, errNotServed("pull consumers")
	case cfg.AckPolicy != nats.AckNonePolicy:
		return nil, errNotServed("acknowledged consumers")
	case cfg.FlowControl && cfg.Heartbeat <= 0:
		return nil, errFCNeedsHB
	case cfg.DeliverGroup != "", cfg.RateLimit > 0, cfg.OptStartTime != nil, cfg.DeliverPolicy == nats.DeliverByStartTimePolicy:
		return nil, errNotServed("deliver groups, rate limits and start times")
	// server/consumer.go: checkConsumerCfg, the deliver subject's checks.
	// A deliver subject of the server's own (the API, flow control) would
	// feed deliveries into the server's handlers.
	case !subject.Literal(cfg.DeliverSubject):
		return nil, apiErr(400, 10079, "consumer deliver subject has wildcards")
	case !validSubject(cfg.DeliverSubject) || reservedDestination(cfg.DeliverSubject):
		return nil, apiErr(400, 10112, "invalid push consumer deliver subject")
	case formsCycle(e.Config.Subjects, cfg.DeliverSubject):
		return nil, apiErr(400, 10081, "consumer deliver subject forms a cycle")
	}
	if name == "" {
		name = cfg.Name
	}
	if name == "" {
		name = consumerName()
	}
	filters := cfg.FilterSubjects
	if cfg.FilterSubject != "" {
		filters = []string{cfg.FilterSubject}
	}
	for _, f := range filters {
		// A filter outside the stream's subjects is accepted and matches
		// nothing (nats-server v2.15.3 does not check it).
		if f == "" {
			return nil, apiErr(400, 10139, "consumer filter in FilterSubjects cannot be empty")
		}
	}
	var policy stream.DeliverPolicy
	switch cfg.DeliverPolicy {
	case nats.DeliverAllPolicy:
		policy = stream.DeliverAll
	case nats.DeliverLastPolicy:
		policy = stream.DeliverLast
	case nats.DeliverNewPolicy:
		policy = stream.DeliverNew
	case nats.DeliverByStartSequencePolicy:
		policy = stream.DeliverByStartSequence
	case nats.DeliverLastPerSubjectPolicy:
		policy = stream.DeliverLastPerSubject
	}
	key := consumerKey{r.stream, name}
	js.mu.Lock()
	old := js.consumers[key]
	js.mu.Unlock()
	if old != nil && old.st == e.Stream {
		return nil, errConsumerExists
	}
	// The server's figures for the consumer's start (server/consumer.go:
	// selectStartingSeqNo), read before the consumer takes its own view.
	start := startSeq(e, cfg, filters)
	// Headers-only is applied at delivery, where the payload's size is
	// still known (push.go: headersOnly).
	sc, err := e.Stream.NewConsumer(stream.ConsumerConfig{FilterSubjects: filters, DeliverPolicy: policy, OptStartSeq: cfg.OptStartSeq})
	if err != nil {
		return nil, err
	}
	cfg.Name = name
	if cfg.InactiveThreshold == 0 {
		cfg.InactiveThreshold = defaultInactive
	}
	if cfg.MaxDeliver == 0 {
		cfg.MaxDeliver = -1
	}
	cfg.Metadata = map[string]string{metaReqLevel: "0", metaLevel: strconv.Itoa(jsAPILevel), metaVersion: version}
	c := newPushConsumer(js, key, e.Stream, sc, cfg, filters, start, js.b.Clock().Now().UTC())
	js.mu.Lock()
	if js.stopped || !js.on.Load() {
		// Closed, or JetStream turned off meanwhile: the consumer is
		// gone with the rest.
		js.mu.Unlock()
		sc.Close()
		return nil, ErrStreamNotFound
	}
	js.consumers[key] = c
	js.wg.Add(1)
	js.mu.Unlock()
	r.after = c.begin
	return c.info(sc.InitialPending(), js.now()), nil
}

// reservedDestination reports whether a consumer may not deliver to subj:
// a service import's or gateway's reply space, or the server's own
// JetStream subjects (server/client.go: isReservedDestination,
// jsReservedKind).
func reservedDestination(subj string) bool {
	if hasPrefix([]byte(subj), "_R_.") || gatewayReply([]byte(subj)) {
		return true
	}
	rest, ok := strings.CutPrefix(subj, "$JS.")
	if !ok {
		return false
	}
	tok, rest, _ := strings.Cut(rest, ".")
	switch tok {
	case "API", "ACK", "FC", "SNAPSHOT", "EVENT":
		return true
	}
	// "$JS.<domain>.API...": an API request for a domain.
	tok, _, _ = strings.Cut(rest, ".")
	return tok == "API"
}

// formsCycle reports whether the stream would capture its consumer's
// deliveries (server/consumer.go: deliveryFormsCycle).
func formsCycle(subjects []string, deliver string) bool {
	for _, s := range subjects {
		if subject.Match(deliver, s) {
			return true
		}
	}
	return false
}

// startSeq is the first stream sequence the server would consider for a
// new consumer (server/consumer.go: selectStartingSeqNo).
func startSeq(e StreamEntry, cfg nats.ConsumerConfig, filters []string) uint64 {
	st := e.Stream.State()
	var seq uint64
	switch {
	case cfg.OptStartSeq > 0:
		seq = cfg.OptStartSeq
	case cfg.DeliverPolicy == nats.DeliverAllPolicy:
		seq = st.FirstSeq
	case cfg.DeliverPolicy == nats.DeliverLastPolicy:
		if len(filters) == 0 {
			seq = st.LastSeq
		}
		for _, f := range filters {
			for subj, ss := range e.Stream.SubjectsState(f) {
				_ = subj
				seq = max(seq, ss.Last)
			}
		}
	case cfg.DeliverPolicy == nats.DeliverLastPerSubjectPolicy:
		if e.Config.MaxMsgsPerSubject == 1 {
			seq = st.FirstSeq
			break
		}
		seq = st.LastSeq
		all := filters
		if len(all) == 0 {
			all = []string{">"}
		}
		first := uint64(0)
		for _, f := range all {
			if seqs := e.Stream.LastSeqs(f); len(seqs) > 0 && (first == 0 || seqs[0] < first) {
				first = seqs[0]
			}
		}
		if first > 0 {
			seq = first
		}
	default:
		seq = st.LastSeq + 1
	}
	switch {
	case st.FirstSeq == 0 && cfg.OptStartSeq == 0:
		seq = 1
	case seq > st.LastSeq && cfg.OptStartSeq == 0:
		seq = st.LastSeq + 1
	case seq < st.FirstSeq:
		seq = st.FirstSeq
	}
	return seq
}

// consumerName is an ephemeral consumer's generated name: 8 characters of
// the server's alphabet (server/consumer.go: createConsumerName).
func consumerName() string {
	const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	var b [8]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = digits[int(b[i])%len(digits)]
	}
	return string(b[:])
}

// lookupConsumer finds the consumer a request names, with the server's
// errors for a missing stream or consumer.
func (js *jetStream) lookupConsumer(r *request) (*pushConsumer, error) {
	e, ok := js.b.Stream(r.stream)
	if !ok {
		return nil, ErrStreamNotFound
	}
	js.mu.Lock()
	c := js.consumers[consumerKey{r.stream, r.rest}]
	js.mu.Unlock()
	if c == nil || c.st != e.Stream {
		return nil, errConsumerNotFound
	}
	return c, nil
}

func (js *jetStream) consumerInfo(r *request) (any, error) {
	c, err := js.lookupConsumer(r)
	if err != nil {
		return nil, err
	}
	return c.info(c.pending(), js.now()), nil
}

func (js *jetStream) consumerDelete(r *request) (any, error) {
	c, err := js.lookupConsumer(r)
	if err != nil {
		return nil, err
	}
	js.remove(c)
	return &successResponse{Success: true}, nil
}

// remove deletes c: it delivers nothing more.
func (js *jetStream) remove(c *pushConsumer) {
	js.mu.Lock()
	if js.consumers[c.key] == c {
		delete(js.consumers, c.key)
	}
	js.mu.Unlock()
	c.stop()
}

// dropConsumers removes the consumers of a deleted stream.
func (js *jetStream) dropConsumers(streamName string) {
	js.mu.Lock()
	var gone []*pushConsumer
	for k, c := range js.consumers {
		if k.stream == streamName {
			gone = append(gone, c)
			delete(js.consumers, k)
		}
	}
	js.mu.Unlock()
	for _, c := range gone {
		c.stop()
	}
}
