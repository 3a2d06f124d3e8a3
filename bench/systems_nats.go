package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetsim/jetsim/memkv"
)

// natsSystem is a NATS server reached through nats.go's own client, the
// same client code whatever the server: jetsim over its in-process
// connection (wire), nats-server over its in-process connection
// (server-inproc) or over loopback TCP (server), or the wire limit. Each
// bucket gets its own connection, shared by its writers and watchers, as
// an app's one nc carries all its watchers.
type natsSystem struct {
	dial     func() (*nats.Conn, error)
	shutdown func() error

	mu    sync.Mutex
	admin *nats.Conn          // deletes buckets; connected on first use
	js    jetstream.JetStream // admin's
	n     atomic.Int64        // bucket names
}

// startServer starts nats-server with JetStream in a temporary store
// directory, listening on loopback.
func startServer() (system, error) {
	return startNatsServer(false)
}

// startServerInproc starts nats-server with JetStream in a temporary store
// directory, not listening: clients connect through its in-process
// connection (nats.InProcessServer), a net.Pipe as wire's.
func startServerInproc() (system, error) {
	return startNatsServer(true)
}

func startNatsServer(inProcess bool) (system, error) {
	dir, err := os.MkdirTemp("", "jetsim-bench-")
	if err != nil {
		return nil, err
	}
	opts := &server.Options{JetStream: true, StoreDir: dir, NoLog: true, NoSigs: true}
	if inProcess {
		opts.DontListen = true
	} else {
		opts.Host, opts.Port = "127.0.0.1", -1
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("new server: %w", err)
	}
	shutdown := func() error {
		srv.Shutdown()
		srv.WaitForShutdown()
		return os.RemoveAll(dir)
	}
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		shutdown()
		return nil, errors.New("server not ready after 10s")
	}
	dial := func() (*nats.Conn, error) { return nats.Connect(srv.ClientURL()) }
	if inProcess {
		dial = func() (*nats.Conn, error) { return nats.Connect("", nats.InProcessServer(srv)) }
	}
	return &natsSystem{dial: dial, shutdown: shutdown}, nil
}

// startWire makes a memkv.Manager that clients reach through its
// in-process connection: jetsim's wire door.
func startWire() (system, error) {
	m := memkv.New()
	return &natsSystem{
		dial:     func() (*nats.Conn, error) { return nats.Connect("", nats.InProcessServer(m)) },
		shutdown: func() error { m.Close(); return nil },
	}, nil
}

func (s *natsSystem) connect() (*nats.Conn, jetstream.JetStream, error) {
	nc, err := s.dial()
	if err != nil {
		return nil, nil, fmt.Errorf("connect: %w", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	return nc, js, nil
}

// adminJS returns the connection that deletes buckets, connecting it
// first if need be: it is not part of the setup a bucket needs.
func (s *natsSystem) adminJS() (jetstream.JetStream, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.admin == nil {
		nc, js, err := s.connect()
		if err != nil {
			return nil, err
		}
		s.admin, s.js = nc, js
	}
	return s.js, nil
}

func (s *natsSystem) Open(ctx context.Context, history int) (store, error) {
	name := "B" + strconv.FormatInt(s.n.Add(1), 10)
	nc, js, err := s.connect()
	if err != nil {
		return nil, err
	}
	kv, err := js.CreateKeyValue(ctx, bucketConfig(name, history))
	if err != nil {
		nc.Close()
		return nil, err
	}
	return &kvStore{
		kv: kv,
		fast: func(ctx context.Context, keys []string, value func(int) []byte) error {
			return publishAll(ctx, js, name, keys, value)
		},
		// Closing the connection first drops its watchers at once; one
		// Stop each would cost a consumer-delete request each.
		release: func() error {
			nc.Close()
			admin, err := s.adminJS()
			if err != nil {
				return err
			}
			return admin.DeleteKeyValue(context.Background(), name)
		},
	}, nil
}

func (s *natsSystem) Close() error {
	s.mu.Lock()
	if s.admin != nil {
		s.admin.Close()
	}
	s.mu.Unlock()
	if s.shutdown == nil {
		return nil
	}
	return s.shutdown()
}

// publishAll fills a bucket with asynchronous publishes to the keys'
// subjects, which is what a Put is on the wire, without waiting for each
// ack.
func publishAll(ctx context.Context, js jetstream.JetStream, bucket string, keys []string, value func(int) []byte) error {
	pre := "$KV." + bucket + "."
	for i, k := range keys {
		if _, err := js.PublishAsync(pre+k, value(i)); err != nil {
			return err
		}
		// Wait for the acks every so often: with too many outstanding the
		// client gives up (ErrTooManyStalledMsgs) on a busy machine.
		if (i+1)%1000 == 0 || i == len(keys)-1 {
			if err := acked(ctx, js); err != nil {
				return err
			}
		}
	}
	return nil
}

func acked(ctx context.Context, js jetstream.JetStream) error {
	select {
	case <-js.PublishAsyncComplete():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Minute):
		return errors.New("fill: publishes not acknowledged after 1m")
	}
}
