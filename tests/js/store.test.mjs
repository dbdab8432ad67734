// The state store: set() emits the changed keys; on() filters by key; batch() emits once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Store } from "../../static/js/store.js";

test("set emits only changed keys, to subscribers of those keys", () => {
  const s = new Store({ a: 1, b: 2 });
  const seen = [];
  s.on(["a"], (state, changed) => seen.push(["a", state.a, [...changed]]));
  s.on("*", (state, changed) => seen.push(["*", [...changed]]));
  assert.deepEqual(s.set({ a: 1 }), []);            // same value: nothing
  assert.equal(seen.length, 0);
  s.set({ b: 3 });
  assert.deepEqual(seen, [["*", ["b"]]]);
  s.set({ a: 5, b: 3 });
  assert.deepEqual(seen.slice(1), [["a", 5, ["a"]], ["*", ["a"]]]);
  assert.equal(s.get().a, 5);
  assert.ok(Object.isFrozen(s.get()));
});

test("batch emits once with every changed key", () => {
  const s = new Store({ a: 1, b: 2 });
  const calls = [];
  s.on("*", (_, changed) => calls.push([...changed].sort()));
  s.batch(() => { s.set({ a: 2 }); s.set({ b: 3 }); s.set({ a: 4 }); });
  assert.deepEqual(calls, [["a", "b"]]);
  assert.deepEqual(s.get(), { a: 4, b: 3 });
});

test("a subscriber may set derived keys; unsubscribe stops it", () => {
  const s = new Store({ n: 1, double: 2 });
  const off = s.on(["n"], (st) => s.set({ double: st.n * 2 }));
  s.set({ n: 4 });
  assert.equal(s.get().double, 8);
  off();
  s.set({ n: 5 });
  assert.equal(s.get().double, 8);
});

test("an update loop is reported, not run forever", () => {
  const s = new Store({ n: 0 });
  s.on(["n"], (st) => s.set({ n: st.n + 1 }));
  assert.throws(() => s.set({ n: 1 }), /update loop/);
});
