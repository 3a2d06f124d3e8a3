package stream

import (
	"bytes"
	"strconv"
	"strings"
	"time"
)

// Header names the stream engine acts on (server/stream.go).
const (
	ExpectedLastSubjSeq = "Nats-Expected-Last-Subject-Sequence"
	ExpectedLastSeq     = "Nats-Expected-Last-Sequence"
	ExpectedLastMsgID   = "Nats-Expected-Last-Msg-Id"
	MsgID               = "Nats-Msg-Id"
	Rollup              = "Nats-Rollup"
	MessageTTL          = "Nats-TTL"
	MarkerReason        = "Nats-Marker-Reason"
	MsgSize             = "Nats-Msg-Size"

	RollupSubject = "sub"
	RollupAll     = "all"
	ReasonMaxAge  = "MaxAge"

	// KVOperation is the KV client's header; the server knows its PURGE value
	// because a PURGE marker counts as a subject delete marker (server/sdm.go).
	KVOperation      = "KV-Operation"
	KVOperationPurge = "PURGE"
)

const hdrLine = "NATS/1.0\r\n"

// EncodeHeader returns the wire form of the header pairs k1, v1, k2, v2, …
// as nats.go sends it: "NATS/1.0\r\n", then "K: v\r\n" per pair, then
// "\r\n". With no pairs it returns nil (a message without headers).
func EncodeHeader(kv ...string) []byte {
	if len(kv) == 0 {
		return nil
	}
	n := len(hdrLine) + 2
	for i := 0; i+1 < len(kv); i += 2 {
		n += len(kv[i]) + len(kv[i+1]) + 4
	}
	b := make([]byte, 0, n)
	b = append(b, hdrLine...)
	for i := 0; i+1 < len(kv); i += 2 {
		b = append(b, kv[i]...)
		b = append(b, ": "...)
		b = append(b, kv[i+1]...)
		b = append(b, "\r\n"...)
	}
	return append(b, "\r\n"...)
}

// HeaderValue returns the value of the first header key in the wire-form
// header hdr, and whether it is there. Keys match exactly, as the server's
// sliceHeader does.
func HeaderValue(hdr []byte, key string) (string, bool) {
	if len(hdr) == 0 {
		return "", false
	}
	body := hdr
	if i := bytes.Index(body, []byte("\r\n")); i >= 0 {
		body = body[i+2:] // skip the status line
	}
	for len(body) > 0 {
		end := bytes.Index(body, []byte("\r\n"))
		if end < 0 {
			end = len(body)
		}
		line := body[:end]
		if len(line) > len(key) && line[len(key)] == ':' && string(line[:len(key)]) == key {
			return strings.TrimSpace(string(line[len(key)+1:])), true
		}
		if end+2 > len(body) {
			break
		}
		body = body[end+2:]
	}
	return "", false
}

// ReplaceHeader returns hdr with every line of key removed and "key: val"
// added at the end, as the server's removeHeaderIfPresent + genHeader do.
func ReplaceHeader(hdr []byte, key, val string) []byte {
	out := make([]byte, 0, len(hdr)+len(key)+len(val)+4)
	out = append(out, hdrLine...)
	body := hdr
	if bytes.HasPrefix(body, []byte(hdrLine)) {
		body = body[len(hdrLine):]
	}
	for len(body) > 0 {
		end := bytes.Index(body, []byte("\r\n"))
		if end <= 0 { // the closing blank line, or malformed
			break
		}
		line := body[:end]
		body = body[end+2:]
		if bytes.HasPrefix(line, []byte(key)) && len(line) > len(key) && line[len(key)] == ':' {
			continue
		}
		out = append(out, line...)
		out = append(out, "\r\n"...)
	}
	out = append(out, key...)
	out = append(out, ": "...)
	out = append(out, val...)
	return append(out, "\r\n\r\n"...)
}

// parseTTL is the server's parseMessageTTL: a Go duration truncated to
// whole seconds (under 1s is invalid), "never" (-1), or plain seconds.
func parseTTL(s string) (int64, error) {
	if strings.EqualFold(s, "never") {
		return -1, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d < 1e9 {
			return 0, ErrInvalidTTL
		}
		return int64(d / 1e9), nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, ErrInvalidTTL
	}
	return n, nil
}

// isMarker is the server's isSubjectDeleteMarker: a limit marker, or a KV
// PURGE marker. A KV DEL marker is not one.
func isMarker(hdr []byte) bool {
	if len(hdr) == 0 {
		return false
	}
	if v, ok := HeaderValue(hdr, MarkerReason); ok && v != "" {
		return true
	}
	v, _ := HeaderValue(hdr, KVOperation)
	return v == KVOperationPurge
}
