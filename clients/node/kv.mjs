// kv.mjs <url> <bucket> [<user> <pass>]: a nats.js KV session, printed one JSON line per step so that the Go
// test (natsjs_test.go) can compare the lines from nats-server and from jetsim.
import { connect } from "@nats-io/transport-node";
import { Kvm, KvWatchInclude } from "@nats-io/kv";

const [url, bucket, user, pass] = process.argv.slice(2);
const print = (step, v) => console.log(JSON.stringify({ step, ...v }));
const entry = (e) =>
  e === null ? null : {
    key: e.key,
    value: e.string(),
    revision: e.revision,
    delta: e.delta,
    operation: e.operation,
    length: e.length,
    created: e.created.toISOString(),
  };
const outcome = async (p) => {
  try {
    return { ok: await p };
  } catch (err) {
    return { error: err.message, code: err.code ?? err.api_error?.err_code };
  }
};
const collect = async (iter, n) => {
  const out = [];
  for await (const e of iter) {
    out.push(entry(e));
    if (out.length === n) break;
  }
  return out;
};

const nc = await connect({ servers: url, name: "jetsim-clients", user, pass });
try {
  const kvm = new Kvm(nc);
  const kv = await kvm.create(bucket, { history: 5, storage: "memory" });
  for (const [k, v] of [["a", "1"], ["a", "2"], ["b.x", "3"], ["c", "4"]]) {
    print("put", { key: k, revision: await kv.put(k, v) });
  }
  print("create existing", await outcome(kv.create("a", "x")));
  print("create new", await outcome(kv.create("d", "5")));
  print("update", await outcome(kv.update("c", "6", 4)));
  print("update stale", await outcome(kv.update("c", "7", 4)));
  print("get", { entry: entry(await kv.get("a")) });
  print("get revision", { entry: entry(await kv.get("a", { revision: 1 })) });
  print("get missing", { entry: entry(await kv.get("nope")) });
  print("put invalid key", await outcome(kv.put("bad key", "x")));

  // a watch of all history, then two updates made while it runs
  const w = await kv.watch({ include: KvWatchInclude.AllHistory });
  const watched = collect(w, 8);
  print("delete", await outcome(kv.delete("a")));
  print("purge", await outcome(kv.purge("b.x")));
  print("watch", { entries: await watched });
  w.stop();

  print("get deleted", { entry: entry(await kv.get("a")) });
  const h = await kv.history({ key: "a" });
  print("history", { entries: await collect(h, 3) });
  const keys = [];
  for await (const k of await kv.keys()) keys.push(k);
  print("keys", { keys: keys.sort() });

  const st = await kv.status();
  print("status", {
    bucket: st.bucket, values: st.values, history: st.history, ttl: st.ttl, size: st.size,
    storage: st.storage, backingStore: st.backingStore, max_bytes: st.max_bytes,
    maxValueSize: st.maxValueSize, markerTTL: st.markerTTL, stream: st.streamInfo.config.name,
    // consumer_count is left out: ephemeral consumers of finished watches go away on the
    // server's inactivity timer, not at a step of this script
    state: { ...st.streamInfo.state, consumer_count: undefined },
  });
  const names = [];
  for await (const s of kvm.list()) names.push(s.bucket);
  print("list", { names: names.sort() });
  print("destroy", await outcome(kv.destroy()));
  print("open destroyed", await outcome(kvm.open(bucket).then((b) => b.status()).then((s) => s.bucket)));
} finally {
  await nc.close();
}
