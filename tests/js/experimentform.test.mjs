import { test } from "node:test";
import assert from "node:assert/strict";
import { fieldOfError, fieldsOf, itemOf, nodeOf, permalink, pick, rowsOf, takes } from "../../static/js/experimentform.js";

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
  assert.deepEqual(s, { next: "from", from: "c1", to: "172.17.0.3", toNode: "c2" });
  assert.equal(pick({ next: "to", from: "c1" }, "x", nodes).from, "x");   // no address: a new source
  assert.equal(pick(s, "nope", nodes), s);
});

test("a pick on an interface takes the address it stands for; a third click starts over", () => {
  const nodes = [{ name: "host", addresses: ["172.17.0.1", "203.0.113.10"] }, { name: "c1", addresses: ["172.17.0.2"] }];
  let s = pick(pick({ next: "from" }, "c1", nodes), "host", nodes, "203.0.113.10");
  assert.deepEqual(s, { next: "from", from: "c1", to: "203.0.113.10", toNode: "host" });
  assert.deepEqual(pick(s, "host", nodes), { from: "host", next: "to" });
  assert.equal(pick({ next: "to", from: "c1" }, "c1", nodes).next, "to");      // itself: a new source
  assert.equal(nodeOf("203.0.113.10", nodes), "host");
  assert.equal(nodeOf("10.9.9.9", nodes), null);
});

test("several traffic items, each with the fields its protocol's tool takes, and docker", () => {
  const f = fieldsOf({ base: "", docker: "28", items: [
    { from: "c1", to: "172.17.0.3", proto: "icmp", port: "", count: "2", size: "100", ttl: "3" },
    { from: "c2", to: " 203.0.113.1 ", proto: "tcp", port: "80", count: "3", size: "9", ttl: "" },
    { from: "c2", to: "203.0.113.1", proto: "udp", port: "53", count: "1", size: "", ttl: "64" }] });
  assert.deepEqual(f.traffic, [
    { from: "c1", to: "172.17.0.3", proto: "icmp", count: 2, size: 100, ttl: 3 },
    { from: "c2", to: "203.0.113.1", proto: "tcp", port: 80 },
    { from: "c2", to: "203.0.113.1", proto: "udp", port: 53, count: 1, ttl: 64 }]);
  assert.equal(f.docker, "28");
  assert.equal(permalink("/experiment/", f, [["present", "1"]]),
    "/experiment/?docker=28&traffic=c1%2C172.17.0.3%2Cicmp%2C%2C2%2C100%2C3&traffic=c2%2C203.0.113.1%2Ctcp%2C80%2C%2C%2C" +
    "&traffic=c2%2C203.0.113.1%2Cudp%2C53%2C1%2C%2C64&present=1");
  assert.deepEqual(takes("tcp"), { port: true, count: false, size: false, ttl: true });
  assert.deepEqual(takes("icmp"), { port: false, count: true, size: true, ttl: true });
  assert.deepEqual(takes("http"), { port: true, count: false, size: false, ttl: false });   // one curl GET
  assert.deepEqual(itemOf({ from: "wan", to: "203.0.113.10", proto: "http", port: "8080", count: "2", ttl: "9" }),
    { from: "wan", to: "203.0.113.10", proto: "http", port: 8080 });
  assert.deepEqual(itemOf({ from: "c1", to: "x", proto: "udp", port: " 70000 ", size: "big" }),
    { from: "c1", to: "x", proto: "udp", port: 70000, size: "big" });
});

test("the permalink's items become the form's rows, and one empty row without any", () => {
  assert.deepEqual(rowsOf([{ from: "c2", to: "203.0.113.1", proto: "udp", port: 53, count: 1 }]),
    [{ from: "c2", to: "203.0.113.1", proto: "udp", port: "53", count: "1", size: "", ttl: "" }]);
  assert.deepEqual(rowsOf([], "c1"), [{ from: "c1", to: "", proto: "icmp", port: "", count: "1", size: "", ttl: "" }]);
});

test("the field a server error names", () => {
  assert.deepEqual(fieldOfError("traffic[1].port: must be from 1 to 65535, not 70000"), { item: 1, key: "port" });
  assert.deepEqual(fieldOfError("traffic[0]: must be an object"), { item: 0, key: "from" });
  assert.deepEqual(fieldOfError("traffic: too many items: 7, at most 6"), { key: "traffic" });
  assert.deepEqual(fieldOfError("sysctls[0].name: 'x' is not on the allowlist"), { key: "sysctls" });
  assert.equal(fieldOfError("the lab is busy"), null);
});
