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
	for received := uint64(1); ; received++ {
		m, delta, err := c.Next()
		if err != nil {
			return out, err
		}
		if m.Seq == 0 {
			return out, nil // initial messages removed while collecting
		}
		if e, deleted := decode(m, delta); !opts.IgnoreDeletes || !deleted {
			out = append(out, e)
		}
		if received >= initPending || delta == 0 {
			return out, nil
		}
	}
}
