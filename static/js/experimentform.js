// The experiment form's pure part: the form's values -> lab.experiment's fields, those
// fields -> the permalink's query (experiment_views.experiment_query's format, kept in
// step with it), and a node pick on the topology (first click: from, second: to).
export const TRAFFIC_KEYS = ["from", "to", "proto", "port", "count", "size", "ttl"];

const lines = (text) => String(text || "").split("\n").map((l) => l.trim()).filter(Boolean);
const num = (v) => (/^\d+$/.test(String(v)) ? Number(v) : v);

// {base, from, to, proto, port, count, rules, sysctls, listeners} (strings) -> the fields;
// the server checks every value and names the field, so nothing is refused here
export function fieldsOf(v) {
  const item = { from: v.from, to: String(v.to || "").trim(), proto: v.proto || "icmp" };
  if (item.proto !== "icmp" && String(v.port || "") !== "") item.port = num(v.port);
  if (String(v.count || "") !== "") item.count = num(v.count);
  const sysctls = lines(v.sysctls).map((raw) => {
    const [head, ...rest] = raw.split("=");
    const k = head.lastIndexOf(":");
    return { ns: k > 0 ? head.slice(0, k) : "host", name: head.slice(k + 1), value: rest.join("=") };
  });
  const listeners = lines(v.listeners).map((raw) => {
    const [ns, proto, port] = raw.split(":");
    return { ns, proto, port: num(port ?? "") };
  });
  return { base: String(v.base || "").trim(), rules: lines(v.rules), sysctls, listeners, traffic: [item] };
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

export function permalink(path, f) {
  return `${path}?${new URLSearchParams(permalinkPairs(f)).toString()}`;
}

// a click on node `name`: the first sets from; the next sets to (the node's first address)
// when it has one and is not the source, else starts over with it as the source
export function pick(state, name, nodes) {
  const node = nodes.find((n) => n.name === name);
  if (!node) return state;
  if (state.next === "to" && name !== state.from && node.addresses.length) {
    return { ...state, to: node.addresses[0], next: "from" };
  }
  return { ...state, from: name, next: "to" };
}
