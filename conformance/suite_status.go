package conformance

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
)

// Header byte lengths of the messages nats.go publishes (SEMANTICS 7.2):
// "NATS/1.0\r\n" + "Key: value\r\n" per header + "\r\n".
const (
	hdrCreate = 52 // Nats-Expected-Last-Subject-Sequence: 0
	hdrDelete = 31 // KV-Operation: DEL
	hdrPurge  = 51 // KV-Operation: PURGE, Nats-Rollup: sub
)

// hdrUpdate is the header of an Update (or a Create retried over a marker)
// that expects revision rev.
func hdrUpdate(rev uint64) int { return 51 + len(strconv.FormatUint(rev, 10)) }

// hdrLastRev is what LastRevision(rev) adds to a Delete or Purge header.
func hdrLastRev(rev uint64) int { return 39 + len(strconv.FormatUint(rev, 10)) }

// hdrTTL is what a Nats-TTL header with value v adds.
func hdrTTL(v string) int { return 12 + len(v) }

// hdrLimitMarker is the header of a server limit marker (SEMANTICS 5.3.2).
func hdrLimitMarker(lmt time.Duration) int { return 70 + len(lmt.String()) }

// memSize is the memory store's size of a message (srv/memstore.go:
// memStoreMsgSizeRaw): subject + header + value + 16.
func memSize(bucket, key string, hdr, val int) uint64 {
	return uint64(len("$KV."+bucket+"."+key) + hdr + val + 16)
}

// fileSize is the file store's size of a message (srv/filestore.go:
// fileStoreMsgSizeRaw): 22 + subject + value + 8, plus 4 + header when there
// are headers.
func fileSize(bucket, key string, hdr, val int) uint64 {
	n := 22 + len("$KV."+bucket+"."+key) + val + 8
	if hdr > 0 {
		n += 4 + hdr
	}
	return uint64(n)
}

// storeModel tracks what a bucket should hold, to predict Status().Values()
// and Bytes() from the formulas.
type storeModel struct {
	bucket  string
	history int
	size    func(bucket, key string, hdr, val int) uint64
	msgs    []modelMsg
}

type modelMsg struct {
	key  string
	size uint64
}

// add records a stored message; rollup removes the key's earlier messages
// (a Purge), and the history limit then evicts the key's oldest ones.
func (m *storeModel) add(key string, hdr, val int, rollup bool) {
	if rollup {
		m.keep(func(x modelMsg) bool { return x.key != key })
	}
	m.msgs = append(m.msgs, modelMsg{key, m.size(m.bucket, key, hdr, val)})
	n := 0
	for _, x := range m.msgs {
		if x.key == key {
			n++
		}
	}
	for i := 0; n > m.history; {
		if m.msgs[i].key == key {
			m.msgs = append(m.msgs[:i], m.msgs[i+1:]...)
			n--
			continue
		}
		i++
	}
}

func (m *storeModel) keep(f func(modelMsg) bool) {
	out := m.msgs[:0]
	for _, x := range m.msgs {
		if f(x) {
			out = append(out, x)
		}
	}
	m.msgs = out
}

func (m *storeModel) bytes() uint64 {
	var n uint64
	for _, x := range m.msgs {
		n += x.size
	}
	return n
}

// check compares the bucket's Status with the model.
func (m *storeModel) check(t *testing.T, kv jetstream.KeyValue, step string) {
	t.Helper()
	st := status(t, kv)
	require.Equal(t, uint64(len(m.msgs)), st.Values(), "%s: Values", step)
	require.Equal(t, m.bytes(), st.Bytes(), "%s: Bytes", step)
}

// bytesSteps runs a sequence of writes on kv, checking Status against the
// model after each one.
func bytesSteps(t *testing.T, kv jetstream.KeyValue, m *storeModel) {
	val := func(n int) []byte { return []byte(fmt.Sprintf("%0*d", n, 0)) }
	m.check(t, kv, "empty")
	var rev uint64
	var err error
	step := func(name string, f func() error, key string, hdr, v int, rollup bool) {
		t.Helper()
		require.NoError(t, f(), name)
		m.add(key, hdr, v, rollup)
		m.check(t, kv, name)
	}
	step("Put k1 5B", func() error { rev, err = kv.Put(ctx(t), "k1", val(5)); return err }, "k1", 0, 5, false)
	step("Create k2 3B", func() error { rev, err = kv.Create(ctx(t), "k2", val(3)); return err }, "k2", hdrCreate, 3, false)
	step("Update k2 4B", func() error { rev, err = kv.Update(ctx(t), "k2", val(4), rev); return err }, "k2", hdrUpdate(2), 4, false)
	step("Delete k1", func() error { return kv.Delete(ctx(t), "k1") }, "k1", hdrDelete, 0, false)
	step("Delete k2 LastRevision(3)", func() error { return kv.Delete(ctx(t), "k2", jetstream.LastRevision(3)) }, "k2", hdrDelete+hdrLastRev(3), 0, false)
	step("Put longkey nil", func() error { _, err := kv.Put(ctx(t), "longkey", nil); return err }, "longkey", 0, 0, false)
	step("Purge k1", func() error { return kv.Purge(ctx(t), "k1") }, "k1", hdrPurge, 0, true)
	// k1's latest is the PURGE marker at revision 7: Create retries with it.
	step("Create k1 over PURGE 7", func() error { rev, err = kv.Create(ctx(t), "k1", val(2)); return err }, "k1", hdrUpdate(7), 2, false)
	require.EqualValues(t, 8, rev)
	for i := 0; i < 4; i++ {
		step("Put k3 #"+strconv.Itoa(i), func() error { _, err := kv.Put(ctx(t), "k3", val(20+i)); return err }, "k3", 0, 20+i, false)
	}
	step("Update k3 rev 12", func() error { rev, err = kv.Update(ctx(t), "k3", val(1), 12); return err }, "k3", hdrUpdate(12), 1, false)
	step("Purge k3 LastRevision(13)", func() error { return kv.Purge(ctx(t), "k3", jetstream.LastRevision(13)) }, "k3", hdrPurge+hdrLastRev(13), 0, true)
	step("Delete k9 never existed", func() error { return kv.Delete(ctx(t), "k9") }, "k9", hdrDelete, 0, false)
	step("Put k1 100B", func() error { _, err := kv.Put(ctx(t), "k1", val(100)); return err }, "k1", 0, 100, false)
}

// testStatus covers SEMANTICS 7: Values() and Bytes() for memory and file
// buckets.
func (s *suite) testStatus(t *testing.T) {
	t.Run("bytes_observed", func(t *testing.T) {
		// The exact sequence of SEMANTICS 7.2 on bucket SB36 (subject
		// "$KV.SB36.k1" is 11 bytes), with the numbers the server reported.
		kv := s.kv(t, jetstream.KeyValueConfig{Bucket: "SB36", History: 10})
		check := func(step string, values, bytes uint64) {
			t.Helper()
			st := status(t, kv)
			require.Equal(t, values, st.Values(), "%s: Values", step)
			require.Equal(t, bytes, st.Bytes(), "%s: Bytes", step)
		}
		_, err := kv.Put(ctx(t), "k1", []byte("12345"))
		require.NoError(t, err)
		check("Put k1", 1, 32)
		_, err = kv.Create(ctx(t), "k2", []byte("abc"))
		require.NoError(t, err)
		check("Create k2", 2, 114)
		_, err = kv.Update(ctx(t), "k2", []byte("abcd"), 2)
		require.NoError(t, err)
		check("Update k2", 3, 197)
		del(t, kv, "k1")
		check("Delete k1", 4, 255)
		del(t, kv, "k2", jetstream.LastRevision(3))
		check("Delete k2 LastRevision(3)", 5, 353)
		_, err = kv.Put(ctx(t), "longkey", nil)
		require.NoError(t, err)
		check("Put longkey", 6, 385)
		purge(t, kv, "k1")
		check("Purge k1", 5, 373)
	})

	t.Run("bytes_memory", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{Bucket: "MEM", History: 3})
		bytesSteps(t, kv, &storeModel{bucket: "MEM", history: 3, size: memSize})
	})

	t.Run("bytes_file", func(t *testing.T) {
		_, kv := s.create(t, jetstream.KeyValueConfig{Bucket: "FILE", History: 3, Storage: jetstream.FileStorage})
		require.Equal(t, jetstream.FileStorage, status(t, kv).Config().Storage)
		bytesSteps(t, kv, &storeModel{bucket: "FILE", history: 3, size: fileSize})
	})

	t.Run("bytes_file_observed", func(t *testing.T) {
		// SEMANTICS 7.8: the same steps on a file bucket and a memory bucket.
		for _, tc := range []struct {
			bucket  string
			storage jetstream.StorageType
			want    [3]uint64
		}{
			{"BFile", jetstream.FileStorage, [3]uint64{53, 131, 231}},
			{"M", jetstream.MemoryStorage, [3]uint64{35, 91, 169}},
		} {
			_, kv := s.create(t, jetstream.KeyValueConfig{Bucket: tc.bucket, History: 5, Storage: tc.storage})
			_, err := kv.Put(ctx(t), "abc", []byte("0123456789"))
			require.NoError(t, err)
			require.Equal(t, tc.want[0], status(t, kv).Bytes(), "%s: Put", tc.bucket)
			del(t, kv, "abc")
			require.Equal(t, tc.want[1], status(t, kv).Bytes(), "%s: Delete", tc.bucket)
			_, err = kv.Create(ctx(t), "k2", []byte("xy"))
			require.NoError(t, err)
			require.Equal(t, tc.want[2], status(t, kv).Bytes(), "%s: Create", tc.bucket)
		}
	})

	t.Run("bytes_ttl_headers", func(t *testing.T) {
		// Per-key TTL headers count too (SEMANTICS 7.2). The TTLs are long,
		// so nothing expires during the test.
		kv := s.kv(t, jetstream.KeyValueConfig{Bucket: "T1", LimitMarkerTTL: time.Minute})
		m := &storeModel{bucket: "T1", history: 1, size: memSize}
		_, err := kv.Create(ctx(t), "a", []byte("v"), jetstream.KeyTTL(time.Hour))
		require.NoError(t, err)
		m.add("a", hdrCreate+hdrTTL("1h0m0s"), 1, false)
		m.check(t, kv, "Create KeyTTL(1h)")
		_, err = kv.Create(ctx(t), "b", []byte("v"), jetstream.KeyTTL(90*time.Second))
		require.NoError(t, err)
		m.add("b", hdrCreate+hdrTTL("1m30s"), 1, false)
		m.check(t, kv, "Create KeyTTL(90s)")
		require.NoError(t, kv.Purge(ctx(t), "a", jetstream.PurgeTTL(time.Hour)))
		m.add("a", hdrPurge+hdrTTL("1h0m0s"), 0, true)
		m.check(t, kv, "Purge PurgeTTL(1h)")
		del(t, kv, "b")
		m.add("b", hdrDelete, 0, false)
		m.check(t, kv, "Delete b")
		_, err = kv.Create(ctx(t), "b", []byte("v"), jetstream.KeyTTL(time.Hour))
		require.NoError(t, err)
		m.add("b", hdrUpdate(4)+hdrTTL("1h0m0s"), 1, false)
		m.check(t, kv, "Create b over DEL 4 with KeyTTL(1h)")
	})

	t.Run("bytes_raised_ttl", func(t *testing.T) {
		// History != 1 with LimitMarkerTTL: a shorter TTL is raised to the
		// LimitMarkerTTL and rewritten as integer seconds (SEMANTICS 5.4.3).
		kv := s.kv(t, jetstream.KeyValueConfig{Bucket: "T5", History: 5, LimitMarkerTTL: 2 * time.Hour})
		m := &storeModel{bucket: "T5", history: 5, size: memSize}
		_, err := kv.Create(ctx(t), "a", []byte("v"), jetstream.KeyTTL(time.Hour))
		require.NoError(t, err)
		m.add("a", hdrCreate+hdrTTL("7200"), 1, false)
		m.check(t, kv, "Create KeyTTL(1h) raised to 7200")
		_, err = kv.Create(ctx(t), "b", []byte("v"), jetstream.KeyTTL(3*time.Hour))
		require.NoError(t, err)
		m.add("b", hdrCreate+hdrTTL("3h0m0s"), 1, false)
		m.check(t, kv, "Create KeyTTL(3h) kept")
		require.NoError(t, kv.Purge(ctx(t), "b", jetstream.PurgeTTL(time.Hour)))
		m.add("b", hdrPurge+hdrTTL("7200"), 0, true)
		m.check(t, kv, "Purge PurgeTTL(1h) raised to 7200")
	})

	t.Run("values_count_markers", func(t *testing.T) {
		kv := s.kv(t, jetstream.KeyValueConfig{History: 10})
		put(t, kv, "a", "1")
		put(t, kv, "a", "2")
		del(t, kv, "a")
		put(t, kv, "b", "1")
		del(t, kv, "c")
		st := status(t, kv)
		require.EqualValues(t, 5, st.Values(), "every stored message counts, markers included")
		purge(t, kv, "a")
		require.EqualValues(t, 3, status(t, kv).Values())
	})
}
