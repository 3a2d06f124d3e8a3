package wire

import (
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/jetsim/jetsim/stream"
	"github.com/jetsim/jetsim/subject"
)

// This file serves reads of single messages: DIRECT.GET (by sequence, last
// by subject in the body or in the subject) and STREAM.MSG.GET, what a KV
// Get and GetRevision send (SEMANTICS §4.1). It does
// not serve batched or multi-subject direct gets, nor start times.

// msgGetRequest is server/jetstream_api.go: JSApiMsgGetRequest, the part
// jetsim serves.
type msgGetRequest struct {
	Seq     uint64 `json:"seq,omitempty"`
	LastFor string `json:"last_by_subj,omitempty"`
	NextFor string `json:"next_by_subj,omitempty"`
	Batch   int    `json:"batch,omitempty"`
	// The rest are refused as not served.
	MultiLastFor []string   `json:"multi_last,omitempty"`
	StartTime    *time.Time `json:"start_time,omitempty"`
}

// find loads the message a request selects.
func (q *msgGetRequest) find(s *stream.Stream) (stream.Msg, error) {
	switch {
	case q.LastFor != "":
		return s.LastMsg(q.LastFor)
	case q.NextFor != "":
		var found stream.Msg
		err := stream.ErrNoMessage
		s.Range(func(m stream.Msg) bool {
			if m.Seq >= q.Seq && subject.Match(m.Subject, q.NextFor) {
				found, err = m, nil
				return false
			}
			return true
		})
		if err == nil {
			found.Header, found.Data = clone(found.Header), clone(found.Data)
		}
		return found, err
	}
	return s.GetMsg(q.Seq)
}

// directGet answers with the message itself, its headers extended with
// where it came from (server/stream.go: getDirectRequest), or a status.
func (js *jetStream) directGet(r *request) (any, error) {
	reply := r.m.Reply
	if reply == "" {
		return nil, nil
	}
	e, ok := js.b.Stream(r.stream)
	if !ok || !e.Config.AllowDirect {
		// The server subscribes direct gets per stream that allows them:
		// otherwise nobody answers.
		js.status(reply, "503")
		return nil, nil
	}
	var q msgGetRequest
	if r.rest != "" {
		// $JS.API.DIRECT.GET.<stream>.<subject>: last by subject, and the
		// body must be empty (processDirectGetLastBySubjectRequest).
		if len(r.m.Data) > 0 {
			js.status(reply, "408 Bad Request")
			return nil, nil
		}
		q.LastFor = r.rest
	} else {
		if len(r.m.Data) == 0 {
			js.status(reply, "408 Empty Request")
			return nil, nil
		}
		if err := json.Unmarshal(r.m.Data, &q); err != nil {
			js.status(reply, "408 Malformed Request")
			return nil, nil
		}
		if (q.Seq == 0 && q.LastFor == "" && q.NextFor == "") || (q.Seq > 0 && q.LastFor != "") || (q.LastFor != "" && q.NextFor != "") {
			js.status(reply, "408 Bad Request")
			return nil, nil
		}
		if q.Batch > 1 || len(q.MultiLastFor) > 0 || q.StartTime != nil {
			js.status(reply, "501 Not Implemented By jetsim")
			return nil, nil
		}
	}
	m, err := q.find(e.Stream)
	if err != nil {
		js.status(reply, "404 Message Not Found")
		return nil, nil
	}
	// The stored bytes are shared and immutable, and publish copies
	// them into the receiver's outbound buffer: the header is built in a
	// pooled buffer and the data goes out as stored.
	bp := replyBufs.Get().(*[]byte)
	*bp = appendDirectHeader((*bp)[:0], m.Header, e.Config.Name, &m)
	js.s.publish(&Msg{Subject: reply, Header: *bp, Data: m.Data})
	replyBufs.Put(bp)
	return nil, nil
}

// storedMsg is server/jetstream_api.go: StoredMsg.
type storedMsg struct {
	Subject  string    `json:"subject"`
	Sequence uint64    `json:"seq"`
	Header   []byte    `json:"hdrs,omitempty"`
	Data     []byte    `json:"data,omitempty"`
	Time     time.Time `json:"time"`
}

type msgGetResponse struct {
	apiResponse
	Message *storedMsg `json:"message,omitempty"`
}

// msgGet is STREAM.MSG.GET: the message as JSON, headers and data in
// base64.
func (js *jetStream) msgGet(r *request) (any, error) {
	var q msgGetRequest
	if err := decode(r.m.Data, &q); err != nil {
		return nil, err
	}
	e, ok := js.b.Stream(r.stream)
	if !ok {
		return nil, ErrStreamNotFound
	}
	if (q.Seq > 0 && q.LastFor != "") || (q.Seq == 0 && q.LastFor == "" && q.NextFor == "") || (q.LastFor != "" && q.NextFor != "") {
		return nil, errBadRequest
	}
	if q.Batch > 1 || len(q.MultiLastFor) > 0 || q.StartTime != nil {
		return nil, errNotServed("batched and timed message gets")
	}
	m, err := q.find(e.Stream)
	if errors.Is(err, stream.ErrNoMessage) {
		return nil, errNoMessageFound
	}
	if err != nil {
		return nil, err
	}
	return &msgGetResponse{Message: &storedMsg{Subject: m.Subject, Sequence: m.Seq, Header: clone(m.Header), Data: clone(m.Data), Time: m.Time.UTC()}}, nil
}

// appendDirectHeader appends the header of a direct get's reply to b: the
// stored header (or an empty "NATS/1.0" block) with Nats-Stream,
// Nats-Subject, Nats-Sequence and Nats-Time-Stamp added at its end, as the
// server's genHeader adds them (server/stream.go: getDirectRequest;
// server/client.go: genHeader): a block too short to end in a blank line,
// as a client's HPUB may store, is replaced by the bare "NATS/1.0" line.
func appendDirectHeader(b, hdr []byte, streamName string, m *stream.Msg) []byte {
	if len(hdr) <= 2 {
		b = append(b, "NATS/1.0\r\n"...)
	} else {
		b = append(b, hdr[:len(hdr)-2]...) // without the blank line that ends the block
	}
	b = append(b, "Nats-Stream: "...)
	b = append(b, streamName...)
	b = append(b, "\r\nNats-Subject: "...)
	b = append(b, m.Subject...)
	b = append(b, "\r\nNats-Sequence: "...)
	b = strconv.AppendUint(b, m.Seq, 10)
	b = append(b, "\r\nNats-Time-Stamp: "...)
	b = m.Time.UTC().AppendFormat(b, time.RFC3339Nano)
	return append(b, "\r\n\r\n"...)
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}
