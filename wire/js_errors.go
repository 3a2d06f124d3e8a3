package wire

import (
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// The JetStream API errors the wire door sends, with the codes and texts
// of server/errors.json (constant names in comments).

func apiErr(code, errCode int, desc string) *jetstream.APIError {
	return &jetstream.APIError{Code: code, ErrorCode: jetstream.ErrorCode(errCode), Description: desc}
}

var (
	errConsumerNotFound = apiErr(404, 10014, "consumer not found")                                              // JSConsumerNotFoundErr
	errNoMessageFound   = apiErr(404, 10037, "no message found")                                                // JSNoMessageFoundErr
	errStreamMismatch   = apiErr(400, 10056, "stream name in subject does not match request")                   // JSStreamMismatchErr
	errBadRequest       = apiErr(400, 10003, "bad request")                                                     // JSBadRequestErr
	errConsumerExists   = apiErr(400, 10148, "consumer already exists")                                         // JSConsumerAlreadyExists
	errFCNeedsHB        = apiErr(400, 10108, "consumer with flow control also needs heartbeats")                // JSConsumerWithFlowControlNeedsHeartbeats
	errNameNotInSubject = apiErr(400, 10017, "consumer name in subject does not match durable name in request") // JSConsumerDurableNameNotMatchSubjectErr
)

// ErrStreamNotFound is the server's error for a stream that does not
// exist (JSStreamNotFoundErr); a Backend returns it for one.
var ErrStreamNotFound = apiErr(404, 10059, "stream not found")

// ErrStreamNameInUse is the server's error for creating a stream that
// exists with a different config (JSStreamNameExistErr); a Backend's
// CreateStream returns it.
var ErrStreamNameInUse = apiErr(400, 10058, "stream name already in use with a different configuration")

// errInvalidJSON is JSInvalidJSONErr: "invalid JSON: {err}".
func errInvalidJSON(err error) *jetstream.APIError {
	return apiErr(400, 10025, "invalid JSON: "+err.Error())
}

// errInvalidConfig is JSStreamInvalidConfigF: "{err}".
func errInvalidConfig(format string, a ...any) *jetstream.APIError {
	return apiErr(500, 10052, fmt.Sprintf(format, a...))
}

// errNotServed names an endpoint or feature jetsim does not implement.
// The server has no such error; 501 and the bad-request code make the
// client report it as an API error.
func errNotServed(what string) *jetstream.APIError {
	return apiErr(501, 10003, "jetsim: "+what+" is not implemented")
}
