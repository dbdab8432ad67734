// The experiment form's pure part: the form's values -> lab.experiment's fields, those
// fields -> the permalink's query (experiment_views.experiment_query's format, kept in
// step with it), a node pick (first click: from, second: to), which of a traffic item's
// fields its protocol takes (core/experiment.py's rules), and the field a server error names.
export const TRAFFIC_KEYS = ["from", "to", "proto", "port", "count", "size", "ttl"];
const NUMBERS = ["port", "count", "size", "ttl"];

const lines = (text) => String(text || "").split("\n").map((l) => l.trim()).filter(Boolean);
const num = (v) => (/^\d+$/.test(String(v)) ? Number(v) : v);
const blank = (v) => v == null || String(v).trim() === "";

// the fields a protocol's tool takes (core/experiment.py, core/traffic.py): icmp has no
// port; a TCP item opens one connection (count 1) and sends no payload; an HTTP item makes
// one plain GET (curl sets no TTL); ping, nc and the lab's UDP sender set a TTL
export function takes(proto) {
  const one = proto === "tcp" || proto === "http";
  return { port: proto !== "icmp", count: !one, size: !one, ttl: proto !== "http" };
}

// one traffic row's values (strings) -> a lab.experiment traffic item; a field the protocol
// does not take is left out, any other value passed on for the server to check and name
export function itemOf(row) {
  const proto = row.proto || "icmp";
  const ok = takes(proto);
  const item = { from: row.from, to: String(row.to || "").trim(), proto };
  for (const k of NUMBERS) {
    if (ok[k] && !blank(row[k])) item[k] = num(String(row[k]).trim());
  }
  return item;
}

// {base, docker, items: [row], rules, sysctls, listeners} (strings) -> the fields;
// the server checks every value and names the field, so nothing is refused here
export function fieldsOf(v) {
  const sysctls = lines(v.sysctls).map((raw) => {
    const [head, ...rest] = raw.split("=");
    const k = head.lastIndexOf(":");
    return { ns: k > 0 ? head.slice(0, k) : "host", name: head.slice(k + 1), value: rest.join("=") };
  });
  const listeners = lines(v.listeners).map((raw) => {
    const [ns, proto, port] = raw.split(":");
    return { ns, proto, port: num(port ?? "") };
  });
  const f = { base: String(v.base || "").trim(), rules: lines(v.rules), sysctls, listeners,
    traffic: (v.items || [v]).map(itemOf) };
  if (v.docker) f.docker = v.docker;
  return f;
}

// the fields -> the permalink's [key, value] pairs
export function permalinkPairs(f) {
  const q = f.base ? [["base", f.base]] : [];
  if (f.docker) q.push(["docker", f.docker]);
  for (const r of f.rules || []) q.push(["rule", r]);
  for (const s of f.sysctls || []) q.push(["sysctl", `${s.ns && s.ns !== "host" ? `${s.ns}:` : ""}${s.name}=${s.value}`]);
  for (const x of f.listeners || []) q.push(["listen", `${x.ns}:${x.proto}:${x.port}`]);
  for (const t of f.traffic || []) q.push(["traffic", TRAFFIC_KEYS.map((k) => (t[k] == null ? "" : String(t[k]))).join(",")]);
  return q;
}

// keep: [key, value] pairs of the page's own URL that are not the experiment's (present=1)
export function permalink(path, f, keep = []) {
  return `${path}?${new URLSearchParams([...permalinkPairs(f), ...keep]).toString()}`;
}

// a click on node `name` (at a pill that means `address`, else the node's first address):
// the first sets from; the next sets to when the node has an address and is not the
// source, else starts over with it as the source
export function pick(state, name, nodes, address = null) {
  const node = nodes.find((n) => n.name === name);
  if (!node) return state;
  const to = address || node.addresses[0];
  if (state.next === "to" && name !== state.from && to) {
    return { ...state, to, toNode: name, next: "from" };
  }
  return { from: name, next: "to" };
}

// the node an address belongs to (the destination's node, for its selected state)
export function nodeOf(address, nodes) {
  const n = nodes.find((x) => x.addresses.includes(address));
  return n ? n.name : null;
}

// a server error "traffic[1].port: must be from 1 to 65535, not 70000" -> {item: 1, key:
// "port"}; "rules: ..." -> {key: "rules"}; "sysctls[0].name: ..." -> {key: "sysctls"}
export function fieldOfError(message) {
  const m = /^(traffic|rules|sysctls|listeners|base|docker)(?:\[(\d+)\])?(?:\.(\w+))?:/.exec(String(message || ""));
  if (!m) return null;
  if (m[1] === "traffic" && m[2] != null) return { item: Number(m[2]), key: m[3] || "from" };
  return { key: m[1] };
}

// the permalink's traffic items as the form's rows (strings), at least one
export function rowsOf(traffic, firstNode = "") {
  const rows = (traffic || []).map((t) => Object.fromEntries(TRAFFIC_KEYS.map((k) => [k, t[k] == null ? "" : String(t[k])])));
  return rows.length ? rows : [{ from: firstNode, to: "", proto: "icmp", port: "", count: "1", size: "", ttl: "" }];
}
