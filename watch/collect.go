package watch

import "github.com/jetsim/jetsim/stream"

// Collect returns the initial entries a watcher with opts would deliver
// before its "initial values done" marker, without a goroutine or a
// channel: what Keys, History and PurgeDeletes gather in nats.go.
// Entries hidden by IgnoreDeletes are counted but left out, as there.
func Collect[E any](s *stream.Stream, opts Options, decode Decoder[E]) ([]E, error) {
	c, err := s.NewConsumer(opts.Consumer())
	if err != nil {
		return nil, err
	}
	defer c.Close()
	initPending := c.InitialPending()
	if opts.UpdatesOnly || initPending == 0 {
		return nil, nil
	}
	var out []E
	buf := make([]stream.Delivery, 0, 1)
	for received := uint64(1); ; received++ {
		buf, err = c.NextBatch(buf[:0], 1)
		if err != nil {
			return out, err
		}
		if len(buf) == 0 {
			return out, nil // initial messages removed while collecting
		}
		d := &buf[0]
		if e, deleted := decode(d); !opts.IgnoreDeletes || !deleted {
			out = append(out, e)
		}
		if received >= initPending || d.Pending == 0 {
			return out, nil
		}
	}
}
