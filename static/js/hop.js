// What the inspector says about one hop, worked out without the DOM (tests/js runs it):
// which header changes are rewrites (Δ) and which are only another layer's name for the
// same device, the chain's rules marked matched / checked / not reached, and the gloss of
// each conntrack word.
import { diff, fmtVal } from "./fmt.js";
import { say } from "./phrases.js";
import { S, t } from "./strings.js";

// fields a netfilter hook can really rewrite in the packet: NAT (addresses, ports, the ICMP
// id conntrack remaps), the TTL (routing), the MACs (a routed frame gets new ones)
export const REWRITE_FIELDS = ["src", "dst", "sport", "dport", "icmp_id", "ttl", "mac_src", "mac_dst"];
const IFACE_FIELDS = ["iif", "oif", "physin", "physout"];

// the rewrites between two hops of one packet: [{field, old, new}]
export function rewrites(prev, ev) {
  return diff(prev, ev, REWRITE_FIELDS);
}

// interface names that differ although the packet did not change: [{field, old, new, why}]
// why "layer": a bridge hook names the port, an ip hook the bridge device (the port of one
// is the other's physin/physout); "route": routing picked another interface
export function renamed(prev, ev) {
  if (!prev) return [];
  return diff(prev, ev, IFACE_FIELDS).map((c) => {
    const ports = [prev.physin, prev.physout, ev.physin, ev.physout].map(fmtVal);
    const layer = prev.family !== ev.family || ports.includes(c.old) || ports.includes(c.new);
    return { ...c, why: layer ? "layer" : "route" };
  });
}

// the journey's NAT entry behind a rewritten field, if any (journey.nat: {field, old, new,
// at, by, reverse, hook}), and the sentence that says where it was done
export function rewriteSource(nat, change) {
  return (nat || []).find((n) => n.field === change.field && String(n.new) === String(change.new)) || null;
}

export function rewriteNote(n) {
  if (!n) return "";
  const I = S.inspector;
  if (n.reverse) return t(I.rewrittenReverse, { hook: n.hook || n.at });
  if (n.by === "conntrack") return t(I.rewrittenConntrack, { hook: n.hook || n.at });
  return t(I.rewrittenAt, { at: n.at });
}

// The rules of the event's chain, each marked. rules: [{pos, rule, origin}] (RESULT chains,
// or null); visit: the packet's events in this table so far (the inspector's trail).
// Matched: a rule the kernel reported for this packet in this chain up to this hop.
// Checked: a rule before the last one reached that did not match (derived from the order,
// with the event's own `checked` reason when it gives one). Not reached: after this hop.
// -> [{pos, rule, origin, mark: "matched"|"checked"|"unreached", why, current, policy, end}]
export function chainRows(rules, ev, visit = [ev]) {
  const here = visit.filter((e) => e.chain === ev.chain && e.family === ev.family && e.table === ev.table
    && e.seq <= ev.seq && e.source !== "nflog" && e.type !== "log");
  const matched = new Set(here.filter((e) => e.rule_pos != null && e.type !== "policy").map((e) => e.rule_pos));
  const why = new Map();
  for (const e of here) for (const c of e.checked || []) if (c.why && !why.has(c.pos)) why.set(c.pos, say(c.why_msg, c.why));
  const whole = ev.type === "policy" || ev.rule_pos == null;   // the end of the chain was reached
  let list = rules;
  if (!list) {
    // no listing in the result (an older run): the event's own checked rules and its match
    const byPos = new Map();
    for (const e of here) {
      for (const c of e.checked || []) byPos.set(c.pos, { pos: c.pos, rule: c.rule, origin: null });
      if (e.rule_pos != null && e.type !== "policy") byPos.set(e.rule_pos, { pos: e.rule_pos, rule: e.rule, origin: e.origin });
    }
    list = [...byPos.values()].sort((a, b) => a.pos - b.pos);
  }
  // A run that carries `checked` says exactly which rules were checked (core/checked.py):
  // rules before the rule that turned tracing on ran untraced, rules after a base chain's
  // RETURN were never reached. Only an older run falls back to the order alone.
  const exact = here.some((e) => Array.isArray(e.checked));
  const claimed = new Set(here.flatMap((e) => (e.checked || []).map((c) => c.pos)));
  const first = Math.min(...matched, Infinity);
  const rows = list.map((r) => {
    let mark = "unreached";
    if (matched.has(r.pos)) mark = "matched";
    else if (exact) mark = claimed.has(r.pos) ? "checked" : r.pos < first ? "untraced" : "unreached";
    else if (whole || r.pos < ev.rule_pos) mark = "checked";
    return { pos: r.pos, rule: r.rule, origin: r.origin ? say(r.origin_msg, r.origin) : null, mark,
      why: mark === "checked" ? why.get(r.pos) || null : null, current: !whole && r.pos === ev.rule_pos };
  });
  if (ev.type === "policy") rows.push({ policy: fmtVal(ev.verdict).toUpperCase(), mark: "matched", current: true });
  else if (whole && ev.type === "return") rows.push({ end: true, mark: "matched", current: true });
  return rows;
}

// the gloss of each conntrack word of an event: [{kind, word, gloss}]
export function ctGlosses(ev) {
  const out = [];
  const add = (kind, word) => {
    const g = S.ct[kind][String(word).toLowerCase()];
    if (g && !out.some((x) => x.word === word && x.kind === kind)) out.push({ kind, word: String(word), gloss: g });
  };
  for (const w of String(ev.ct_state || "").split(/[,\s]+/).filter(Boolean)) add("state", w);
  if (ev.ct_direction) add("direction", ev.ct_direction);
  for (const w of [].concat(ev.ct_status || [])) add("status", w);
  return out;
}

// the gloss of one word of the conntrack pane's status column (or null)
export function statusGloss(word) {
  const w = String(word).toLowerCase().replace(/^\[|\]$/g, "");
  return S.ct.status[w] || S.ct.state[w] || null;
}
