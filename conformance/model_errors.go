package conformance

import (
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// The Model's errors are built the way nats.go builds them from the
// server's replies, so that their texts and errors.Is identities are the
// client's (SEMANTICS 9).

// modelPublishErr is a server error on a publish: jetstream/publish.go wraps
// the API error with another "nats: ".
func modelPublishErr(code int, errCode jetstream.ErrorCode, description string) error {
	return fmt.Errorf("nats: %w", &jetstream.APIError{Code: code, ErrorCode: errCode, Description: description})
}

func modelErrMsgSize() error {
	return modelPublishErr(400, jetstream.JSErrCodeStreamMessageExceedsMaximum, "message size exceeds maximum allowed")
}

func modelErrMaxBytes() error { return modelPublishErr(503, 10077, "maximum bytes exceeded") }

func modelErrTTLDisabled() error { return modelPublishErr(400, 10166, "per-message TTL is disabled") }

func modelErrTTLInvalid() error { return modelPublishErr(400, 10165, "invalid per-message TTL") }

// modelErrWrongLastSeq reports the key's current last revision fseq.
func modelErrWrongLastSeq(fseq uint64) error {
	return modelPublishErr(400, jetstream.JSErrCodeStreamWrongLastSequence, fmt.Sprintf("wrong last sequence: %d", fseq))
}

func modelIsWrongLastSeq(err error) bool {
	var ae *jetstream.APIError
	return errors.As(err, &ae) && ae.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence
}

// modelKeyExists is Create's error for an existing key (jetstream/kv.go: Create
// appends ErrKeyExists's message; 10071 matches ErrKeyExists by code).
func modelKeyExists(err error) error { return fmt.Errorf("%w: %s", err, "key exists") }

// modelRevMismatch is jetstream/kv.go: mapRevisionMismatch.
func modelRevMismatch(err error) error {
	if modelIsWrongLastSeq(err) {
		return fmt.Errorf("%w: %w", err, jetstream.ErrKeyRevisionMismatch)
	}
	return err
}
