// Formatting: verdicts, labels, diffs, the model from page_data, the message catalogue.
import { test } from "node:test";
import assert from "node:assert/strict";
import { boxDetail, chainLabel, diff, hopText, natDiff, packetSummary, ruleLabel, verdictInfo } from "../../static/js/fmt.js";
import { makeModel } from "../../static/js/model.js";
import { fillUrl, runUrls, progressText } from "../../static/js/pagedata.js";
import { t } from "../../static/js/strings.js";
import { MODEL } from "./fixtures.mjs";

test("verdicts have an icon and a word, never colour alone", () => {
  assert.deepEqual(verdictInfo({ verdict: "drop", type: "policy" }), { cls: "drop", icon: "✕", label: "policy drop" });
  assert.deepEqual(verdictInfo({ verdict: "jump", target: "DOCKER-USER" }), { cls: "jump", icon: "↳", label: "jump DOCKER-USER" });
  assert.equal(verdictInfo({ type: "log", source: "nflog" }).label, "logged");
  assert.equal(verdictInfo({ verdict: "accept" }).icon, "✓");
});

test("chain, rule and hop labels", () => {
  const ev = { family: "ip", table: "filter", chain: "DOCKER-USER", base_chain: "FORWARD", verdict: "drop",
    rule: "-A DOCKER-USER -p icmp -j DROP", rule_pos: 1, ct_state: "new" };
  assert.equal(chainLabel(ev), "ip filter FORWARD › DOCKER-USER");
  assert.equal(ruleLabel(ev), "#1 -A DOCKER-USER -p icmp -j DROP");
  assert.equal(hopText(ev), "ip filter FORWARD › DOCKER-USER: drop, #1 -A DOCKER-USER -p icmp -j DROP, ct new");
  assert.equal(boxDetail(ev), "› DOCKER-USER #1 -p icmp -j DROP");
  assert.equal(ruleLabel({ probe: true }), "sandbox probe (sets nftrace)");
  assert.equal(packetSummary({ proto: "icmp", src: "a", dst: "b", icmp_type: 8, icmp_seq: 1 }), "icmp a → b echo-request seq 1");
});

test("diffs and NAT diffs", () => {
  assert.deepEqual(diff({ dst: "1.1.1.1", ttl: 64 }, { dst: "2.2.2.2", ttl: 64 }), [{ field: "dst", old: "1.1.1.1", new: "2.2.2.2" }]);
  assert.deepEqual(natDiff({ src: "172.17.0.2", dst: "x" }, { src: "203.0.113.10", dst: "x" }),
    [{ field: "source", old: "172.17.0.2", new: "203.0.113.10" }]);
  assert.equal(boxDetail({}, [{ field: "destination", new: "172.17.0.2:80" }]), "dst→172.17.0.2:80");
});

test("the hook model comes from page_data, not from constants", () => {
  const m = makeModel(MODEL);
  assert.equal(m.hookOf({ chain: "FORWARD" }), "forward");
  assert.equal(m.hookOf({ chain: "BROUTING" }), "prerouting");
  assert.equal(m.hookOf({ hook: "input", chain: "whatever" }), "input");
  assert.equal(m.boxKey({ family: "ip", table: "nat", chain: "DOCKER", base_chain: "PREROUTING" }), "ip:nat:prerouting");
  assert.equal(m.tableLabel("ip:filter:forward"), "ip filter FORWARD");
  assert.equal(m.hookLabel("bridge:prerouting"), "bridge PREROUTING");
  assert.equal(m.boxOfPlace("ip nat POSTROUTING"), "ip:nat:postrouting");
  assert.equal(m.boxOfPlace("conntrack"), null);
  const other = makeModel({ ...MODEL, tables: [{ key: "ip:filter:custom", family: "ip", name: "filter", hook: "custom", chain: "CUSTOM" }], hooks: ["custom"] });
  assert.equal(other.hookOf({ chain: "CUSTOM" }), "custom");
});

test("URLs come from page_data's templates; the progress line", () => {
  const urls = { run_page: "/runs/{id}/", run_json: "/runs/{id}.json", run_text: "/runs/{id}.txt" };
  assert.deepEqual(runUrls(urls, "Ab3"), { id: "Ab3", page: "/runs/Ab3/", json: "/runs/Ab3.json", text: "/runs/Ab3.txt" });
  assert.equal(runUrls(urls, null), null);
  // the pcap-ng download, when page_data has its template
  assert.equal(runUrls({ ...urls, run_pcapng: "/runs/{id}.pcapng" }, "Ab3").pcapng, "/runs/Ab3.pcapng");
  // the workshop seat's templates (workshops/views.py seat()): values encoded, unknown names kept
  assert.equal(fillUrl("/lessons/{lesson}/?step={step}", { lesson: "a-b", step: 2 }), "/lessons/a-b/?step=2");
  assert.equal(fillUrl("/runs/{id}/?x={y}", { id: "a/b c" }), "/runs/a%2Fb%20c/?x={y}");
  assert.equal(progressText({ run: 2, total: 4, predicted: 2, predicted_right: 1, finished: false }),
    "2 of 4 steps run · 1 of 2 predictions right");
  assert.match(progressText({ run: 0 }), /Not started/);
  assert.equal(t("{a} and {b}", { a: 1 }), "1 and {b}");
});
