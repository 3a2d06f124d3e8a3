package wire_test

import "testing"

// Stream subjects and consumer deliver subjects are checked as the server
// checks them. Before, a stream on "$JS.API.>" was created, and then took
// every API request (each answered with a PubAck besides the API's reply),
// and a no-ack stream answered publishes.
func TestConfigSubjectsDiff(t *testing.T) {
	consumer := func(deliver string) string {
		return `{"stream_name":"ORDERS","config":{"name":"c1","deliver_subject":"` + deliver + `","ack_policy":"none"}}`
	}
	create := func(name, subjects, extra string) apiStep {
		return apiStep{name: "create " + name + " " + subjects, subject: "$JS.API.STREAM.CREATE." + name,
			body: `{"name":"` + name + `","subjects":` + subjects + `,"storage":"memory"` + extra + `}`}
	}
	diffSteps(t, []apiStep{
		create("A", `["$JS.API.>"]`, ""),
		create("B", `["$JS.API.STREAM.INFO.X"]`, ""),
		create("C", `[">"]`, ""),
		create("D", `["*.>"]`, ""),
		create("E", `["$JS.FC.>"]`, ""),
		create("F", `["$JS.EVENT.x.>"]`, ""),
		create("G", `["$JS.*.x"]`, ""),
		create("H", `["$SYS.>"]`, ""),
		create("I", `["$SYS.ACCOUNT.x"]`, ""),
		create("J", `["a..b"]`, ""),
		create("K", `["a.>.b"]`, ""),
		create("L", `["k.1","k.1"]`, ""),
		create("M", `["m.*","m.1"]`, ""),
		create("N", `["$JSC.x"]`, ""),
		create("NA", `["na.>"]`, `,"no_ack":true`),
		{name: "publish to a no-ack stream", subject: "na.1", body: "x"},
		{name: "info no-ack", subject: "$JS.API.STREAM.INFO.NA"},
		{name: "create", subject: "$JS.API.STREAM.CREATE.ORDERS", body: orders},
		{name: "deliver into the stream", subject: "$JS.API.CONSUMER.CREATE.ORDERS.c1", body: consumer("orders.x")},
		{name: "deliver beside the stream", subject: "$JS.API.CONSUMER.CREATE.ORDERS.c1", body: consumer("orders")},
		{name: "deliver wildcard", subject: "$JS.API.CONSUMER.CREATE.ORDERS.c1", body: consumer("d.*")},
		{name: "deliver service reply", subject: "$JS.API.CONSUMER.CREATE.ORDERS.c1", body: consumer("_R_.x")},
		{name: "deliver gateway reply", subject: "$JS.API.CONSUMER.CREATE.ORDERS.c1", body: consumer("$GR.x")},
		{name: "deliver $JS other", subject: "$JS.API.CONSUMER.CREATE.ORDERS.c2", body: `{"stream_name":"ORDERS","config":{"name":"c2","deliver_subject":"$JS.X.y","ack_policy":"none"}}`},
		{name: "deliver domain api", subject: "$JS.API.CONSUMER.CREATE.ORDERS.c1", body: consumer("$JS.dom.API.y")},
		{name: "deliver flow control", subject: "$JS.API.CONSUMER.CREATE.ORDERS.c1", body: consumer("$JS.FC.y")},
		{name: "deliver api", subject: "$JS.API.CONSUMER.CREATE.ORDERS.c1", body: consumer("$JS.API.CONSUMER.DELETE.ORDERS.c1")},
		{name: "deliver empty token", subject: "$JS.API.CONSUMER.CREATE.ORDERS.c1", body: consumer("a..b")},
		{name: "deliver space", subject: "$JS.API.CONSUMER.CREATE.ORDERS.c1", body: consumer("a b")},
		{name: "account info", subject: "$JS.API.INFO"},
	})
}
