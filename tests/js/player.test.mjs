// The player moves store.i and says how (via), with fake timers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Store } from "../../static/js/store.js";
import { Player } from "../../static/js/player.js";

function fakeTimers() {
  const q = [];
  return { q, setTimeout: (fn) => { q.push(fn); return q.length; }, clearTimeout: () => { q.length = 0; },
    run() { const fn = q.shift(); if (fn) fn(); } };
}

test("play walks the timeline and stops at the end with via=end", () => {
  const timers = fakeTimers();
  const s = new Store({ timeline: [{}, {}, {}], i: -1, playing: false, via: null, speed: 1 });
  const p = new Player(s, { timers });
  const vias = [];
  s.on(["i"], (st) => vias.push([st.i, st.via]));
  p.play();
  assert.equal(s.get().playing, true);
  timers.run(); timers.run(); timers.run();
  assert.deepEqual(vias, [[0, "play"], [1, "play"], [2, "play"]]);
  assert.equal(s.get().playing, false);
  assert.equal(s.get().via, "end");
});

test("step and seek pause and clamp", () => {
  const timers = fakeTimers();
  const s = new Store({ timeline: [{}, {}], i: 0, playing: true, via: null, speed: 1 });
  const p = new Player(s, { timers });
  p.step(5);
  assert.deepEqual([s.get().i, s.get().playing, s.get().via], [1, false, "step"]);
  p.seek(-3);
  assert.equal(s.get().i, 0);
  p.last();
  assert.equal(s.get().i, 1);
  p.play("auto");                         // at the end: starts over
  assert.deepEqual([s.get().i, s.get().playing, s.get().via], [0, true, "auto"]);
});

test("probe hops go faster; speed divides the time", () => {
  const s = new Store({ timeline: [], i: -1, playing: false, speed: 2 });
  const p = new Player(s, { base: 900, timers: fakeTimers() });
  assert.equal(p.duration({}), 450);
  assert.equal(p.duration({ probe: true }), 180);
});
