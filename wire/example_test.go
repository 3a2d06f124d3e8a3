package wire_test

import (
	"fmt"
	"time"

	"github.com/jetsim/jetsim/wire"
	"github.com/nats-io/nats.go"
)

// A nats.go client talks to a wire.Server in process, as it would to
// nats-server.
func ExampleServer() {
	s := wire.New(nil)
	defer s.Close()
	nc, err := nats.Connect("", nats.InProcessServer(s))
	if err != nil {
		panic(err)
	}
	defer nc.Close()

	_, _ = nc.Subscribe("greet.*", func(m *nats.Msg) { _ = m.Respond([]byte("hello " + m.Subject[6:])) })
	r, err := nc.Request("greet.joe", nil, time.Second)
	fmt.Println(string(r.Data), err)

	_, err = nc.Request("nobody", nil, time.Second)
	fmt.Println(err)
	// Output:
	// hello joe <nil>
	// nats: no responders available for request
}

// DropConnections and RefuseConnections play a server restart: clients
// lose their connection and reconnect once the server accepts again.
func ExampleServer_DropConnections() {
	s := wire.New(nil)
	defer s.Close()
	back := make(chan struct{})
	nc, err := nats.Connect("", nats.InProcessServer(s), nats.ReconnectWait(10*time.Millisecond),
		nats.ReconnectHandler(func(*nats.Conn) { close(back) }))
	if err != nil {
		panic(err)
	}
	defer nc.Close()

	s.RefuseConnections(50 * time.Millisecond)
	s.DropConnections()
	<-back
	fmt.Println(nc.IsConnected(), s.NumConnections())
	// Output: true 1
}
