package wire

import (
	"crypto/subtle"
	"time"
)

// authTimeout is how long a client of a listener that requires
// authentication has to send CONNECT (server/const.go: AUTH_TIMEOUT, the
// default of the auth_timeout option).
const authTimeout = 2 * time.Second

// ListenOption configures what Listen asks of the clients of one listener.
type ListenOption func(*door)

// WithUserPassword makes the listener require CONNECT's user and pass to be
// user and password, nats-server's single-user authorization (the --user
// and --pass options; server/auth.go: processClientOrLeafAuthentication).
// A client that fails gets "-ERR 'Authorization Violation'" and is closed.
func WithUserPassword(user, password string) ListenOption {
	return func(d *door) { d.auth = auth{user: user, password: password} }
}

// WithToken makes the listener require CONNECT's auth_token to be token
// (nats-server's --auth option).
func WithToken(token string) ListenOption {
	return func(d *door) { d.auth = auth{token: token} }
}

// WithAuthTimeout sets how long a client has to send CONNECT on a listener
// that requires authentication before it gets
// "-ERR 'Authentication Timeout'" and is closed; the default is nats-server's,
// 2 s.
func WithAuthTimeout(d time.Duration) ListenOption {
	return func(dr *door) { dr.authTimeout = d }
}

// auth is the credentials a listener requires; the zero value requires none.
type auth struct {
	user, password, token string
}

// required reports whether a client must authenticate.
func (a auth) required() bool { return a.user != "" || a.token != "" }

// allows reports whether CONNECT's credentials are the ones required,
// compared in constant time as nats-server does (server/auth.go:
// comparePasswords).
func (a auth) allows(o connectOpts) bool {
	switch {
	case a.token != "":
		return equal(a.token, o.Token)
	case a.user != "":
		return a.user == o.User && equal(a.password, o.Pass)
	}
	return true
}

func equal(want, got string) bool {
	return subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}
