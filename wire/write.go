package wire

import (
	"strconv"
	"time"
)

// flushDeadline bounds the last write to a connection closed for a
// protocol error, so that a client that stopped reading cannot hold the
// server (nats-server flushes with its write deadline in closeConnection).
const flushDeadline = 2 * time.Second

// The fixed protocol lines (server/client.go: pongProto, okProto, ...).
var (
	pongProto = []byte("PONG\r\n")
	okProto   = []byte("+OK\r\n")
)

// queue appends b to c's outbound buffer and wakes the writer. It never
// blocks on the connection: past maxPending queued bytes the client is a
// slow consumer and is closed, as nats-server closes it
// (server/client.go: queueOutbound, SlowConsumerPendingBytes). The caller
// holds c.mu; it reports whether the bytes were queued.
func (c *conn) queueLocked(n int) bool {
	c.pending += n
	if c.pending > c.s.maxPending {
		c.closeLocked(false)
		return false
	}
	select {
	case c.kick <- struct{}{}:
	default:
	}
	return true
}

// sendProto queues a protocol line.
func (c *conn) sendProto(b []byte) {
	c.mu.Lock()
	if !c.closed {
		c.out = append(c.out, b...)
		c.queueLocked(len(b))
	}
	c.mu.Unlock()
}

// sendErr queues "-ERR '<text>'" (server/client.go: sendErr, errProto).
func (c *conn) sendErr(text string) {
	c.sendProto([]byte("-ERR '" + text + "'\r\n"))
}

// sendMsg queues m for the subscription sid as MSG, or HMSG when m has a
// header and the client said it reads headers (a client that did not gets
// the payload alone: server/client.go: deliverMsg, msgHeader). It reports
// whether the message was queued.
func (c *conn) sendMsg(sid []byte, m *Msg) bool {
	headers := c.headers.Load()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	n := len(c.out)
	c.appendMsgLocked(sid, m, headers)
	return c.queueLocked(len(c.out) - n)
}

// sendMsgs queues ms for the subscription sid, in order, under one lock
// and with one wake of the writer (a push consumer's batch).
func (c *conn) sendMsgs(sid []byte, ms []Msg) bool {
	headers := c.headers.Load()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	n := len(c.out)
	for i := range ms {
		c.appendMsgLocked(sid, &ms[i], headers)
	}
	return c.queueLocked(len(c.out) - n)
}

// appendMsgLocked appends m's MSG or HMSG to c.out; c.mu is held.
func (c *conn) appendMsgLocked(sid []byte, m *Msg, headers bool) {
	hdr := m.Header
	if !headers {
		hdr = nil
	}
	if len(hdr) > 0 {
		c.out = append(c.out, "HMSG "...)
	} else {
		c.out = append(c.out, "MSG "...)
	}
	c.out = append(c.out, m.Subject...)
	c.out = append(c.out, ' ')
	c.out = append(c.out, sid...)
	c.out = append(c.out, ' ')
	if m.Reply != "" {
		c.out = append(c.out, m.Reply...)
		c.out = append(c.out, ' ')
	}
	if len(hdr) > 0 {
		c.out = strconv.AppendInt(c.out, int64(len(hdr)), 10)
		c.out = append(c.out, ' ')
	}
	c.out = strconv.AppendInt(c.out, int64(len(hdr)+len(m.Data)), 10)
	c.out = append(c.out, "\r\n"...)
	c.out = append(c.out, hdr...)
	c.out = append(c.out, m.Data...)
	c.out = append(c.out, "\r\n"...)
}

// sendNoResponders queues the 503 status nats-server sends on the reply
// subject of a request nobody took, on the requester's subscription sid
// (server/client.go: processInboundClientMsg builds
// "HMSG <reply> <sid> <len> <len>\r\nNATS/1.0 503\r\nNats-Subject: <subject>\r\n\r\n\r\n").
func (c *conn) sendNoResponders(sid []byte, m *Msg) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	hl := int64(32 + len(m.Subject)) // the header block's length with the subject
	n := len(c.out)
	c.out = append(c.out, "HMSG "...)
	c.out = append(c.out, m.Reply...)
	c.out = append(c.out, ' ')
	c.out = append(c.out, sid...)
	c.out = append(c.out, ' ')
	c.out = strconv.AppendInt(c.out, hl, 10)
	c.out = append(c.out, ' ')
	c.out = strconv.AppendInt(c.out, hl, 10)
	c.out = append(c.out, "\r\nNATS/1.0 503\r\nNats-Subject: "...)
	c.out = append(c.out, m.Subject...)
	c.out = append(c.out, "\r\n\r\n\r\n"...)
	c.queueLocked(len(c.out) - n)
}

// writeLoop is the connection's one writer: it takes everything queued
// since its last write and writes it in one call, so that a burst of
// messages costs one write. It ends when the connection closes, after a
// last bounded flush when the close asked for one.
func (c *conn) writeLoop() {
	defer c.s.wg.Done()
	var buf []byte
	var set time.Time // when the write deadline was last set
	for {
		c.mu.Lock()
		for len(c.out) == 0 && !c.closed {
			c.mu.Unlock()
			<-c.kick
			c.mu.Lock()
		}
		buf, c.out = c.out, buf[:0]
		closed, flush := c.closed, c.flush
		c.mu.Unlock()
		if closed {
			if flush && len(buf) > 0 {
				_ = c.nc.SetWriteDeadline(time.Now().Add(flushDeadline))
				_, _ = c.nc.Write(buf)
			}
			_ = c.nc.Close()
			return
		}
		// A write that takes longer than the write deadline closes the
		// client as a slow consumer, without -ERR (server/client.go:
		// flushOutbound sets the deadline per batch, handleWriteTimeout
		// always closes a CLIENT). Setting a deadline costs a timer on a
		// net.Pipe, about a microsecond, so the writer moves it on only
		// once a hundredth of the deadline has passed: a write then has
		// between 99% and all of the deadline.
		if now := time.Now(); now.Sub(set) > c.s.writeDeadline/100 {
			_ = c.nc.SetWriteDeadline(now.Add(c.s.writeDeadline))
			set = now
		}
		if _, err := c.nc.Write(buf); err != nil {
			c.close(false)
		}
		c.mu.Lock()
		c.pending -= len(buf)
		c.mu.Unlock()
		if cap(buf) > 4<<20 {
			buf = nil // do not keep a burst's buffer for the connection's life
		}
	}
}
