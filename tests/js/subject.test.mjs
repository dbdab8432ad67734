// A step about ARP shows its ARP hops by default (page_data.step.about -> focus.setSubject).
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildTimeline, hiddenCounts, setSubject } from "../../static/js/focus.js";

const arp = { journey: 1, seq: 0, proto: "arp", probe: false, source: "nftrace", family: "bridge", table: "filter", chain: "FORWARD" };
const probe = { journey: 1, seq: 1, proto: "arp", probe: true, source: "nftrace", family: "bridge", table: "trace", chain: "forward" };

test("ARP hops are hidden unless the step is about ARP", () => {
  setSubject([]);
  assert.deepEqual(buildTimeline([arp, probe]), []);
  assert.equal(hiddenCounts([arp, probe]).arp, 1);
  setSubject(["arp", "icmp"]);
  assert.deepEqual(buildTimeline([arp, probe]), [arp]);
  assert.deepEqual(hiddenCounts([arp, probe]), { n: 1, probe: 1, arp: 0 });
  setSubject(undefined);
  assert.deepEqual(buildTimeline([arp]), []);
});
