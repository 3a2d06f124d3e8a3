package wire

// Backend is the engine the JetStream layer serves. This placeholder lives
// only on the wire-core branch; wire-js replaces it with the real interface
// (backend.go) and deletes this file.
type Backend interface{}

// startJetStream registers the JetStream layer's internal subscriptions and
// capture; the real one is in wire-js's jsapi.go.
func (s *Server) startJetStream() {}
