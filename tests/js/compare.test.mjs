// A compare step's side of one run: the chains the step's first request entered, in the
// kernel's order, the sandbox's probes left out, and its outcome and its reply's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { sideOf } from "../../static/js/compare.js";

const ev = (journey, table, chain, base, extra = {}) => ({ journey, source: "nftrace", probe: false, family: "ip",
  table, chain, base_chain: base, ...extra });

test("the first request's chains, in order, each once per visit", () => {
  const events = [
    ev(1, "trace", "prerouting", "prerouting", { probe: true }),
    ev(1, "raw", "PREROUTING", "PREROUTING"),
    ev(1, "filter", "FORWARD", "FORWARD"), ev(1, "filter", "FORWARD", "FORWARD"),
    ev(1, "filter", "DOCKER-FORWARD", "FORWARD"), ev(1, "filter", "FORWARD", "FORWARD"),
    { journey: 1, source: "nflog", family: "bridge", table: "filter", chain: "FORWARD" },
    ev(2, "filter", "FORWARD", "FORWARD"),
  ];
  const journeys = [
    { id: 1, direction: "request", proto: "icmp", flow: 7, outcome: "delivered", summary: "a > b" },
    { id: 2, direction: "reply", proto: "icmp", flow: 7, outcome: "delivered" },
  ];
  const side = sideOf(events, journeys, "icmp");
  assert.deepEqual(side.chains, ["ip raw PREROUTING", "ip filter FORWARD", "ip filter FORWARD › DOCKER-FORWARD",
    "ip filter FORWARD"]);
  assert.match(side.outcome, /delivered/);
  assert.match(side.reply, /delivered/);
});

test("no request of the step's protocol: nothing to show; a request without reply says so", () => {
  assert.equal(sideOf([], [{ id: 1, direction: "request", proto: "arp" }], "icmp"), null);
  const side = sideOf([], [{ id: 1, direction: "request", proto: "icmp", flow: null, outcome: "dropped", drop_at: "ip filter FORWARD" }], "icmp");
  assert.equal(side.reply, null);
  assert.match(side.outcome, /ip filter FORWARD/);
});
