// The inspector's pure part (static/js/hop.js) and the folding of log lines (focus.js).
import { test } from "node:test";
import assert from "node:assert/strict";
import { chainRows, ctGlosses, renamed, rewriteNote, rewriteSource, rewrites, statusGloss } from "../../static/js/hop.js";
import { buildTimeline, foldLogs } from "../../static/js/focus.js";

// ip filter FORWARD of container-to-container step 1, as the kernel reported it
const base = { journey: 3, family: "ip", table: "filter", base_chain: "FORWARD", iif: "docker0", oif: "docker0",
  physin: "veth-c1", physout: "veth-c2", src: "172.17.0.2", dst: "172.17.0.3", ttl: 64 };
const hop = (seq, chain, type, verdict, pos, extra = {}) => ({ ...base, seq, chain, type, verdict, rule_pos: pos, ...extra });
const visit = [
  hop(34, "FORWARD", "rule", "jump", 1), hop(35, "DOCKER-USER", "rule", "return", 1),
  hop(36, "FORWARD", "rule", "jump", 2), hop(37, "DOCKER-ISOLATION-STAGE-1", "rule", "return", 2),
  hop(38, "FORWARD", "rule", "jump", 4, { checked: [{ pos: 3, rule: "-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", why: "not established yet" }] }),
  hop(39, "DOCKER", "return", "return", null, { checked: [{ pos: 1, rule: "-A DOCKER -d 172.17.0.2 -j ACCEPT", why: null }] }),
  hop(40, "FORWARD", "rule", "accept", 6, { checked: [{ pos: 5, rule: "-A FORWARD rule 5", why: null }] }),
];
const rules = [1, 2, 3, 4, 5, 6, 7].map((pos) => ({ pos, rule: `-A FORWARD rule ${pos}`, origin: pos === 7 ? "a lesson" : "docker's daemon start" }));

test("the chain's rules: matched as reported, checked before the last reached, not reached after", () => {
  const rows = chainRows(rules, visit[6], visit);
  assert.deepEqual(rows.map((r) => [r.pos, r.mark]), [[1, "matched"], [2, "matched"], [3, "checked"], [4, "matched"],
    [5, "checked"], [6, "matched"], [7, "unreached"]]);
  assert.equal(rows[2].why, "not established yet");
  assert.equal(rows[4].why, null);
  assert.deepEqual(rows.filter((r) => r.current).map((r) => r.pos), [6]);
  // at the jump of rule 4 (later hops are not known yet)
  const at4 = chainRows(rules, visit[4], visit);
  assert.deepEqual(at4.map((r) => r.mark), ["matched", "matched", "checked", "matched", "unreached", "unreached", "unreached"]);
});

test("a policy decides after every rule was checked; an older run without a listing uses the event's checked", () => {
  const pol = { ...base, seq: 9, chain: "FORWARD", type: "policy", verdict: "drop", rule_pos: null,
    checked: [{ pos: 1, rule: "-A FORWARD -j DOCKER-USER", why: null }, { pos: 2, rule: "-A FORWARD rule 2", why: null }] };
  const rows = chainRows(rules.slice(0, 2), pol, [pol]);
  assert.deepEqual(rows.map((r) => r.mark), ["checked", "checked", "matched"]);
  assert.equal(rows[2].policy, "DROP");
  assert.deepEqual(chainRows(null, pol, [pol]).map((r) => [r.pos, r.mark]), [[1, "checked"], [2, "checked"], [undefined, "matched"]]);
  // the end of a user chain (the kernel's handle-less message)
  const end = chainRows([{ pos: 1, rule: "-A DOCKER -d 172.17.0.2 -j ACCEPT" }], visit[5], visit);
  assert.deepEqual(end.map((r) => r.mark), ["checked", "matched"]);
  assert.equal(end[1].end, true);
});

test("exact marks: rules before the trace rule ran untraced, rules after a base chain's RETURN were not reached", () => {
  const raw = { ...base, table: "raw", chain: "PREROUTING", base_chain: "PREROUTING" };
  const probe = { ...raw, seq: 1, type: "rule", verdict: "continue", rule_pos: 2, checked: [] };
  const ret = { ...raw, seq: 2, type: "rule", verdict: "return", rule_pos: 3, checked: [] };
  const pol = { ...raw, seq: 3, type: "policy", verdict: "accept", rule_pos: null, checked: [] };
  const listing = [1, 2, 3, 4].map((pos) => ({ pos, rule: `-A PREROUTING rule ${pos}` }));
  assert.deepEqual(chainRows(listing, pol, [probe, ret, pol]).map((r) => r.mark),
    ["untraced", "matched", "matched", "unreached", "matched"]);
});

test("Δ is a rewrite (NAT, TTL, MAC); another layer's name for the same device is not", () => {
  const bridgeHop = { family: "bridge", table: "filter", chain: "FORWARD", iif: "veth-c1", oif: "veth-c2",
    physin: null, physout: null, src: "172.17.0.2", dst: "172.17.0.3", ttl: 64 };
  assert.deepEqual(rewrites(bridgeHop, visit[0]), []);
  assert.deepEqual(renamed(bridgeHop, visit[0]).map((c) => [c.field, c.old, c.new, c.why]),
    [["iif", "veth-c1", "docker0", "layer"], ["oif", "veth-c2", "docker0", "layer"]]);
  const dnat = { ...visit[0], dst: "172.17.0.2", ttl: 63 };
  assert.deepEqual(rewrites({ ...visit[0], dst: "203.0.113.10" }, dnat).map((c) => c.field), ["dst", "ttl"]);
  // routing picked another interface on the same layer
  assert.deepEqual(renamed({ ...base, oif: "lo" }, base).map((c) => c.why), ["route"]);
  const nat = [{ field: "dst", old: "203.0.113.10", new: "172.17.0.2", at: "ip nat PREROUTING", by: "rule" },
    { field: "dst", old: "203.0.113.10", new: "172.17.0.2", at: "conntrack", by: "conntrack", reverse: true, hook: "ip PREROUTING" }];
  assert.equal(rewriteNote(rewriteSource(nat, { field: "dst", new: "172.17.0.2" })), "rewritten at ip nat PREROUTING");
  assert.match(rewriteNote(rewriteSource(nat.slice(1), { field: "dst", new: "172.17.0.2" })), /reverse mapping.*ip PREROUTING.*derived/);
  assert.equal(rewriteNote(null), "");
});

test("every conntrack word has a one-line gloss", () => {
  const g = ctGlosses({ ct_state: "established", ct_direction: "reply", ct_status: ["seen_reply", "assured", "confirmed", "src_nat_done", "dst_nat_done"] });
  assert.deepEqual(g.map((x) => x.word), ["established", "reply", "seen_reply", "assured", "confirmed", "src_nat_done", "dst_nat_done"]);
  for (const x of g) assert.ok(x.gloss.startsWith(`${x.word}:`) && !x.gloss.includes("\n"), x.gloss);
  for (const w of ["new", "related", "invalid", "untracked"]) assert.equal(ctGlosses({ ct_state: w }).length, 1, w);
  assert.match(statusGloss("DST_NAT_DONE"), /no DNAT has it too/);
  assert.match(statusGloss("UNREPLIED"), /reply/);
  assert.equal(statusGloss("whatever"), null);
});

test("an NFLOG line folds into the trace hop of the same packet and chain", () => {
  const evs = [
    { seq: 23, journey: 3, source: "nflog", type: "log", family: "bridge", table: "nat", chain: "PREROUTING", base_chain: "PREROUTING" },
    { seq: 24, journey: 3, source: "nftrace", type: "rule", probe: true, family: "bridge", table: "nat", chain: "PREROUTING", base_chain: "PREROUTING" },
    { seq: 25, journey: 3, source: "nftrace", type: "policy", family: "bridge", table: "nat", chain: "PREROUTING", base_chain: "PREROUTING" },
    { seq: 26, journey: 3, source: "nftrace", type: "policy", family: "ip", table: "raw", chain: "PREROUTING", base_chain: "PREROUTING" },
    { seq: 31, journey: 3, source: "nflog", type: "log", family: "bridge", table: "filter", chain: "FORWARD", base_chain: "FORWARD" },
  ];
  const folded = foldLogs(evs);
  assert.equal(folded.get(evs[0]), evs[2]);          // not the probe, not another table
  assert.equal(folded.has(evs[4]), false);           // no trace hop of its chain: it stays a line
  assert.deepEqual(buildTimeline(evs, { folded, showHidden: true }).map((e) => e.seq), [24, 25, 26, 31]);
  assert.deepEqual(buildTimeline(evs, { showHidden: true }).map((e) => e.seq), [23, 24, 25, 26, 31]);
});

test("conntrack's reverse mapping of a reply is drawn at the hook's nat box, said to run no nat chain", async () => {
  const { natMarks } = await import("../../static/js/focus.js");
  const { makeModel } = await import("../../static/js/model.js");
  const { natText } = await import("../../static/js/callouts.js");
  const { MODEL } = await import("./fixtures.mjs");
  const model = makeModel(MODEL);
  const reply = { id: 4, nat: [{ at: "conntrack", field: "dst", old: "203.0.113.10", new: "172.17.0.2", by: "conntrack",
    reverse: true, hook: "ip PREROUTING" }] };
  const raw = { journey: 4, family: "ip", table: "raw", chain: "PREROUTING", hook: "prerouting", type: "policy" };
  const bridgeIn = { journey: 4, family: "bridge", table: "nat", chain: "PREROUTING", hook: "prerouting", type: "policy" };
  assert.deepEqual(natMarks(reply, [bridgeIn], model), []);         // not at the ip hook yet
  const [m] = natMarks(reply, [bridgeIn, raw], model);
  assert.equal(m.box, "ip:nat:prerouting");
  assert.equal(m.kind, "REVERSE");
  assert.deepEqual(natText(m), ["conntrack un-NAT at ip PREROUTING (no nat chain runs)", "dst 203.0.113.10 → 172.17.0.2"]);
});

test("the rules pane says where each run of rules came from, once", async () => {
  const { lineOrigins } = await import("../../static/js/sandbox.js");
  const lines = ["Chain FORWARD (policy DROP 0 packets, 0 bytes)", "num   pkts bytes target", "1  0 0 DOCKER-USER  all",
    "2  0 0 DOCKER-ISOLATION-STAGE-1", "3  0 0 ACCEPT", "", "Chain DOCKER-USER (1 references)", "1  0 0 DROP"];
  const chains = { "ip filter FORWARD": [{ pos: 1, origin: "docker" }, { pos: 2, origin: "docker" }, { pos: 3, origin: "lesson step 2" }],
    "ip filter DOCKER-USER": [{ pos: 1, origin: "your rule" }] };
  assert.deepEqual(lineOrigins(lines, chains, "ip", "filter"), [null, null, "docker", null, "lesson step 2", null, null, "your rule"]);
  assert.deepEqual(lineOrigins(["Bridge chain: FORWARD, entries: 1, policy: ACCEPT", "1. -p ARP -j DROP"],
    { "bridge filter FORWARD": [{ pos: 1, origin: "the lesson" }] }, "bridge", "filter"), [null, "the lesson"]);
});
