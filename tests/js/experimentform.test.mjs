import { test } from "node:test";
import assert from "node:assert/strict";
import { fieldsOf, permalink, pick } from "../../static/js/experimentform.js";

test("the form's values become lab.experiment's fields", () => {
  const f = fieldsOf({ base: " container-to-container:2 ", from: "c2", to: "203.0.113.1", proto: "udp",
    port: "53", count: "2", rules: "-A FORWARD -j ACCEPT\n\n", sysctls: "net.ipv4.ip_forward=1\nc1:net.ipv4.conf.eth0.route_localnet=1",
    listeners: "wan:udp:53" });
  assert.deepEqual(f, { base: "container-to-container:2", rules: ["-A FORWARD -j ACCEPT"],
    sysctls: [{ ns: "host", name: "net.ipv4.ip_forward", value: "1" },
      { ns: "c1", name: "net.ipv4.conf.eth0.route_localnet", value: "1" }],
    listeners: [{ ns: "wan", proto: "udp", port: 53 }],
    traffic: [{ from: "c2", to: "203.0.113.1", proto: "udp", port: 53, count: 2 }] });
  // icmp has no port; a bad value is passed on for the server to name
  assert.deepEqual(fieldsOf({ from: "c1", to: "x", proto: "icmp", port: "80", count: "0x" }).traffic,
    [{ from: "c1", to: "x", proto: "icmp", count: "0x" }]);
});

test("the permalink has experiment_views' format", () => {
  const f = fieldsOf({ from: "c2", to: "203.0.113.1", proto: "udp", port: "53", count: "1", rules: "-A X", sysctls: "c1:a.b=1" });
  assert.equal(permalink("/experiment/", f),
    "/experiment/?rule=-A+X&sysctl=c1%3Aa.b%3D1&traffic=c2%2C203.0.113.1%2Cudp%2C53%2C1%2C%2C");
});

test("a first click picks the source, a second the destination", () => {
  const nodes = [{ name: "c1", addresses: ["172.17.0.2"] }, { name: "c2", addresses: ["172.17.0.3"] }, { name: "x", addresses: [] }];
  let s = pick({ next: "from" }, "c1", nodes);
  assert.deepEqual(s, { next: "to", from: "c1" });
  s = pick(s, "c2", nodes);
  assert.deepEqual(s, { next: "from", from: "c1", to: "172.17.0.3" });
  assert.equal(pick({ next: "to", from: "c1" }, "x", nodes).from, "x");   // no address: a new source
  assert.equal(pick(s, "nope", nodes), s);
});
