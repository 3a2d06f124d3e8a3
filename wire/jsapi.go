package wire

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetsim/jetsim/stream"
)

// This file is the JetStream API's door: one {subject, handler} table, the
// preamble every request shares (the stream name from the subject, the
// fault hook, the API counters), and the reply envelope. nats-server
// repeats the preamble in each handler (server/jetstream_api.go); here it
// runs once, in dispatch.

// apiPrefix is the subject prefix of every JetStream API request.
const apiPrefix = "$JS.API."

// jetStream is the JetStream layer of a server with a Backend.
type jetStream struct {
	s *Server
	b Backend

	delays delays // requests a latency fault holds back

	mu        sync.Mutex
	consumers map[consumerKey]*pushConsumer // guarded by mu
	stopped   bool                          // guarded by mu: the server closed
	cancels   []func()                      // guarded by mu: the API's subscriptions, nil while off

	// on is whether JetStream is enabled (SetJetStream): while it is off
	// nothing answers the API and no stream captures a message.
	on atomic.Bool
	wg sync.WaitGroup // the consumers' goroutines

	total, errs atomic.Int64 // the account info's api.total and api.errors
}

// request is one API request as a handler sees it.
type request struct {
	m      *Msg
	api    string // e.g. "STREAM.INFO"
	stream string // the stream token of the subject, "" for none
	rest   string // the subject's tokens after the stream name
	after  func() // run once the reply is sent
}

// apiEntry is one endpoint of the API.
type apiEntry struct {
	subject string // the subscription, as the server's
	api     string
	typ     string // the reply's "type", after "io.nats.jetstream.api.v1."
	// streamTok is the index of the stream name token after "$JS.API.";
	// 0 for none.
	streamTok int
	h         func(js *jetStream, r *request) (any, error)
}

// uncounted reports whether a request to the endpoint is left out of the
// account's API figures when it succeeds: the server counts only what it
// sends through sendAPIResponse, and direct gets and message gets answer
// otherwise (server/stream.go: getDirectRequest; jetstream_api.go:
// jsMsgGetRequest).
func (e *apiEntry) uncounted() bool {
	return e.api == "DIRECT.GET" || e.api == "STREAM.MSG.GET"
}

// apiTable lists the endpoints, as server/jetstream_api.go: jsAPIRoutes.
var apiTable = []apiEntry{
	{"$JS.API.INFO", "INFO", "account_info_response", 0, (*jetStream).accountInfo},
	{"$JS.API.STREAM.CREATE.*", "STREAM.CREATE", "stream_create_response", 2, (*jetStream).streamCreate},
	{"$JS.API.STREAM.UPDATE.*", "STREAM.UPDATE", "stream_update_response", 2, (*jetStream).streamUpdate},
	{"$JS.API.STREAM.NAMES", "STREAM.NAMES", "stream_names_response", 0, (*jetStream).streamNames},
	{"$JS.API.STREAM.LIST", "STREAM.LIST", "stream_list_response", 0, (*jetStream).streamList},
	{"$JS.API.STREAM.INFO.*", "STREAM.INFO", "stream_info_response", 2, (*jetStream).streamInfo},
	{"$JS.API.STREAM.DELETE.*", "STREAM.DELETE", "stream_delete_response", 2, (*jetStream).streamDelete},
	{"$JS.API.STREAM.PURGE.*", "STREAM.PURGE", "stream_purge_response", 2, (*jetStream).streamPurge},
	{"$JS.API.STREAM.MSG.GET.*", "STREAM.MSG.GET", "stream_msg_get_response", 3, (*jetStream).msgGet},
	{"$JS.API.DIRECT.GET.*", "DIRECT.GET", "", 2, (*jetStream).directGet},
	{"$JS.API.DIRECT.GET.*.>", "DIRECT.GET", "", 2, (*jetStream).directGet},
	{"$JS.API.CONSUMER.CREATE.*", "CONSUMER.CREATE", "consumer_create_response", 2, (*jetStream).consumerCreate},
	{"$JS.API.CONSUMER.CREATE.*.>", "CONSUMER.CREATE", "consumer_create_response", 2, (*jetStream).consumerCreate},
	{"$JS.API.CONSUMER.DURABLE.CREATE.*.*", "CONSUMER.DURABLE.CREATE", "consumer_create_response", 3, (*jetStream).consumerCreate},
	{"$JS.API.CONSUMER.INFO.*.*", "CONSUMER.INFO", "consumer_info_response", 2, (*jetStream).consumerInfo},
	{"$JS.API.CONSUMER.DELETE.*.*", "CONSUMER.DELETE", "consumer_delete_response", 2, (*jetStream).consumerDelete},
	// Endpoints the server has and jetsim does not serve: each answers
	// with an error that names it rather than leaving the client to time
	// out.
	{"$JS.API.STREAM.MSG.DELETE.*", "STREAM.MSG.DELETE", "stream_msg_delete_response", 3, notServed},
	{"$JS.API.STREAM.SNAPSHOT.*", "STREAM.SNAPSHOT", "stream_snapshot_response", 2, notServed},
	{"$JS.API.STREAM.RESTORE.*", "STREAM.RESTORE", "stream_restore_response", 2, notServed},
	{"$JS.API.CONSUMER.NAMES.*", "CONSUMER.NAMES", "consumer_names_response", 2, notServed},
	{"$JS.API.CONSUMER.LIST.*", "CONSUMER.LIST", "consumer_list_response", 2, notServed},
	{"$JS.API.CONSUMER.MSG.NEXT.*.*", "CONSUMER.MSG.NEXT", "", 3, notServed},
	{"$JS.API.CONSUMER.PAUSE.*.*", "CONSUMER.PAUSE", "consumer_pause_response", 2, notServed},
	{"$JS.API.CONSUMER.UNPIN.*.*", "CONSUMER.UNPIN", "consumer_unpin_response", 2, notServed},
}

// startJetStream registers the API's subscriptions, the flow-control
// replies and the capture of published messages into streams. Requests run
// on the publisher's goroutine; each push consumer has one goroutine (see
// push.go), which Server.Close ends through stopJS.
func (s *Server) startJetStream() {
	js := &jetStream{s: s, b: s.b, consumers: make(map[consumerKey]*pushConsumer)}
	s.js = js
	s.capture = js.capture
	s.stopJS = js.stop
	js.enable(true)
}

// enable turns the JetStream layer on or off. Off, it is a server
// without JetStream: its API subscriptions are gone, so a request gets
// the no-responders status (nats.go then reports
// jetstream.ErrJetStreamNotEnabled or nats.ErrNoResponders, by call), a
// message published to a stream's subject is captured by nothing, and its
// push consumers are deleted, as a server restarted without JetStream has
// none; the streams stay in the backend for when it is turned on again.
func (js *jetStream) enable(on bool) {
	js.mu.Lock()
	if js.stopped || js.on.Load() == on {
		js.mu.Unlock()
		return
	}
	js.on.Store(on)
	if on {
		for i := range apiTable {
			e := &apiTable[i]
			js.cancels = append(js.cancels, js.s.subscribeInternal(e.subject, func(m *Msg) { js.dispatch(e, m) }))
		}
		js.cancels = append(js.cancels,
			js.s.subscribeInternal("$JS.FC.>", js.flowControlReply),
			// The server takes every $JS.API subject
			// (server/jetstream_api.go: apiDispatch) and leaves the ones
			// it does not know unanswered: a timeout for the client, not
			// "no responders".
			js.s.subscribeInternal("$JS.API.>", func(*Msg) {}))
		js.mu.Unlock()
		return
	}
	cancels, all := js.cancels, js.consumers
	js.cancels, js.consumers = nil, make(map[consumerKey]*pushConsumer)
	js.mu.Unlock()
	for _, cancel := range cancels {
		cancel()
	}
	for _, c := range all {
		c.stop()
	}
}

// stop drops the delayed requests, ends every push consumer and waits for
// their goroutines; consumers are refused from then on.
func (js *jetStream) stop() {
	js.stopDelays()
	js.mu.Lock()
	js.stopped = true
	all := js.consumers
	js.consumers = make(map[consumerKey]*pushConsumer)
	js.mu.Unlock()
	for _, c := range all {
		c.stop()
	}
	js.wg.Wait()
}

// apiResponse starts every JSON reply (server/jetstream_api.go: ApiResponse).
type apiResponse struct {
	Type  string              `json:"type"`
	Error *jetstream.APIError `json:"error,omitempty"`
}

func (r *apiResponse) envelope() *apiResponse { return r }

type enveloped interface{ envelope() *apiResponse }

// apiPaged is the paging part of list replies.
type apiPaged struct {
	Total  int `json:"total"`
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
}

// dispatch is the preamble every request shares, then the handler, then
// the reply: the handler's value with its type and error filled in, or
// nothing when the handler answered itself (direct gets) or the fault hook
// chose silence. A request the fault hook delays is served later, off the
// connection's read loop (see later).
func (js *jetStream) dispatch(e *apiEntry, m *Msg) {
	r := &request{m: m, api: e.api}
	toks := strings.SplitN(strings.TrimPrefix(m.Subject, apiPrefix), ".", e.streamTok+2)
	if e.streamTok > 0 && len(toks) > e.streamTok {
		r.stream = toks[e.streamTok]
		if len(toks) > e.streamTok+1 {
			r.rest = toks[e.streamTok+1]
		}
	}
	delay, err := js.b.Fault(Request{API: e.api, Stream: r.stream, Subject: r.rest, Header: m.Header})
	if delay > 0 {
		r.m = m.clone()
		js.later(delay, func() { js.serve(e, r, err) })
		return
	}
	js.serve(e, r, err)
}

// serve answers a request: with the injected fault's reply when fault is
// not nil, or with the handler's.
func (js *jetStream) serve(e *apiEntry, r *request, fault error) {
	m := r.m
	if fault != nil {
		js.faultReply(m.Reply, fault, e.typ)
		return
	}
	v, err := e.h(js, r)
	switch {
	case err != nil:
		js.total.Add(1)
		js.errs.Add(1)
	case !e.uncounted():
		js.total.Add(1)
	}
	if m.Reply == "" || (v == nil && err == nil) {
		if r.after != nil && err == nil {
			r.after()
		}
		return
	}
	if v == nil {
		v = &apiResponse{}
	}
	env := v.(enveloped).envelope()
	env.Type = "io.nats.jetstream.api.v1." + e.typ
	if err != nil {
		env.Error = apiErrorOf(err)
	}
	js.reply(m.Reply, nil, v)
	if r.after != nil && err == nil {
		r.after()
	}
}

// reply publishes v as JSON (or as is, for []byte) to subj.
func (js *jetStream) reply(subj string, hdr []byte, v any) {
	var data []byte
	switch x := v.(type) {
	case []byte:
		data = x
	case nil:
	default:
		var err error
		if data, err = json.Marshal(v); err != nil {
			return
		}
	}
	js.s.publish(&Msg{Subject: subj, Header: hdr, Data: data})
}

// status sends a header-only status reply ("NATS/1.0 404 Message Not
// Found"), as the server does for direct gets and no responders.
func (js *jetStream) status(subj, status string) {
	if subj == "" {
		return
	}
	js.s.publish(&Msg{Subject: subj, Header: []byte("NATS/1.0 " + status + "\r\n\r\n")})
}

// faultReply answers a request the fault hook failed, with the wire event
// that makes the client produce the injected error: no reply for a timeout
// (the client's own timeout or context ends the call), a 503 status for no
// responders, the error JSON for an API error (a status with its
// description for a direct get). It reports whether it sent anything.
func (js *jetStream) faultReply(reply string, err error, typ string) bool {
	var ae *jetstream.APIError
	var le *nats.APIError
	switch {
	case reply == "":
		return false
	case errors.Is(err, nats.ErrNoResponders), errors.Is(err, jetstream.ErrNoStreamResponse), errors.Is(err, nats.ErrNoStreamResponse):
		js.status(reply, "503")
		return true
	case errors.As(err, &ae), errors.As(err, &le):
		e := apiErrorOf(err)
		if typ == "" {
			// A direct get answers with statuses only; the client reports
			// one as "nats: <description>" (jetstream/stream.go:
			// convertDirectGetMsgResponseToMsg).
			js.status(reply, fmt.Sprintf("%d %s", e.Code, e.Description))
			return true
		}
		js.total.Add(1)
		js.errs.Add(1)
		js.reply(reply, nil, &apiResponse{Type: "io.nats.jetstream.api.v1." + typ, Error: e})
		return true
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrTimeout), errors.Is(err, jetstream.ErrJetStreamNotEnabled):
	}
	return false
}

// apiErrorOf is the error object of a reply: API errors pass through
// (server/errors.go: Unless), engine errors carry their codes, and
// anything else is the server's catch-all 500.
func apiErrorOf(err error) *jetstream.APIError {
	var ae *jetstream.APIError
	if errors.As(err, &ae) {
		return ae
	}
	var le *nats.APIError
	if errors.As(err, &le) {
		return &jetstream.APIError{Code: le.Code, ErrorCode: jetstream.ErrorCode(le.ErrorCode), Description: le.Description}
	}
	var se *stream.Error
	if errors.As(err, &se) {
		return &jetstream.APIError{Code: se.Code, ErrorCode: jetstream.ErrorCode(se.ErrCode), Description: se.Description}
	}
	return &jetstream.APIError{Code: 500, ErrorCode: 10052, Description: err.Error()}
}

// decode unmarshals a request body as the server does
// (server/jetstream_api.go: unmarshalRequest): value after value until the
// body ends, so an empty body is an empty request, and a syntax error is
// the 10025 error with its offset. Unlike the server, jetsim decodes into
// nats.go's types, which lack some of the server's fields, so it cannot
// refuse unknown fields as the server's strict mode does.
func decode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		err := dec.Decode(v)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) {
				err = fmt.Errorf("%w at offset %d", err, se.Offset)
			}
			return errInvalidJSON(err)
		}
	}
}

// notServed answers endpoints jetsim does not implement.
func notServed(_ *jetStream, r *request) (any, error) {
	return nil, errNotServed(r.api)
}
