package conformance

import (
	"errors"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
)

// requireErr checks that err prints exactly text and satisfies errors.Is for
// every target.
func requireErr(t *testing.T, err error, text string, targets ...error) {
	t.Helper()
	require.Error(t, err, "want %q", text)
	require.Equal(t, text, err.Error())
	for _, target := range targets {
		require.ErrorIs(t, err, target)
	}
}

// requireNotIs checks that errors.Is(err, target) is false for each target.
func requireNotIs(t *testing.T, err error, targets ...error) {
	t.Helper()
	for _, target := range targets {
		require.NotErrorIs(t, err, target)
	}
}

// requireAPIError checks that err wraps a *jetstream.APIError with the given
// HTTP-like code and JetStream error code.
func requireAPIError(t *testing.T, err error, code int, errCode jetstream.ErrorCode) {
	t.Helper()
	var apiErr *jetstream.APIError
	require.True(t, errors.As(err, &apiErr), "%v is not a *jetstream.APIError", err)
	require.Equal(t, code, apiErr.Code, "APIError.Code")
	require.Equal(t, errCode, apiErr.ErrorCode, "APIError.ErrorCode")
}

// Error texts of server errors as the jetstream package prints them for
// writes (publish wraps the API error with another "nats: ").
const (
	errKeyExistsFmt   = "nats: nats: API error: code=400 err_code=10071 description=wrong last sequence: %d: key exists"
	errRevMismatchFmt = "nats: nats: API error: code=400 err_code=10071 description=wrong last sequence: %d: nats: key revision mismatch"
	errMaxSize        = "nats: nats: API error: code=400 err_code=10054 description=message size exceeds maximum allowed"
	errMaxBytes       = "nats: nats: API error: code=503 err_code=10077 description=maximum bytes exceeded"
	errTTLDisabled    = "nats: nats: API error: code=400 err_code=10166 description=per-message TTL is disabled"
	errTTLInvalid     = "nats: nats: API error: code=400 err_code=10165 description=invalid per-message TTL"
	errBadPattern     = "nats: invalid key: key cannot be empty and must be a valid NATS subject"
)
