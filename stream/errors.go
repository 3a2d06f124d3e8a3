package stream

import (
	"errors"
	"fmt"
)

// Error is a JetStream API error: the HTTP-like code, the JetStream error
// code and the server's description, exactly as the server sends them.
type Error struct {
	Code        int
	ErrCode     uint16
	Description string
}

// Error returns the description.
func (e *Error) Error() string { return e.Description }

// Is matches any *Error with the same ErrCode, so that callers can test for
// a kind of error with errors.Is(err, stream.ErrMaxBytes).
func (e *Error) Is(target error) bool {
	var t *Error
	if errors.As(target, &t) {
		return t.ErrCode == e.ErrCode
	}
	return false
}

// JetStream error codes that the stream engine produces (server/errors.json).
const (
	CodeInvalidConfig        = 10052
	CodeMessageTooLarge      = 10054
	CodeNameExists           = 10058
	CodeNotFound             = 10059
	CodeWrongLastMsgID       = 10070
	CodeWrongLastSequence    = 10071
	CodeReplicasNotSupported = 10074
	CodeStoreFailed          = 10077
	CodeRollupFailed         = 10111
	CodeOverlappingFilters   = 10138
	CodeInvalidTTL           = 10165
	CodeTTLDisabled          = 10166
)

// Errors with fixed descriptions; the store-failed family (10077) differs
// only by description, so errors.Is matches all three store errors alike.
var (
	ErrMessageTooLarge    = &Error{400, CodeMessageTooLarge, "message size exceeds maximum allowed"}
	ErrMaxBytes           = &Error{503, CodeStoreFailed, "maximum bytes exceeded"}
	ErrMaxMsgs            = &Error{503, CodeStoreFailed, "maximum messages exceeded"}
	ErrMaxMsgsPerSubject  = &Error{503, CodeStoreFailed, "maximum messages per subject exceeded"}
	ErrInvalidTTL         = &Error{400, CodeInvalidTTL, "invalid per-message TTL"}
	ErrTTLDisabled        = &Error{400, CodeTTLDisabled, "per-message TTL is disabled"}
	ErrRollupNotPermitted = &Error{500, CodeRollupFailed, "rollup not permitted"}
	ErrOverlappingFilters = &Error{400, CodeOverlappingFilters, "consumer subject filters cannot overlap"}
	ErrNotFound           = &Error{404, CodeNotFound, "stream not found"}
	ErrNoMessage          = errors.New("stream: no message found")
	ErrClosed             = errors.New("stream: closed")
)

// wrongLastSequence is 10071 carrying the sequence the stream actually has.
func wrongLastSequence(seq uint64) *Error {
	return &Error{400, CodeWrongLastSequence, fmt.Sprintf("wrong last sequence: %d", seq)}
}

func invalidConfig(format string, args ...any) *Error {
	return &Error{500, CodeInvalidConfig, fmt.Sprintf(format, args...)}
}
