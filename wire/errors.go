package wire

import "errors"

// The texts a client sees after "-ERR", exactly as nats-server v2.15.3 sends
// them; each names the place in the server source that sends it.
const (
	// server/parser.go: parse, the parseErr label.
	errUnknownOp = "Unknown Protocol Operation"
	// server/client.go: maxPayloadViolation; the connection is closed.
	errMaxPayload = "Maximum Payload Violation"
	// server/client.go: processSubEx, when the sublist refuses the subject;
	// the connection stays open.
	errInvalidSubject = "Invalid Subject"
	// server/client.go: processPub and processHeaderPub, for a pedantic
	// client publishing to a wildcard or malformed subject; the message is
	// still routed.
	errInvalidPubSubject = "Invalid Publish Subject"
	// server/errors.go: ErrMaxControlLine, sent by parser.go:
	// overMaxControlLineLimit (the error's context is not sent).
	errMaxControlLine = "maximum control line exceeded"
	// server/errors.go: ErrBadClientProtocol, sent by client.go: processConnect.
	errBadProtocol = "invalid client protocol"
	// server/errors.go: ErrNoRespondersRequiresHeaders, sent by
	// client.go: processConnect.
	errNoRespondersHeaders = "no responders requires headers support"
	// server/client.go: authViolation, sent for a CONNECT naming an account
	// or with the wrong credentials (processConnect), or a first verb that
	// is not CONNECT where credentials are required (parser.go: parse).
	errAuthorization = "Authorization Violation"
	// server/client.go: authTimeout, when a client of a listener that
	// requires authentication sends no CONNECT within auth_timeout.
	errAuthTimeout = "Authentication Timeout"
	// server/client.go: pubPermissionViolation (%q of the subject).
	errPubViolation = "Permissions Violation for Publish to %q"
	// server/client.go: replySubjectViolation (%q of the reply).
	errReplyViolation = "Permissions Violation for Publish with Reply of %q"
)

// errRefused is what InProcessConn returns while the server refuses
// connections: the text nats-server's InProcessConn returns once it is
// shutting down (server/server.go: InProcessConn).
var errRefused = errors.New("failed to create connection")

// errHeadersNotSupported closes a connection that sends HPUB without having
// said "headers":true in CONNECT; nats-server closes it as a protocol
// violation without sending -ERR (server/errors.go:
// ErrMsgHeadersNotSupported, client.go: processHeaderPub).
var errHeadersNotSupported = errors.New("message headers not supported")
