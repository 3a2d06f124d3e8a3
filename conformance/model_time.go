package conformance

import (
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Advance moves the model's clock forward by d, expiring every message on
// the way exactly when it falls due: at Created+TTL of the bucket (MaxAge)
// or at Created+its own TTL, whichever is first (SEMANTICS 5.2–5.4).
//
// The server checks ages in batches at least 250ms apart; the model does
// not. The two agree whenever every store time and every TTL is a multiple
// of 250ms, which is how the property tests drive them.
func (m *Model) Advance(d time.Duration) {
	target := m.now.Add(d)
	for {
		due, ok := m.nextDue()
		if !ok || due.After(target) {
			break
		}
		m.now = due
		m.expire()
	}
	m.now = target
}

// due returns when x expires, if it does.
func (m *Model) due(x *ModelMsg) (time.Time, bool) {
	var at time.Time
	if m.maxAge > 0 {
		at = x.Created.Add(m.maxAge)
	}
	if x.TTL > 0 && (at.IsZero() || x.Created.Add(x.TTL).Before(at)) {
		at = x.Created.Add(x.TTL)
	}
	return at, !at.IsZero()
}

func (m *Model) nextDue() (time.Time, bool) {
	var next time.Time
	for i := range m.msgs {
		if at, ok := m.due(&m.msgs[i]); ok && (next.IsZero() || at.Before(next)) {
			next = at
		}
	}
	return next, !next.IsZero()
}

// expire is one age check at m.now. As server/memstore.go: expireMsgs, it
// first expires by MaxAge, then by per-message TTL, each in revision order
// (the TTL pass sorts its hash wheel's entries by sequence).
func (m *Model) expire() {
	var byAge, byTTL []uint64
	for _, x := range m.msgs {
		switch {
		case m.maxAge > 0 && !m.now.Before(x.Created.Add(m.maxAge)):
			byAge = append(byAge, x.Revision)
		case x.TTL > 0 && !m.now.Before(x.Created.Add(x.TTL)):
			byTTL = append(byTTL, x.Revision)
		}
	}
	for _, rev := range slices.Concat(byAge, byTTL) {
		m.expireOne(rev)
	}
}

// expireOne removes the message rev. With limit markers, a message that is
// the only one left of its key and not itself a marker is replaced by a
// MaxAge limit marker stored through the normal path, whose rollup removes
// it (server/memstore.go: shouldProcessSdmLocked, handleRemovalOrSdm).
func (m *Model) expireOne(rev uint64) {
	i := slices.IndexFunc(m.msgs, func(x ModelMsg) bool { return x.Revision == rev })
	if i < 0 {
		return // already gone: rolled up by an earlier marker
	}
	x := m.msgs[i]
	if m.markerTTL > 0 && !x.marker() && m.count(x.Key) == 1 {
		lmt := time.Duration(int64(m.markerTTL.Seconds())) * time.Second
		_, err := m.store(modelPublish{key: x.Key, op: jetstream.KeyValuePurge, reason: true, rollup: true, ttl: lmt.String()})
		if err == nil {
			return
		}
		// The marker was refused (MaxValueSize or MaxBytes). memkv then
		// removes the message silently; the server's behaviour here has
		// not been observed.
	}
	m.remove(func(y *ModelMsg) bool { return y.Revision == rev })
}
