package stream

// dedupWindow remembers the Nats-Msg-Id of recent messages for the
// stream's Duplicates window (server/stream.go: checkMsgId, storeMsgId).
type dedupWindow struct {
	ids   map[string]dedupEntry
	queue []dedupEntry // in store order, for pruning
}

type dedupEntry struct {
	id  string
	seq uint64
	ts  int64
}

// find prunes entries older than window and returns the sequence stored
// with id, if it is still in the window.
func (d *dedupWindow) find(id string, now, window int64) (uint64, bool) {
	for len(d.queue) > 0 && now-d.queue[0].ts > window {
		if e := d.ids[d.queue[0].id]; e.seq == d.queue[0].seq {
			delete(d.ids, e.id)
		}
		d.queue = d.queue[1:]
	}
	e, ok := d.ids[id]
	return e.seq, ok
}

func (d *dedupWindow) add(id string, seq uint64, ts int64) {
	if d.ids == nil {
		d.ids = make(map[string]dedupEntry)
	}
	e := dedupEntry{id: id, seq: seq, ts: ts}
	d.ids[id] = e
	d.queue = append(d.queue, e)
}
