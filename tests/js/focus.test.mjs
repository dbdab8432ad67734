// Focus on the packet that matters, on real kernel runs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildTimeline, boxOrder, firstRequest, hiddenCounts, natMarks, packetSoFar, reachedIfaces, startIndex } from "../../static/js/focus.js";
import { makeModel } from "../../static/js/model.js";
import { MODEL, RUNS, liveModel } from "./fixtures.mjs";

const model = makeModel(MODEL);
const c2e = RUNS["container-to-external-2"];
const drop = RUNS["new-bridge-forward-drop-1"];

test("the model fixture is the server's model", (t) => {
  const live = liveModel();
  if (!live) return t.skip("no .venv here");
  assert.deepEqual(MODEL, live);
});

test("probe and ARP hops are hidden by default and counted", () => {
  const tl = buildTimeline(c2e.events);
  assert.ok(tl.length > 0 && tl.every((e) => !e.probe && e.proto !== "arp"));
  const c = hiddenCounts(c2e.events);
  assert.equal(c.n, c2e.events.length - tl.length);
  assert.ok(c.probe > 0 && c.arp > 0);
  assert.equal(buildTimeline(c2e.events, { showHidden: true }).length, c2e.events.length);
  // a chosen ARP packet shows its own hops (only its probes stay hidden)
  const arp = c2e.journeys.find((j) => j.proto === "arp");
  const arpTl = buildTimeline(c2e.events, { journey: arp.id });
  assert.ok(arpTl.length > 0 && arpTl.every((e) => e.journey === arp.id && !e.probe));
});

test("the replay starts at the step's first request of its protocol", () => {
  const tl = buildTimeline(c2e.events, { showHidden: true });
  const first = firstRequest(c2e.journeys, "icmp");
  assert.equal(first.proto, "icmp");
  assert.equal(first.direction, "request");
  const i = startIndex(tl, c2e.journeys, "icmp");
  assert.equal(tl[i].journey, first.id);
  assert.ok(i > 0, "ARP and probes come first in this run");
  assert.ok(tl.slice(0, i).every((e) => e.journey !== first.id));
  assert.equal(startIndex([], c2e.journeys, "icmp"), -1);
});

test("MASQUERADE is a mark at nat POSTROUTING once the packet reached it", () => {
  const tl = buildTimeline(c2e.events);
  const first = firstRequest(c2e.journeys, "icmp");
  const all = tl.filter((e) => e.journey === first.id);
  const at = all.findIndex((e) => model.boxKey(e) === "ip:nat:postrouting");
  const before = natMarks(first, all.slice(0, at), model, all);
  assert.deepEqual(before, []);
  const marks = natMarks(first, all.slice(0, at + 1), model, all);
  assert.equal(marks.length, 1);
  assert.deepEqual({ ...marks[0] }, { box: "ip:nat:postrouting", field: "src", old: "172.17.0.2", new: "203.0.113.10",
    where: "ip nat POSTROUTING", kind: "MASQUERADE" });
});

// the pills the diagram draws for a docker-style topology (diagram.py: data-iface, -side, -stage-of)
function pills(ports, bridge) {
  const out = [];
  for (const side of ["in", "out"]) {
    for (const p of ports) out.push({ name: p, side, stage: `bridge:${side === "in" ? "prerouting" : "postrouting"}` });
    out.push({ name: "eth0", side, stage: `ip:${side === "in" ? "prerouting" : "postrouting"}` });
  }
  out.push({ name: bridge, side: "up", stage: "bridge:input" }, { name: bridge, side: "down", stage: "bridge:output" });
  return out.map((p, id) => ({ ...p, id }));
}
const litNames = (lit, ps) => ps.filter((p) => lit.has(p.id)).map((p) => `${p.side}:${p.name}`).sort();

test("interfaces: in where it came, out only once there, nothing past a drop", () => {
  const ps = pills(["veth-c1", "veth-c2"], "docker0");
  const first = firstRequest(c2e.journeys, "icmp");
  const hops = c2e.events.filter((e) => e.journey === first.id);
  assert.deepEqual(litNames(reachedIfaces(hops, model.stageKey, ps), ps), ["in:veth-c1", "out:eth0", "up:docker0"]);
  // before ip POSTROUTING, eth0 is not lit although FORWARD already knows it is the out device
  const k = hops.findIndex((e) => model.stageKey(e) === "ip:postrouting");
  assert.ok(hops.slice(0, k).some((e) => e.oif === "eth0"));
  assert.deepEqual(litNames(reachedIfaces(hops.slice(0, k), model.stageKey, ps), ps), ["in:veth-c1", "up:docker0"]);
  const bp = pills(["veth-c3", "veth-c4"], "br-new");
  const dropped = drop.journeys.find((j) => j.outcome === "dropped");
  const dh = drop.events.filter((e) => e.journey === dropped.id);
  assert.ok(dh.some((e) => e.oif || e.physout), "routing picked an out interface before the drop");
  assert.deepEqual(litNames(reachedIfaces(dh, model.stageKey, bp), bp), ["in:veth-c3"]);
});

test("boxes are numbered in the order the packet reached them", () => {
  const first = firstRequest(c2e.journeys, "icmp");
  const tl = buildTimeline(c2e.events);
  const i = tl.findLastIndex((e) => e.journey === first.id);
  const order = boxOrder(packetSoFar(tl, i), model.boxKey);
  assert.equal(order[0], "bridge:nat:prerouting");
  assert.ok(order.indexOf("ip:filter:forward") < order.indexOf("ip:nat:postrouting"));
  assert.equal(new Set(order).size, order.length);
});
