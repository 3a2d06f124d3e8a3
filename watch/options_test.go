package watch

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/jetsim/jetsim/stream"
)

// TestOptionsConsumer checks the consumer each option set asks for
// (SEMANTICS §6.1): last per subject by default, all with IncludeHistory,
// new with UpdatesOnly, and ResumeFromRevision overriding both; always
// with flow control.
func TestOptionsConsumer(t *testing.T) {
	filters := []string{"$KV.W.a", "$KV.W.b.>"}
	cases := []struct {
		name string
		opts Options
		want stream.ConsumerConfig
	}{
		{"default", Options{},
			stream.ConsumerConfig{DeliverPolicy: stream.DeliverLastPerSubject}},
		{"filters", Options{Filters: filters},
			stream.ConsumerConfig{FilterSubjects: filters, DeliverPolicy: stream.DeliverLastPerSubject}},
		{"include_history", Options{IncludeHistory: true},
			stream.ConsumerConfig{DeliverPolicy: stream.DeliverAll}},
		{"updates_only", Options{UpdatesOnly: true},
			stream.ConsumerConfig{DeliverPolicy: stream.DeliverNew}},
		{"meta_only", Options{MetaOnly: true},
			stream.ConsumerConfig{DeliverPolicy: stream.DeliverLastPerSubject, HeadersOnly: true}},
		{"include_history_meta_only", Options{IncludeHistory: true, MetaOnly: true},
			stream.ConsumerConfig{DeliverPolicy: stream.DeliverAll, HeadersOnly: true}},
		{"ignore_deletes_changes_nothing", Options{IgnoreDeletes: true},
			stream.ConsumerConfig{DeliverPolicy: stream.DeliverLastPerSubject}},
		{"resume", Options{ResumeFromRevision: 7},
			stream.ConsumerConfig{DeliverPolicy: stream.DeliverByStartSequence, OptStartSeq: 7}},
		{"resume_overrides_include_history", Options{ResumeFromRevision: 7, IncludeHistory: true},
			stream.ConsumerConfig{DeliverPolicy: stream.DeliverByStartSequence, OptStartSeq: 7}},
		{"resume_overrides_updates_only", Options{ResumeFromRevision: 1, UpdatesOnly: true},
			stream.ConsumerConfig{DeliverPolicy: stream.DeliverByStartSequence, OptStartSeq: 1}},
		{"overhead", Options{MsgOverhead: 80},
			stream.ConsumerConfig{DeliverPolicy: stream.DeliverLastPerSubject, MsgOverhead: 80}},
		{"resume_meta_only", Options{ResumeFromRevision: 3, MetaOnly: true},
			stream.ConsumerConfig{DeliverPolicy: stream.DeliverByStartSequence, OptStartSeq: 3, HeadersOnly: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Every watch has the client's flow control.
			tc.want.MaxPendingBytes = stream.FlowControlMaxPending
			require.Equal(t, tc.want, tc.opts.Consumer())
		})
	}
}
