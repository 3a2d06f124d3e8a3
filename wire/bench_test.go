package wire

import (
	"bufio"
	"bytes"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// cannedServer is the speed floor of a request over net.Pipe: a server
// that does no routing and answers every PUB that has a reply with a fixed
// message on the client's first subscription (its request inbox).
type cannedServer struct{}

func (cannedServer) InProcessConn() (net.Conn, error) {
	srv, cli := net.Pipe()
	go func() {
		defer srv.Close()
		w := bufio.NewWriter(srv)
		w.WriteString(`INFO {"server_id":"canned","version":"2.15.3","proto":1,"headers":true,"max_payload":1048576} ` + "\r\n")
		w.Flush()
		r := bufio.NewReader(srv)
		var sid []byte
		answer := []byte(`{"stream":"KV_b","seq":1}`)
		for {
			line, err := r.ReadSlice('\n')
			if err != nil {
				return
			}
			f := bytes.Fields(line)
			switch string(f[0]) {
			case "PING":
				w.WriteString("PONG\r\n")
			case "SUB":
				if sid == nil {
					sid = append([]byte(nil), f[len(f)-1]...)
				}
			case "PUB", "HPUB":
				size, _ := strconv.Atoi(string(f[len(f)-1]))
				if _, err := r.Discard(size + 2); err != nil {
					return
				}
				if len(f) >= 4 && string(f[0]) == "PUB" || len(f) == 5 {
					w.WriteString("MSG ")
					w.Write(f[2])
					w.WriteString(" ")
					w.Write(sid)
					w.WriteString(" " + strconv.Itoa(len(answer)) + "\r\n")
					w.Write(answer)
					w.WriteString("\r\n")
				}
			}
			if r.Buffered() == 0 {
				w.Flush()
			}
		}
	}()
	return cli, nil
}

func benchRequests(b *testing.B, nc *nats.Conn, subj string) {
	b.ReportAllocs()
	payload := []byte("v")
	b.ResetTimer()
	for b.Loop() {
		if _, err := nc.Request(subj, payload, 5*time.Second); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRequestReply measures one request and its reply through
// nats.go over net.Pipe: against the canned responder (the floor), wire
// with an internal responder (the JetStream API's path), wire and
// nats-server with a responder that is another client.
func BenchmarkRequestReply(b *testing.B) {
	b.Run("canned", func(b *testing.B) {
		nc := connect(b, cannedServer{})
		benchRequests(b, nc, "svc")
	})
	b.Run("wire-internal", func(b *testing.B) {
		s := wireServer(b)
		ack := []byte(`{"stream":"KV_b","seq":1}`)
		s.subscribeInternal("svc", func(m *Msg) { s.publish(&Msg{Subject: m.Reply, Data: ack}) })
		benchRequests(b, connect(b, s), "svc")
	})
	clientResponder := func(b *testing.B, p provider) {
		svc := connect(b, p)
		ack := []byte(`{"stream":"KV_b","seq":1}`)
		if _, err := svc.Subscribe("svc", func(m *nats.Msg) { _ = m.Respond(ack) }); err != nil {
			b.Fatal(err)
		}
		if err := svc.Flush(); err != nil {
			b.Fatal(err)
		}
		benchRequests(b, connect(b, p), "svc")
	}
	b.Run("wire-client", func(b *testing.B) { clientResponder(b, wireServer(b)) })
	b.Run("nats-server-client", func(b *testing.B) { clientResponder(b, realServer(b)) })
}

// BenchmarkPublish measures a publish routed to one subscriber, with the
// subscriber's messages taken from a channel.
func BenchmarkPublish(b *testing.B) {
	for name, p := range map[string]func(b *testing.B) provider{
		"wire":        func(b *testing.B) provider { return wireServer(b) },
		"nats-server": func(b *testing.B) provider { return realServer(b) },
	} {
		b.Run(name, func(b *testing.B) {
			pp := p(b)
			sub, pub := connect(b, pp), connect(b, pp)
			ch := make(chan *nats.Msg, 1<<16)
			if _, err := sub.ChanSubscribe("p", ch); err != nil {
				b.Fatal(err)
			}
			_ = sub.Flush()
			data := make([]byte, 128)
			b.ReportAllocs()
			go func() {
				for range ch {
				}
			}()
			for b.Loop() {
				_ = pub.Publish("p", data)
			}
			_ = pub.Flush()
		})
	}
}

// BenchmarkRequestReplyRatio interleaves rounds of requests on the canned
// responder and on wire's internal responder, so that the machine's noise
// falls on both alike, and reports wire's time per request over the
// canned one's as wire/canned (the target is at most 1.25).
func BenchmarkRequestReplyRatio(b *testing.B) {
	canned := connect(b, cannedServer{})
	s := wireServer(b)
	ack := []byte(`{"stream":"KV_b","seq":1}`)
	s.subscribeInternal("svc", func(m *Msg) { s.publish(&Msg{Subject: m.Reply, Data: ack}) })
	ours := connect(b, s)
	payload := []byte("v")
	round := func(nc *nats.Conn, n int) time.Duration {
		start := time.Now()
		for range n {
			if _, err := nc.Request("svc", payload, 5*time.Second); err != nil {
				b.Fatal(err)
			}
		}
		return time.Since(start)
	}
	var tc, tw time.Duration
	n := 0
	for b.Loop() {
		tc += round(canned, 100)
		tw += round(ours, 100)
		n += 100
	}
	b.ReportMetric(float64(tc.Nanoseconds())/float64(n), "canned-ns/req")
	b.ReportMetric(float64(tw.Nanoseconds())/float64(n), "wire-ns/req")
	b.ReportMetric(float64(tw)/float64(tc), "wire/canned")
}
