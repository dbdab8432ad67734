// Pure helpers: event -> box key, verdict icons/labels, headers and diffs.

const HOOK_OF_CHAIN = {
  PREROUTING: "prerouting", INPUT: "input", FORWARD: "forward", OUTPUT: "output",
  POSTROUTING: "postrouting", BROUTING: "prerouting",
};

export function hookOf(ev) {
  if (ev.hook) return String(ev.hook).toLowerCase();
  for (const c of [ev.base_chain, ev.chain]) {
    if (c && HOOK_OF_CHAIN[String(c).toUpperCase()]) return HOOK_OF_CHAIN[String(c).toUpperCase()];
  }
  return null;
}

export function boxKey(ev) {
  return `${ev.family}:${ev.table}:${hookOf(ev)}`;
}

export function stageKey(ev) {
  return `${ev.family}:${hookOf(ev)}`;
}

// verdict -> {cls, icon, label}: shape and text, never colour alone
export function verdictInfo(ev) {
  const v = String(ev.verdict || "").toLowerCase();
  const policy = ev.type === "policy";
  const pre = policy ? "policy " : "";
  if (ev.type === "log" || (!v && ev.source === "nflog")) return { cls: "log", icon: "●", label: "logged" };
  switch (v) {
    case "accept": return { cls: "accept", icon: "✓", label: pre + "accept" };
    case "drop": return { cls: "drop", icon: "✕", label: pre + "drop" };
    case "reject": return { cls: "drop", icon: "✕", label: "reject" };
    case "continue": return { cls: "continue", icon: "→", label: "continue" };
    case "jump": return { cls: "jump", icon: "↳", label: "jump" + (ev.target ? " " + ev.target : "") };
    case "goto": return { cls: "jump", icon: "↳", label: "goto" + (ev.target ? " " + ev.target : "") };
    case "return": return { cls: "return", icon: "↩", label: "return" };
    case "queue": return { cls: "continue", icon: "⇢", label: "queue" };
    case "stolen": return { cls: "drop", icon: "⊘", label: "stolen" };
    case "": return { cls: "log", icon: "●", label: ev.type || "seen" };
    default: return { cls: "continue", icon: "•", label: v };
  }
}

export function isLog(ev) {
  return ev.type === "log" || ev.source === "nflog";
}

export function isDrop(ev) {
  return verdictInfo(ev).cls === "drop";
}

export function addr(ip, port) {
  if (ip == null) return "?";
  return port != null ? `${ip}:${port}` : String(ip);
}

export function chainLabel(ev) {
  const base = ev.base_chain || ev.chain;
  const inner = ev.chain && ev.base_chain && ev.chain !== ev.base_chain ? ` › ${ev.chain}` : "";
  return `${ev.family} ${ev.table} ${base || ""}${inner}`;
}

export function ruleLabel(ev) {
  if (ev.type === "policy") return `policy of ${ev.chain || ev.base_chain}`;
  if (ev.probe) return "sandbox probe (sets nftrace)";
  const pos = ev.rule_pos != null ? `#${ev.rule_pos} ` : "";
  return ev.rule ? pos + ev.rule : (ev.prefix ? `log prefix ${ev.prefix}` : pos.trim());
}

export function packetSummary(ev) {
  const p = ev.proto || "?";
  let s = `${p} ${addr(ev.src, ev.sport)} → ${addr(ev.dst, ev.dport)}`;
  if (p === "icmp" && ev.icmp_type != null) {
    const names = { 8: "echo-request", 0: "echo-reply", 3: "unreachable", 11: "time-exceeded" };
    s += ` ${names[ev.icmp_type] || "type " + ev.icmp_type}`;
    if (ev.icmp_seq != null) s += ` seq ${ev.icmp_seq}`;
  }
  if (p === "arp" && ev.mac_src) s = `arp ${ev.mac_src} → ${ev.mac_dst || "?"}`;
  return s;
}

export const FIELDS = [
  ["iif", "in interface"], ["oif", "out interface"], ["physin", "bridge port in"],
  ["physout", "bridge port out"], ["mac_src", "MAC source"], ["mac_dst", "MAC destination"],
  ["src", "IP source"], ["dst", "IP destination"], ["proto", "protocol"], ["sport", "source port"],
  ["dport", "destination port"], ["icmp_type", "ICMP type"], ["icmp_code", "ICMP code"],
  ["icmp_id", "ICMP id"], ["icmp_seq", "ICMP seq"], ["ip_id", "IP id"], ["ttl", "TTL"],
  ["tcp_flags", "TCP flags"], ["ct_state", "conntrack state"], ["ct_direction", "ct direction"],
  ["ct_status", "ct status"], ["ct_id", "ct id"],
];

export function fmtVal(v) {
  if (v == null) return "";
  if (Array.isArray(v)) return v.join(",");
  return String(v);
}

// fields that changed between two hops of one packet (both known, different)
export function diff(prev, ev, keys = FIELDS.map((f) => f[0])) {
  if (!prev) return [];
  const out = [];
  for (const k of keys) {
    const a = fmtVal(prev[k]), b = fmtVal(ev[k]);
    if (a !== "" && b !== "" && a !== b) out.push({ field: k, old: a, new: b });
  }
  return out;
}

// address:port changes (NAT) between two hops
export function natDiff(prev, next) {
  if (!prev || !next) return [];
  const out = [];
  for (const [ip, port, name] of [["src", "sport", "source"], ["dst", "dport", "destination"]]) {
    if (prev[ip] == null || next[ip] == null) continue;
    const a = addr(prev[ip], prev[port]), b = addr(next[ip], next[port]);
    if (a !== b) out.push({ field: name, old: a, new: b });
  }
  return out;
}

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c != null) e.append(c);
  return e;
}

export function eventText(ev) {
  if (ev.text) return ev.text;
  return `${chainLabel(ev)} ${ev.type || ""} ${ruleLabel(ev)} (${verdictInfo(ev).label})`;
}
