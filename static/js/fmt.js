// Pure formatting of events: verdict icon and label, chain and rule labels, headers, diffs.
// No DOM here: tests/js runs these under node.
import { S, t } from "./strings.js";

// verdict -> {cls, icon, label}: shape and text, never colour alone
export function verdictInfo(ev) {
  const v = String(ev.verdict || "").toLowerCase();
  const V = S.verdict;
  const label = (word) => (ev.type === "policy" ? t(V.policy, { verdict: word }) : word);
  if (ev.type === "log" || (!v && ev.source === "nflog")) return { cls: "log", icon: "●", label: V.logged };
  switch (v) {
    case "accept": return { cls: "accept", icon: "✓", label: label(V.accept) };
    case "drop": return { cls: "drop", icon: "✕", label: label(V.drop) };
    case "reject": return { cls: "drop", icon: "✕", label: V.reject };
    case "continue": return { cls: "continue", icon: "→", label: V.continue };
    case "jump": case "goto":
      return { cls: "jump", icon: "↳", label: ev.target ? t(V.jumpTo, { verb: V[v], target: ev.target }) : V[v] };
    case "return": return { cls: "return", icon: "↩", label: V.return };
    case "queue": return { cls: "continue", icon: "⇢", label: V.queue };
    case "stolen": return { cls: "drop", icon: "⊘", label: V.stolen };
    case "": return { cls: "log", icon: "●", label: ev.type || V.seen };
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
  if (ev.type === "policy") return t(S.hop.policyOf, { chain: ev.chain || ev.base_chain });
  if (ev.probe) return S.hop.probe;
  const pos = ev.rule_pos != null ? `#${ev.rule_pos} ` : "";
  return ev.rule ? pos + ev.rule : (ev.prefix ? t(S.hop.logPrefix, { prefix: ev.prefix }) : pos.trim());
}

export function packetSummary(ev) {
  const p = ev.proto || "?";
  let s = `${p} ${addr(ev.src, ev.sport)} → ${addr(ev.dst, ev.dport)}`;
  if (p === "icmp" && ev.icmp_type != null) {
    s += ` ${S.icmp[ev.icmp_type] || t(S.icmp.other, { n: ev.icmp_type })}`;
    if (ev.icmp_seq != null) s += ` seq ${ev.icmp_seq}`;
  }
  if (p === "arp" && ev.mac_src) s = `arp ${ev.mac_src} → ${ev.mac_dst || "?"}`;
  return s;
}

// the header fields the inspector lists, in order, with their labels
export const FIELDS = Object.entries(S.fields);

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

// the short text inside a lit box: the NAT it did, else the user chain, rule number and rule
export function boxDetail(ev, nat = []) {
  if (nat.length) return nat.map((n) => `${n.field === "source" ? "src" : "dst"}→${n.new}`).join(" ");
  const inner = ev.chain && ev.base_chain && ev.chain !== ev.base_chain ? `› ${ev.chain} ` : "";
  if (ev.type === "policy") return `${inner}policy ${ev.verdict || ""}`;
  const rule = ev.rule ? ev.rule.replace(/^-A \S+ /, "") : "";
  return `${inner}${ev.rule_pos != null ? "#" + ev.rule_pos + " " : ""}${rule}`.trim();
}

// one line for the caption, the live region and the log: where, verdict, rule
export function hopText(ev) {
  const v = verdictInfo(ev);
  return `${chainLabel(ev)}: ${v.label}, ${ruleLabel(ev) || S.hop.noRule}` +
    (ev.ct_state ? `, ${t(S.hop.ct, { state: ev.ct_state })}` : "");
}

export function eventText(ev) {
  if (ev.text) return ev.text;
  return `${chainLabel(ev)} ${ev.type || ""} ${ruleLabel(ev)} (${verdictInfo(ev).label})`;
}

export function clip(s, n) {
  s = String(s || "");
  return n > 0 && s.length > n ? s.slice(0, Math.max(1, n - 1)) + "…" : s;
}
