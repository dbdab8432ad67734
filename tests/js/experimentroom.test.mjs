// An experiment sent to a workshop's room (static/js/experimentroom.js): the learner's page
// opens the experiment page with the room's experiment and code, and the board reads a
// pasted permalink back as experiment_views.experiment_fields does, and shows what it sends.
import { test } from "node:test";
import assert from "node:assert/strict";
import { describe, experimentOf, roomExperimentUrl } from "../../static/js/experimentroom.js";
import { EN } from "../../static/js/strings.js";

// as core/experiment.py's Experiment.as_dict writes a checked one (workshop.goto carries it)
const CHECKED = { base: "container-to-container:2", rules: ["-I FORWARD -p udp -j DROP"],
  sysctls: [{ ns: "host", name: "net.ipv4.ip_forward", value: "1" }, { ns: "c1", name: "net.ipv4.conf.eth0.rp_filter", value: "2" }],
  listeners: [{ ns: "wan", proto: "udp", port: 53 }],
  traffic: [{ from: "c2", to: "203.0.113.1", proto: "udp", port: 53, count: 3, size: 0, ttl: 0 },
    { from: "c1", to: "172.17.0.3", proto: "icmp", port: 0, count: 1, size: 100, ttl: 2 }],
  docker: "28" };

test("the room's experiment opens the experiment page, filled in, for the room", () => {
  const url = roomExperimentUrl("/experiment/", CHECKED, "K7QM2X");
  assert.ok(url.startsWith("/experiment/?base=container-to-container%3A2&docker=28&rule="), url);
  const q = new URLSearchParams(url.split("?")[1]);
  assert.equal(q.get("room"), "K7QM2X");
  assert.deepEqual(q.getAll("traffic"), ["c2,203.0.113.1,udp,53,3,0,0", "c1,172.17.0.3,icmp,0,1,100,2"]);
  assert.deepEqual(q.getAll("sysctl"), ["net.ipv4.ip_forward=1", "c1:net.ipv4.conf.eth0.rp_filter=2"]);
  assert.deepEqual(q.getAll("listen"), ["wan:udp:53"]);
  assert.ok(!roomExperimentUrl("/experiment/", { base: "", traffic: [] }, "").includes("room="));
});

test("a pasted permalink (the page's address or its query) reads back as the fields", () => {
  const url = roomExperimentUrl("/experiment/", CHECKED, "K7QM2X");
  const f = experimentOf(`  http://lab.example:8000${url}#result `);
  assert.deepEqual(f, { ...CHECKED, traffic: CHECKED.traffic.map((x) => ({ ...x })) });
  assert.deepEqual(experimentOf(url.split("?")[1]), f);
  // the plain bridge; an empty field is absent; a bad value is passed on for the server to name
  assert.deepEqual(experimentOf("traffic=c2,203.0.113.1,tcp,70000,,,"), { base: "", rules: [], sysctls: [],
    listeners: [], traffic: [{ from: "c2", to: "203.0.113.1", proto: "tcp", port: 70000 }] });
  assert.deepEqual(experimentOf("traffic=c2,x,udp,5x").traffic, [{ from: "c2", to: "x", proto: "udp", port: "5x" }]);
  for (const none of ["", "   ", "https://example.org/", "/lessons/x/?step=2", "room=K7QM2X"]) assert.equal(experimentOf(none), null, none);
});

test("the board says where it starts, its traffic and what else it sets", () => {
  assert.deepEqual(describe(CHECKED, EN.room), ["Starts from container-to-container step 2", "Docker rules: 28",
    "Traffic: c2 → 203.0.113.1 (udp port 53, count 3)", "Traffic: c1 → 172.17.0.3 (icmp, count 1)",
    "Rules: 1 · sysctls: 2 · listeners: 1"]);
  assert.deepEqual(describe({ base: "", traffic: [{ from: "c2", to: "10.0.0.1" }] }, EN.room),
    ["Starts from the plain docker bridge", "Traffic: c2 → 10.0.0.1 (icmp, count default)"]);
  assert.equal(describe({ base: "arp-cache", traffic: [] }, EN.room)[0], "Starts from the end of arp-cache");
});
