// The sandbox-state tabs' contents: traffic output, rules (the hit rule marked), conntrack
// (the packet's flow marked) and captures (the packet's frames marked).
import { el } from "./dom.js";
import { addr, fmtVal, packetSummary } from "./fmt.js";
import { statusGloss } from "./hop.js";
import { S, t } from "./strings.js";

const T = S.tabs;

export function renderOutput(pre, lines, command) {
  pre.textContent = (command ? `$ ${command}\n` : "") + lines.join("\n");
}

function ruleLines(text) {
  return String(text || "").replace(/\n+$/, "").split("\n");
}

// which line of a listing is the rule (or policy) of this event
export function hitLine(lines, ev) {
  if (!ev || !ev.chain) return -1;
  const chain = String(ev.chain);
  let start = -1;
  for (let i = 0; i < lines.length; i++) {
    const m = lines[i].match(/^(?:Chain|Bridge chain:)\s+([^\s,]+)/);
    if (m && m[1] === chain) { start = i; break; }
  }
  if (start < 0) return -1;
  if (ev.type === "policy") return start;
  if (ev.rule_pos == null) return -1;
  for (let i = start + 1; i < lines.length && !/^(Chain|Bridge chain:)/.test(lines[i]); i++) {
    const first = lines[i].trim().split(/\s+/)[0];
    if (first === String(ev.rule_pos) || first === `${ev.rule_pos}.`) return i;
  }
  return -1;
}

// the origin of each numbered rule line of a listing (RESULT chains), said once for a run of
// lines of the same origin: [origin text or null] per line
export function lineOrigins(lines, chains, fam, table) {
  let chain = null, last = null;
  return lines.map((ln) => {
    const m = ln.match(/^(?:Chain|Bridge chain:)\s+([^\s,]+)/);
    if (m) { chain = m[1]; last = null; return null; }
    const n = ln.trim().match(/^(\d+)\.?\s/);
    const rule = n && chain ? ((chains || {})[`${fam} ${table} ${chain}`] || []).find((r) => r.pos === +n[1]) : null;
    if (!rule || !rule.origin || rule.origin === last) return null;
    last = rule.origin;
    return rule.origin;
  });
}

export function renderRules(div, rules, ev, chains = null) {
  div.replaceChildren();
  if (!rules) { div.append(el("p", { class: "empty", text: T.rulesEmpty })); return null; }
  let hit = null;
  for (const [fam, tool] of [["ip", "iptables"], ["bridge", "ebtables"]]) {
    for (const [table, text] of Object.entries(rules[tool] || {})) {
      const lines = ruleLines(text);
      const origins = lineOrigins(lines, chains, fam, table);
      const h = ev && ev.family === fam && ev.table === table ? hitLine(lines, ev) : -1;
      const spans = lines.map((ln, i) => el("span", { class: "ln" + (i === h ? " hit" : ""), text: ln + "\n" }));
      const pre = el("pre", { class: "rules-text", "data-table": `${fam}:${table}` }, ...spans.flatMap((sp, i) => [
        origins[i] ? el("span", { class: "ln-origin", text: t(S.inspector.origin, { origin: origins[i] }) }) : null, sp]));
      const open = h >= 0 || (ev ? ev.family === fam && ev.table === table : table === "filter");
      div.append(el("details", { open }, el("summary", { text: `${tool} -t ${table}` }), pre));
      if (h >= 0) hit = spans[h];
    }
  }
  if (hit) hit.setAttribute("aria-current", "true");
  return hit;
}

// conntrack's words with their gloss as a tooltip (strings.js S.ct)
function glossCell(value) {
  const td = el("td");
  [].concat(value ?? []).forEach((w, i) => {
    if (i) td.append(",");
    const g = statusGloss(w);
    td.append(g ? el("abbr", { class: "gloss", title: g, text: String(w) }) : String(w));
  });
  return td;
}

export function renderConntrack(div, entries, flow, hidden) {
  div.replaceChildren();
  if (!entries || !entries.length) {
    div.append(el("p", { class: "empty", text: entries ? T.ctNone : T.ctEmpty }));
    return;
  }
  const protos = Object.keys(hidden || {});
  if (entries.some((c) => c.hidden)) {
    div.append(el("p", { class: "hint", text: t(T.ctHiddenNote, { protos: protos.join(", ") || "—",
      n: protos.reduce((n, p) => n + hidden[p], 0) }) }));
  }
  const dir = (d) => d ? `${addr(d.src, d.sport)} → ${addr(d.dst, d.dport)}` : "";
  div.append(el("table", { class: "grid" },
    el("thead", {}, el("tr", {}, ...T.ctHead.map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, ...entries.map((c) => el("tr", { class: flow != null && c.id === flow ? "sel" : "" },
      el("td", { text: fmtVal(c.id) }), el("td", { text: c.hidden ? t(T.ctHiddenProto, { proto: c.proto }) : fmtVal(c.proto) }), glossCell(c.state),
      el("td", { text: dir(c.orig) }), el("td", { text: dir(c.reply) }), glossCell(c.status),
      el("td", { text: c.nat || "—" }), el("td", { text: fmtVal(c.timeout) }))))));
}

export function renderCaptures(div, captures, journey) {
  div.replaceChildren();
  const ifaces = Object.keys(captures || {});
  if (!ifaces.length) {
    div.append(el("p", { class: "empty", text: captures ? T.capNone : T.capEmpty }));
    return;
  }
  for (const iface of ifaces) {
    const pkts = captures[iface] || [];
    div.append(el("details", { open: true }, el("summary", { text: t(T.capIface, { iface, n: pkts.length }) }),
      el("pre", { class: "capture" }, ...pkts.map((p) => el("span", {
        class: "ln" + (journey != null && p.journey === journey ? " hit" : ""),
        text: `${String(p.t_ms ?? "").padStart(7)} ms  ${p.summary || packetSummary(p)}\n`,
      })))));
  }
}
