package stream

import (
	"time"
)

// minCheckInterval is the server's floor between two age checks
// (server/memstore.go: resetAgeChk).
const minCheckInterval = int64(250 * time.Millisecond)

// nextDue returns when the next message expires by MaxAge or by its own
// TTL, or 0 when nothing will.
func (s *Stream) nextDue() int64 {
	var due int64
	if s.cfg.MaxAge > 0 && s.nmsgs > 0 {
		if m, ok := s.msgs.Min(); ok {
			due = m.ts + int64(s.cfg.MaxAge)
		}
	}
	if e, ok := s.ttls.Min(); ok && (due == 0 || e.expires < due) {
		due = e.expires
	}
	return due
}

// scheduleCheck arms the expiry timer for the next due message, never
// sooner than 250ms after the previous check, as the server batches its
// age checks. now is the current time in Unix nanoseconds.
func (s *Stream) scheduleCheck(now int64) {
	if s.closed || s.timer == nil && s.cfg.MaxAge == 0 && s.ttls.Len() == 0 {
		return // nothing can expire, and no check is pending
	}
	due := s.nextDue()
	if due == 0 {
		if s.timer != nil {
			s.timer.Stop()
			s.timer, s.timerAt = nil, 0
		}
		return
	}
	if floor := s.lastCheck + minCheckInterval; s.lastCheck > 0 && due < floor {
		due = floor
	}
	if s.timer != nil && s.timerAt <= due {
		return // an earlier check will reschedule
	}
	if s.timer != nil {
		s.timer.Stop()
	}
	d := time.Duration(due - now)
	if d < 0 {
		d = 0
	}
	s.timerAt = due
	s.timer = s.clock.AfterFunc(d, s.check)
}

// check is the age check: it expires every message past MaxAge or its
// TTL, oldest first, replacing the last message of a subject by a subject
// delete marker when SubjectDeleteMarkerTTL is set (server/memstore.go:
// expireMsgs, shouldProcessSdmLocked, handleRemovalOrSdm).
func (s *Stream) check() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.timer, s.timerAt = nil, 0
	now := s.now()
	s.lastCheck = now
	if maxAge := int64(s.cfg.MaxAge); maxAge > 0 {
		var expired []*msg
		s.msgs.Ascend(func(m *msg) bool {
			if m.ts > now-maxAge {
				return false
			}
			expired = append(expired, m)
			return true
		})
		for _, m := range expired {
			if v, ok := HeaderValue(m.hdr(), MessageTTL); ok {
				if ttl, err := parseTTL(v); err == nil && ttl < 0 {
					continue // "never" outlives MaxAge
				}
			}
			s.expire(m, now)
		}
	}
	for {
		e, ok := s.ttls.Min()
		if !ok || e.expires > now {
			break
		}
		s.ttls.DeleteMin()
		if m := s.get(e.seq); m != nil {
			s.expire(m, now)
		}
	}
	s.scheduleCheck(now)
	s.unlockAndWake()
}

// expire removes m, or, when it is the last message of its subject and not
// itself a marker and markers are on, stores a MaxAge marker whose rollup
// removes it.
func (s *Stream) expire(m *msg, now int64) {
	if s.get(m.seq) == nil {
		return
	}
	sdm := s.cfg.SubjectDeleteMarkerTTL
	if sdm > 0 {
		ss := s.subjects.Ref(m.subj)
		if ss != nil && ss.count() == 1 && !isMarker(m.hdr()) {
			hdr := EncodeHeader(
				MarkerReason, ReasonMaxAge,
				MessageTTL, (time.Duration(int64(sdm.Seconds())) * time.Second).String(),
				Rollup, RollupSubject,
			)
			if _, err := s.store(m.subj, hdr, nil, now); err == nil {
				return
			}
		}
	}
	s.removeSeq(m.seq)
}
