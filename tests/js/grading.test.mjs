// Predictions and grades for display; the prediction and the rules the Run button sends.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildPrediction, exampleRules, gradeView, parseRules, partValue, predictionRows, predictionScore, progressAfter, toggleCapture, toggleHook } from "../../static/js/grading.js";
import { makeModel } from "../../static/js/model.js";
import { MODEL } from "./fixtures.mjs";

const model = makeModel(MODEL);

test("prediction grade rows: said and kernel in words, hints kept", () => {
  const pg = { right: 1, total: 3, parts: [
    { part: "through", said: false, kernel: true, right: false, hint: "it got through: every request was answered" },
    { part: "dies_at", said: "ip:filter:input", kernel: null, right: false, hint: "you said ip filter INPUT; nothing dropped it" },
    { part: "hooks", said: ["bridge:prerouting", "ip:prerouting"], kernel: ["bridge:prerouting", "ip:prerouting"], right: true, hint: "" },
  ] };
  const rows = predictionRows(pg, model);
  assert.deepEqual(rows.map((r) => [r.label, r.said, r.kernel, r.right]), [
    ["Gets through", "no", "yes", false],
    ["Where it dies", "ip filter INPUT", "nowhere: it was not dropped", false],
    ["Hooks of the first request", "bridge PREROUTING → ip PREROUTING", "bridge PREROUTING → ip PREROUTING", true],
  ]);
  assert.equal(rows[1].hint, "you said ip filter INPUT; nothing dropped it");
  assert.equal(predictionScore(pg), "1 of 3 right");
  assert.deepEqual(predictionRows(null, model), []);
});

test("the step's grade view", () => {
  assert.equal(gradeView({ passed: null, checks: [] }), null);
  const g = gradeView({ passed: false, checks: [{ expected: "the traffic gets through", observed: "no reply", ok: false }], note: "" });
  assert.equal(g.passed, false);
  assert.match(g.title, /did not show/);
  assert.deepEqual(g.rows, [{ ok: false, text: "✕ the traffic gets through", observed: " (kernel: no reply)" }]);
});

test("buildPrediction sends only offered parts; dies_at only when it does not get through", () => {
  const offered = ["through", "dies_at"];
  assert.deepEqual(buildPrediction({ through: true, dies_at: "ip:filter:forward" }, offered).prediction, { through: true });
  assert.deepEqual(buildPrediction({ through: false, dies_at: "ip:filter:forward" }, offered).prediction,
    { through: false, dies_at: "ip:filter:forward" });
  assert.equal(buildPrediction({}, offered).prediction, null);
  assert.equal(buildPrediction({ through: true, skip: true }, offered).prediction, null);
  assert.deepEqual(buildPrediction({ hooks: ["ip:output"], nat_addr: " 203.0.113.10 " }, ["hooks", "nat_addr"]).prediction,
    { hooks: ["ip:output"], nat_addr: "203.0.113.10" });
  assert.match(buildPrediction({ nat_addr: "300.1.1.1" }, ["nat_addr"]).error, /IPv4/);
  // the form the steps write a DNAT's target in
  assert.deepEqual(buildPrediction({ nat_addr: "172.17.0.2:80" }, ["nat_addr"]).prediction,
    { nat_addr: "172.17.0.2:80" });
  assert.match(buildPrediction({ nat_addr: "172.17.0.2:70000" }, ["nat_addr"]).error, /IPv4/);
  assert.match(buildPrediction({ nat_addr: "172.17.0.2:" }, ["nat_addr"]).error, /IPv4/);
  assert.deepEqual(buildPrediction({ nat_addr: "1.2.3.4" }, ["through"]).prediction, null);
});

test("choosing hooks: append, clicking the last again removes it", () => {
  let h = toggleHook([], "bridge:prerouting");
  h = toggleHook(h, "ip:prerouting");
  assert.deepEqual(h, ["bridge:prerouting", "ip:prerouting"]);
  assert.deepEqual(toggleHook(h, "ip:prerouting"), ["bridge:prerouting"]);
  assert.deepEqual(toggleHook(h, "bridge:prerouting"), [...h, "bridge:prerouting"]);
});

test("the rule box: one rule per line, limits, 'iptables' typed in front is dropped", () => {
  assert.deepEqual(parseRules("  -I FORWARD -j DROP \n\n iptables -t nat -L\n", 8, 300),
    { rules: ["-I FORWARD -j DROP", "-t nat -L"], error: null });
  assert.deepEqual(parseRules("", 8, 300), { rules: [], error: null });
  assert.match(parseRules("-A\n-B\n-C", 2, 300).error, /At most 2/);
  assert.match(parseRules("-A " + "x".repeat(40), 8, 20).error, /Rule 1 is longer than 20/);
});

test("examples in the text that are rules get a 'use this rule' button", () => {
  assert.deepEqual(exampleRules("-I DOCKER-USER -p icmp -j DROP\n"), ["-I DOCKER-USER -p icmp -j DROP"]);
  assert.deepEqual(exampleRules("-t nat -I POSTROUTING -j RETURN"), ["-t nat -I POSTROUTING -j RETURN"]);
  // step 3's ebtables rule is offered to the box as it is written
  assert.deepEqual(exampleRules("ebtables -A FORWARD -p ARP -j DROP"), ["ebtables -A FORWARD -p ARP -j DROP"]);
  assert.equal(exampleRules("ip link set docker0 up"), null);
  assert.equal(exampleRules("sysctl -w net.ipv4.ip_forward=1"), null);
  assert.equal(exampleRules(""), null);
});

test("progress after a run, as the server records it", () => {
  const p0 = { steps: {}, run: 0, total: 3, predicted: 0, predicted_right: 0, finished: false };
  const p1 = progressAfter(p0, 2, { grade: { passed: true }, prediction_grade: { right: 2, total: 2 } });
  assert.deepEqual([p1.run, p1.predicted, p1.predicted_right, p1.steps[2].runs, p1.steps[2].passed], [1, 1, 1, 1, true]);
  const p2 = progressAfter(p1, 2, { grade: { passed: false }, prediction_grade: { right: 0, total: 1 } });
  assert.deepEqual([p2.run, p2.predicted, p2.predicted_right, p2.steps[2].runs, p2.steps[2].passed], [1, 2, 1, 2, true]);
  assert.equal(p0.run, 0, "the old progress is not changed");
});

test("a captures prediction: every offered interface, ticked kinds in order", () => {
  const kinds = ["arp", "request", "reply"], ifaces = ["veth-c1", "docker0", "veth-c2"];
  let c = toggleCapture(undefined, ifaces, "veth-c2", "reply", true, kinds);
  c = toggleCapture(c, ifaces, "veth-c2", "arp", true, kinds);
  assert.deepEqual(c, { "veth-c1": [], docker0: [], "veth-c2": ["arp", "reply"] });
  c = toggleCapture(c, ifaces, "veth-c2", "reply", false, kinds);
  assert.deepEqual(buildPrediction({ captures: c }, ["captures"]).prediction,
    { captures: { "veth-c1": [], docker0: [], "veth-c2": ["arp"] } });
  assert.equal(buildPrediction({ captures: c }, ["through"]).prediction, null);
  assert.equal(partValue("captures", { docker0: ["arp", "request"], "veth-c2": [] }),
    "docker0: ARP, requests; veth-c2: nothing");
});
