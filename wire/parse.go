package wire

import "fmt"

// verbs a client may send, as the parser matches them (case-insensitive).
// nats-server's client parser takes the same ones (server/parser.go); a
// client's MSG, HMSG and the route and leaf verbs are "Unknown Protocol
// Operation" here as they are there for a client connection, except that
// nats-server lets a client's HMSG line through before failing later.
const (
	vConnect = iota
	vPing
	vPong
	vPub
	vHpub
	vSub
	vUnsub
	vInfo
	vOK
	vErr
)

var verbNames = [...]string{
	vConnect: "CONNECT", vPing: "PING", vPong: "PONG", vPub: "PUB", vHpub: "HPUB",
	vSub: "SUB", vUnsub: "UNSUB", vInfo: "INFO", vOK: "+OK", vErr: "-ERR",
}

// Parser states.
const (
	stStart   = iota
	stVerb    // matching the verb's letters
	stToLF    // after PING, PONG or +OK: everything up to '\n' is ignored
	stSpace   // after a verb that needs a space or tab before its arguments
	stSkip    // skipping spaces before the arguments
	stArg     // the arguments, up to '\n'
	stPayload // a PUB's or HPUB's payload and its CRLF
)

// pubArg is a PUB or HPUB control line, parsed.
type pubArg struct {
	subject, reply []byte
	hdr            int // header bytes, -1 for PUB
	size           int // header and payload bytes
}

// handler is what the parser calls for each complete verb: one process
// step per verb, as nats-server's parser calls client.go's process*. An
// error from any of them ends the parse and the connection.
type handler interface {
	processConnect(arg []byte) error
	processPing() error
	processPong() error
	processSub(arg []byte) error
	processUnsub(arg []byte) error
	processInfo(arg []byte) error
	processErr(arg []byte) error
	// processPubArgs checks a PUB/HPUB control line before the payload.
	processPubArgs(pa *pubArg) error
	// processMsg gets the header and payload (without the CRLF); msg and
	// pa's slices are only valid during the call.
	processMsg(pa *pubArg, msg []byte) error
	// sendErr queues a -ERR line.
	sendErr(text string)
}

// parser is the byte-at-a-time state machine of the client protocol
// (server/parser.go). It parses the read buffer in place and copies only
// what a split across reads forces it to keep: a control line into argBuf,
// a payload into msgBuf.
type parser struct {
	state    int
	verb     int // while matching and until the line ends
	pos      int // letters of the verb matched
	as       int // start of the arguments in the current buffer
	drop     int // 1 when a '\r' precedes the '\n'
	argBuf   []byte
	msgBuf   []byte
	paBuf    []byte // pa's subject and reply, when the payload is split
	msgStore []byte // msgBuf's storage, reused
	pa       pubArg
}

// upper folds an ASCII letter to upper case.
func upper(b byte) byte {
	if 'a' <= b && b <= 'z' {
		return b - 'a' + 'A'
	}
	return b
}

// parse consumes buf, calling h for each complete verb. It returns the
// error that ends the connection, after queueing the -ERR nats-server
// sends for it, if any.
func (p *parser) parse(buf []byte, h handler) error {
	var i int
	for i = 0; i < len(buf); i++ {
		b := buf[i]
		switch p.state {
		case stStart:
			p.verb, p.pos = -1, 0
			fallthrough
		case stVerb:
			if !p.matchVerb(upper(b)) {
				goto parseErr
			}
			if p.pos < len(verbNames[p.verb]) {
				p.state = stVerb
				continue
			}
			switch p.verb {
			case vPing, vPong, vOK:
				p.state = stToLF
			case vConnect, vInfo:
				p.state = stSkip
			default:
				p.state = stSpace
			}
		case stToLF:
			if b != '\n' {
				continue
			}
			p.state = stStart
			var err error
			switch p.verb {
			case vPing:
				err = h.processPing()
			case vPong:
				err = h.processPong()
			}
			if err != nil {
				return err
			}
		case stSpace:
			if b != ' ' && b != '\t' {
				goto parseErr
			}
			p.state = stSkip
		case stSkip:
			if b == ' ' || b == '\t' {
				continue
			}
			p.state, p.as, p.drop = stArg, i, 0
			fallthrough
		case stArg:
			// A '\r' anywhere in the line drops the line's last byte
			// before the '\n', as in nats-server; the split path keeps
			// every byte so that it drops the same one.
			switch b {
			case '\r':
				p.drop = 1
				if p.argBuf != nil {
					p.argBuf = append(p.argBuf, b)
				}
			case '\n':
				arg := p.argBuf
				if arg != nil {
					arg, p.argBuf = arg[:len(arg)-p.drop], nil
				} else {
					arg = buf[p.as : i-p.drop]
				}
				if len(arg) > maxControlLine {
					h.sendErr(errMaxControlLine)
					return fmt.Errorf("%s", errMaxControlLine)
				}
				p.state, p.drop = stStart, 0
				if err := p.dispatch(h, arg); err != nil {
					return err
				}
			default:
				if p.argBuf != nil {
					p.argBuf = append(p.argBuf, b)
				}
			}
		case stPayload:
			want := p.pa.size + 2 // the payload and its CRLF
			if p.msgBuf == nil && len(buf)-i >= want {
				// The whole message is in buf: no copy.
				end := i + p.pa.size
				if buf[end] != '\r' {
					i = end
					goto parseErr
				}
				if buf[end+1] != '\n' {
					i = end + 1
					goto parseErr
				}
				p.state = stStart
				if err := h.processMsg(&p.pa, buf[i:end]); err != nil {
					return err
				}
				i = end + 1
				continue
			}
			if p.msgBuf == nil {
				p.startMsgBuf()
			}
			n := min(want-len(p.msgBuf), len(buf)-i)
			p.msgBuf = append(p.msgBuf, buf[i:i+n]...)
			i += n - 1
			// Check the CRLF as soon as its bytes arrive.
			if l := len(p.msgBuf); l > p.pa.size && p.msgBuf[p.pa.size] != '\r' ||
				l > p.pa.size+1 && p.msgBuf[p.pa.size+1] != '\n' {
				goto parseErr
			}
			if len(p.msgBuf) == want {
				msg := p.msgBuf[:p.pa.size]
				p.msgBuf, p.state = nil, stStart
				if err := h.processMsg(&p.pa, msg); err != nil {
					return err
				}
			}
		}
	}
	// A payload whose control line ended in this buffer and a control line
	// split across reads are kept for the next read.
	if p.state == stPayload && p.msgBuf == nil {
		p.startMsgBuf()
	}
	if p.state == stArg {
		if p.argBuf == nil {
			p.argBuf = append(make([]byte, 0, 128), buf[p.as:]...)
		}
		if len(p.argBuf) > maxControlLine {
			h.sendErr(errMaxControlLine)
			return fmt.Errorf("%s", errMaxControlLine)
		}
	}
	return nil

parseErr:
	h.sendErr(errUnknownOp)
	return fmt.Errorf("parser error, state=%d, i=%d", p.state, i)
}

// matchVerb advances the verb match by the letter b, switching between
// verbs that share the letters matched so far (PING, PONG, PUB).
func (p *parser) matchVerb(b byte) bool {
	if p.verb >= 0 && verbNames[p.verb][p.pos] == b {
		p.pos++
		return true
	}
	for v, name := range verbNames {
		if p.pos < len(name) && name[p.pos] == b && (p.verb < 0 || name[:p.pos] == verbNames[p.verb][:p.pos]) {
			p.verb = v
			p.pos++
			return true
		}
	}
	return false
}

// dispatch acts on a complete control line.
func (p *parser) dispatch(h handler, arg []byte) error {
	switch p.verb {
	case vConnect:
		return h.processConnect(arg)
	case vSub:
		return h.processSub(arg)
	case vUnsub:
		return h.processUnsub(arg)
	case vInfo:
		return h.processInfo(arg)
	case vErr:
		return h.processErr(arg)
	case vPub, vHpub:
		if err := p.pubArgs(arg, p.verb == vHpub); err != nil {
			return err
		}
		if err := h.processPubArgs(&p.pa); err != nil {
			return err
		}
		p.state = stPayload
	}
	return nil
}

// pubArgs parses "<subject> [reply] <size>" or, for HPUB,
// "<subject> [reply] <hdr size> <total size>" (server/client.go:
// processPub, processHeaderPub); a malformed line closes the connection
// without -ERR, as there.
func (p *parser) pubArgs(arg []byte, hpub bool) error {
	var a [4][]byte
	args := splitArgs(arg, a[:0])
	pa := pubArg{hdr: -1}
	n := len(args)
	sizes := 1
	if hpub {
		sizes = 2
	}
	switch n - sizes {
	case 1:
		pa.subject = args[0]
	case 2:
		pa.subject, pa.reply = args[0], args[1]
	default:
		return fmt.Errorf("processPub Parse Error: %q", arg)
	}
	pa.size = parseSize(args[n-1])
	if hpub {
		pa.hdr = parseSize(args[n-2])
		if pa.hdr < 0 {
			return fmt.Errorf("processHeaderPub Bad or Missing Header Size: %q", arg)
		}
	}
	if pa.size < 0 {
		return fmt.Errorf("processPub Bad or Missing Size: %q", arg)
	}
	if pa.hdr > pa.size {
		return fmt.Errorf("processHeaderPub Header Size larger then TotalSize: %q", arg)
	}
	p.pa = pa
	return nil
}

// startMsgBuf starts gathering a payload across reads.
func (p *parser) startMsgBuf() {
	p.keepPubArg()
	const keep = 64 << 10 // a larger buffer is not kept for the next message
	if want := p.pa.size + 2; cap(p.msgStore) >= want {
		p.msgBuf = p.msgStore[:0]
	} else {
		// The size is the client's word: the buffer grows as the bytes
		// arrive rather than on the promise.
		p.msgBuf = make([]byte, 0, min(want, keep))
		if want <= keep {
			p.msgStore = p.msgBuf
		}
	}
}

// keepPubArg copies pa's subject and reply out of the read buffer, which
// the next read overwrites, before the payload is gathered across reads.
func (p *parser) keepPubArg() {
	p.paBuf = append(append(p.paBuf[:0], p.pa.subject...), p.pa.reply...)
	ns := len(p.pa.subject)
	p.pa.subject = p.paBuf[:ns:ns]
	p.pa.reply = p.paBuf[ns:]
	if len(p.pa.reply) == 0 {
		p.pa.reply = nil
	}
}

// splitArgs splits a control line at spaces, tabs, CRs and LFs into args,
// which it returns (server/client.go: splitArg).
func splitArgs(arg []byte, args [][]byte) [][]byte {
	start := -1
	for i, b := range arg {
		switch b {
		case ' ', '\t', '\r', '\n':
			if start >= 0 {
				args = append(args, arg[start:i])
				start = -1
			}
		default:
			if start < 0 {
				start = i
			}
		}
	}
	if start >= 0 {
		args = append(args, arg[start:])
	}
	return args
}

// parseSize reads a decimal size of at most 9 digits, or returns -1
// (server/util.go: parseSize).
func parseSize(d []byte) int {
	if len(d) == 0 || len(d) > 9 {
		return -1
	}
	n := 0
	for _, c := range d {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}
