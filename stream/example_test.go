package stream_test

import (
	"fmt"

	"github.com/jetsim/jetsim/stream"
)

// A KV-shaped stream: a compare-and-set that names the wrong revision
// fails with the subject's current one, and a consumer delivers the last
// message of each subject with the server's num_pending.
func Example() {
	s, err := stream.New(stream.Config{
		Name:              "KV_demo",
		Subjects:          []string{"$KV.demo.>"},
		Storage:           stream.MemoryStorage,
		MaxMsgsPerSubject: 5,
		AllowRollup:       true,
	}, nil)
	if err != nil {
		panic(err)
	}
	defer s.Close()
	s.Store("$KV.demo.a", nil, []byte("1"))
	s.Store("$KV.demo.b", nil, []byte("1"))
	s.Store("$KV.demo.a", nil, []byte("2"))
	_, err = s.Store("$KV.demo.a", stream.EncodeHeader(stream.ExpectedLastSubjSeq, "1"), []byte("3"))
	fmt.Println(err)

	c, _ := s.NewConsumer(stream.ConsumerConfig{
		FilterSubjects: []string{"$KV.demo.>"},
		DeliverPolicy:  stream.DeliverLastPerSubject,
	})
	for {
		m, pending, _ := c.Next()
		if m.Seq == 0 {
			break
		}
		fmt.Println(m.Subject, m.Seq, string(m.Data), pending)
	}
	fmt.Println(s.State().Bytes) // 3 × (10 + 1 + 16)
	// Output:
	// wrong last sequence: 3
	// $KV.demo.b 2 1 1
	// $KV.demo.a 3 2 0
	// 81
}
