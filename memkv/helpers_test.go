package memkv_test

import (
	"strconv"

	"github.com/nats-io/nats.go/jetstream"
)

func fmtUint(n uint64) string { return strconv.FormatUint(n, 10) }

func opName(op jetstream.KeyValueOp) string {
	switch op {
	case jetstream.KeyValuePut:
		return "PUT"
	case jetstream.KeyValueDelete:
		return "DEL"
	case jetstream.KeyValuePurge:
		return "PURGE"
	}
	return op.String()
}
