package memkv

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetsim/jetsim/stream"
)

// This file maps the stream engine's errors to the client's, wrapped the
// way nats.go wraps them, so that errors.Is, == and the texts all match.

// maxPayload is the server's default max_payload; the client refuses
// larger messages before sending (nats.go: PublishMsg).
const maxPayload = 1 << 20

// errNilContext is memkv's panic for a nil context. nats.go v1.56.0
// dereferences the context of every KV call (jetstream/jetstream.go:
// wrapContextWithoutDeadline; kv.go for the legacy nats.Context(nil)), so
// a nil one panics in production: memkv panics at the same call, with a
// message that says why, rather than let a test pass.
var errNilContext = errors.New("memkv: nil context.Context (nats.go panics on it too)")

// mustContext panics with errNilContext if ctx is nil. Calls check it
// where the client first uses the context: after the client's own checks
// of the key, bucket name and options, which come first and return their
// errors.
func mustContext(ctx context.Context) {
	if ctx == nil {
		panic(errNilContext)
	}
}

// ctxErr is ctx.Err(); it panics on a nil ctx (see mustContext).
func ctxErr(ctx context.Context) error {
	mustContext(ctx)
	return ctx.Err()
}

// listContextErr is the error of a bucket listing: the client's listings
// run in a goroutine and report a nil context as nats.ErrInvalidContext
// (context.go: RequestMsgWithContext) instead of panicking.
func listContextErr(ctx context.Context) error {
	if ctx == nil {
		return nats.ErrInvalidContext
	}
	return ctx.Err()
}

func wrapf(err error, detail string) error { return fmt.Errorf("%w: %s", err, detail) }

// bucketExists is CreateKeyValue's error for a differing config
// (jetstream/kv.go: CreateKeyValue joins it with the server's 10058).
func bucketExists(bucket string) error {
	return errors.Join(wrapf(jetstream.ErrBucketExists, bucket),
		&jetstream.APIError{Code: 400, ErrorCode: jetstream.JSErrCodeStreamNameInUse, Description: "stream name already in use"})
}

// apiError turns an engine error into the server's API error as the
// jetstream package decodes it.
func apiError(err error) error {
	var se *stream.Error
	if errors.As(err, &se) {
		return &jetstream.APIError{Code: se.Code, ErrorCode: jetstream.ErrorCode(se.ErrCode), Description: se.Description}
	}
	return err
}

// publishError is the jetstream package's error for a failed publish:
// the server's API error behind "nats: " (jetstream/publish.go:
// publishMsg), or ErrNoStreamResponse when no stream took the message.
func publishError(err error) error {
	switch {
	case errors.Is(err, stream.ErrClosed), errors.Is(err, stream.ErrNoSubject):
		return jetstream.ErrNoStreamResponse
	}
	return fmt.Errorf("nats: %w", apiError(err))
}

// readError is the error of a direct get on a bucket that is gone.
func readError(err error) error {
	if errors.Is(err, stream.ErrClosed) {
		return nats.ErrNoResponders
	}
	return err
}

// isWrongLastSeq reports a 10071/10164 error (jetstream/kv.go:
// isWrongLastSeqErr).
func isWrongLastSeq(err error) bool {
	var ae *jetstream.APIError
	if !errors.As(err, &ae) {
		return false
	}
	return ae.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence || ae.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant
}

// mapRevisionMismatch adds ErrKeyRevisionMismatch to a wrong-last-sequence
// error (jetstream/kv.go: mapRevisionMismatch).
func mapRevisionMismatch(err error) error {
	if err != nil && isWrongLastSeq(err) {
		return fmt.Errorf("%w: %w", err, jetstream.ErrKeyRevisionMismatch)
	}
	return err
}
