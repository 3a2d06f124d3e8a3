package main

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go"
)

// The wire limit is the least a KV call can cost through nats.go over an
// in-process connection: a responder at the other end of a net.Pipe that
// does no work. It parses the client's protocol lines and answers each
// request with a canned reply: a PubAck for a publish to a bucket's
// subjects (Put, Create, Update, Delete), a direct-get HMSG with a
// 100-byte value for Get, the request's own config for a stream create,
// success for a stream delete, no limits for the account info. The client's own cost is all that is left,
// so wire's time over the limit's is what jetsim's server side adds.
//
// It serves only the scenarios in wireLimitScenarios; anything else it
// leaves unanswered.
type wireLimit struct{}

// wireLimitScenarios are the scenarios the wire limit serves: the five
// calls, and Setup, whose figure is then the client's own cost of
// connecting and creating a bucket.
var wireLimitScenarios = []string{"Setup", "Put", "Get", "Create", "Update", "Delete"}

// startWireLimit returns the wire limit as a system, with the client code
// of the other NATS systems.
func startWireLimit() (system, error) {
	return &natsSystem{dial: func() (*nats.Conn, error) { return nats.Connect("", nats.InProcessServer(wireLimit{})) }}, nil
}

// InProcessConn is nats.InProcessConnProvider's: a new pipe, its server
// end served by a goroutine that ends when the client closes.
func (wireLimit) InProcessConn() (net.Conn, error) {
	srv, cli := net.Pipe()
	go serveCanned(srv)
	return cli, nil
}

// cannedInfo is the INFO the wire limit sends: headers on, the server's
// default max_payload.
const cannedInfo = `INFO {"server_id":"wire-limit","server_name":"wire-limit","version":"2.15.3","proto":1,"headers":true,"max_payload":1048576,"jetstream":true}` + "\r\n"

// cannedAccountInfo is the reply to $JS.API.INFO: no limits.
var cannedAccountInfo = []byte(`{"type":"io.nats.jetstream.api.v1.account_info_response","memory":0,"storage":0,"reserved_memory":0,"reserved_storage":0,"streams":0,"consumers":0,` +
	`"limits":{"max_memory":-1,"max_storage":-1,"max_streams":-1,"max_consumers":-1,"max_ack_pending":-1,"memory_max_stream_bytes":-1,"storage_max_stream_bytes":-1,"max_bytes_required":false},` +
	`"api":{"level":2,"total":0,"errors":0}}`)

// cannedValue is the value of every direct get, the bench's value size.
var cannedValue = bytes.Repeat([]byte("v"), valueSize)

// serveCanned answers one connection until it closes.
func serveCanned(conn net.Conn) {
	defer conn.Close()
	r := bufio.NewReaderSize(conn, 64<<10)
	w := bufio.NewWriterSize(conn, 64<<10)
	if _, err := w.WriteString(cannedInfo); err != nil || w.Flush() != nil {
		return
	}
	c := cannedConn{w: w, sids: map[string]string{}, acks: map[string][]byte{}}
	var payload []byte
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return
		}
		f := strings.Fields(string(line))
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "PING":
			w.WriteString("PONG\r\n")
		case "SUB": // SUB <subject> [queue] <sid>
			c.sids[f[1]] = f[len(f)-1]
		case "PUB", "HPUB": // PUB <subject> [reply] <size>; HPUB <subject> [reply] <hdr> <size>
			size, err := strconv.Atoi(f[len(f)-1])
			if err != nil {
				return
			}
			if cap(payload) < size+2 {
				payload = make([]byte, size+2)
			}
			payload = payload[:size+2]
			if _, err := io.ReadFull(r, payload); err != nil {
				return
			}
			hasReply := f[0] == "PUB" && len(f) == 4 || f[0] == "HPUB" && len(f) == 5
			if hasReply {
				body := payload[:size]
				if f[0] == "HPUB" {
					hdr, _ := strconv.Atoi(f[3])
					body = payload[hdr:size]
				}
				c.answer(f[1], f[2], body)
			}
		}
		if r.Buffered() == 0 {
			if w.Flush() != nil {
				return
			}
		}
	}
}

// cannedConn is one connection's state: the client's subscriptions (its
// request inboxes) and the PubAck of each bucket.
type cannedConn struct {
	w    *bufio.Writer
	sids map[string]string // by subject
	acks map[string][]byte // by publish subject's bucket
}

// answer writes the canned reply to a request on subject, if it has one.
func (c *cannedConn) answer(subject, reply string, body []byte) {
	sid, ok := c.sids[reply]
	if !ok { // the client's response mux: _INBOX.<id>.* takes every reply
		i := strings.LastIndexByte(reply, '.')
		if sid, ok = c.sids[reply[:i+1]+"*"]; !ok {
			return
		}
	}
	switch {
	case strings.HasPrefix(subject, "$KV."):
		bucket, _, _ := strings.Cut(subject[len("$KV."):], ".")
		ack := c.acks[bucket]
		if ack == nil {
			ack = []byte(`{"stream":"KV_` + bucket + `","seq":1}`)
			c.acks[bucket] = ack
		}
		c.msg(reply, sid, ack)
	case strings.HasPrefix(subject, "$JS.API.DIRECT.GET."):
		stream, subj, _ := strings.Cut(subject[len("$JS.API.DIRECT.GET."):], ".")
		hdr := "NATS/1.0\r\nNats-Stream: " + stream + "\r\nNats-Subject: " + subj +
			"\r\nNats-Sequence: 1\r\nNats-Time-Stamp: 2026-01-01T00:00:00Z\r\n\r\n"
		c.w.WriteString("HMSG " + reply + " " + sid + " " + strconv.Itoa(len(hdr)) + " " + strconv.Itoa(len(hdr)+len(cannedValue)) + "\r\n")
		c.w.WriteString(hdr)
		c.w.Write(cannedValue)
		c.w.WriteString("\r\n")
	case subject == "$JS.API.INFO": // CreateKeyValue asks for the account's limits first
		c.msg(reply, sid, cannedAccountInfo)
	case strings.HasPrefix(subject, "$JS.API.STREAM.CREATE."):
		c.msg(reply, sid, []byte(`{"type":"io.nats.jetstream.api.v1.stream_create_response","config":`+string(body)+
			`,"created":"2026-01-01T00:00:00Z","state":{"messages":0,"bytes":0,"first_seq":0,"first_ts":"0001-01-01T00:00:00Z","last_seq":0,"last_ts":"0001-01-01T00:00:00Z","consumer_count":0},"did_create":true}`))
	case strings.HasPrefix(subject, "$JS.API.STREAM.DELETE."):
		c.msg(reply, sid, []byte(`{"type":"io.nats.jetstream.api.v1.stream_delete_response","success":true}`))
	}
}

// msg writes a MSG with data to the client's subscription sid.
func (c *cannedConn) msg(subject, sid string, data []byte) {
	c.w.WriteString("MSG " + subject + " " + sid + " " + strconv.Itoa(len(data)) + "\r\n")
	c.w.Write(data)
	c.w.WriteString("\r\n")
}
