package wire

import (
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

func TestClientPubSubRequest(t *testing.T) {
	s := New(nil)
	defer s.Close()
	nc, err := nats.Connect("", nats.InProcessServer(s))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	sub, _ := nc.SubscribeSync("foo.*")
	nc.Publish("foo.bar", []byte("hi"))
	m, err := sub.NextMsg(time.Second)
	if err != nil || string(m.Data) != "hi" {
		t.Fatal(m, err)
	}
	nc.Subscribe("svc", func(m *nats.Msg) { m.Respond(append([]byte("re:"), m.Data...)) })
	r, err := nc.Request("svc", []byte("x"), time.Second)
	if err != nil || string(r.Data) != "re:x" {
		t.Fatal(r, err)
	}
	_, err = nc.Request("nobody", []byte("x"), time.Second)
	if !errors.Is(err, nats.ErrNoResponders) {
		t.Fatal(err)
	}
	t.Log(nc.ConnectedServerId(), nc.ConnectedServerVersion())
}
