// The explanation's hop links: which hop of a real run each one selects.
import { test } from "node:test";
import assert from "node:assert/strict";
import { findHop, journeyFor, parseHopRef } from "../../static/js/steptext.js";
import { RUNS } from "./fixtures.mjs";

const c2e = RUNS["container-to-external-2"];
const drop = RUNS["new-bridge-forward-drop-1"];

test("a hop reference names a family, an optional table, a hook and a direction", () => {
  assert.deepEqual(parseHopRef("#hop:ip:nat:postrouting"),
    { family: "ip", table: "nat", hook: "postrouting", direction: "request" });
  assert.deepEqual(parseHopRef("#hop:bridge:output@reply"),
    { family: "bridge", table: null, hook: "output", direction: "reply" });
  assert.equal(parseHopRef("#hop:bridge:input@arp").direction, "arp");
  for (const bad of ["#hop:", "#step-2", "https://example.org/#hop:ip:input", "#hop:ip:nat:input@later", null]) {
    assert.equal(parseHopRef(bad), null, bad);
  }
});

test("a reference selects that hop of the step's first request, or of its first reply", () => {
  const { events, journeys } = c2e;
  const first = journeyFor(journeys, parseHopRef("#hop:ip:input"), "icmp");
  assert.equal(first.proto, "icmp");
  assert.equal(first.direction, "request");
  const nat = events[findHop(events, parseHopRef("#hop:ip:nat:postrouting"), { journeys, proto: "icmp" })];
  assert.deepEqual([nat.journey, nat.family, nat.table, nat.hook], [first.id, "ip", "nat", "postrouting"]);
  assert.ok(!nat.probe);
  const out = events[findHop(events, parseHopRef("#hop:bridge:output@reply"), { journeys, proto: "icmp" })];
  const reply = journeys.find((j) => j.id === out.journey);
  assert.deepEqual([reply.direction, reply.proto, out.family, out.hook], ["reply", "icmp", "bridge", "output"]);
});

test("the drop a text names is the one the kernel reported", () => {
  const { events, journeys } = drop;
  const ev = events[findHop(events, parseHopRef("#hop:ip:filter:forward"), { journeys, proto: "icmp" })];
  assert.equal(ev.table, "filter");
  assert.ok(events.some((e) => e.journey === ev.journey && e.verdict === "drop" && e.hook === ev.hook));
});

test("a hop the run does not have is not found", () => {
  const { events, journeys } = drop;
  assert.equal(findHop(events, parseHopRef("#hop:ip:nat:output"), { journeys, proto: "icmp" }), -1);
});
