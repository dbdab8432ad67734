// The panes around the diagram: journeys, log, inspector, rules, conntrack, captures.
import {
  FIELDS, addr, chainLabel, diff, el, eventText, fmtVal, natDiff, packetSummary, ruleLabel,
  verdictInfo,
} from "./fmt.js";

const OUTCOME = {
  delivered: ["✓", "delivered"], dropped: ["✕", "dropped"], local: ["⌂", "to the host"],
  sent: ["→", "sent"], lost: ["✕", "never sent"], stopped: ["·", "stopped"],
  unknown: ["?", "unknown"],
};

export function journeysFromEvents(events) {
  const m = new Map();
  for (const ev of events) {
    if (ev.journey == null) continue;
    if (!m.has(ev.journey)) {
      m.set(ev.journey, { id: ev.journey, direction: ev.ct_direction === "reply" ? "reply" : "request",
        proto: ev.proto, summary: packetSummary(ev), outcome: null, provisional: true,
        first_seq: ev.seq });
    }
  }
  return [...m.values()];
}

export function renderJourneys(ul, journeys, events, selected, onSelect) {
  ul.replaceChildren();
  const all = el("button", { type: "button", class: "jbtn jall" + (selected == null ? " sel" : ""),
    "aria-pressed": String(selected == null), onclick: () => onSelect(null) },
  el("span", { class: "jid", text: "all" }), el("span", { class: "jsum", text: `every packet (${events.length} events)` }));
  ul.append(el("li", {}, all));
  for (const j of journeys) {
    const n = events.filter((e) => e.journey === j.id).length;
    const [icon, label] = OUTCOME[j.outcome] || ["…", j.provisional ? "in flight" : (j.outcome || "")];
    const b = el("button", { type: "button", class: `jbtn out-${j.outcome || "pending"}` + (selected === j.id ? " sel" : ""),
      "aria-pressed": String(selected === j.id), "data-journey": j.id, onclick: () => onSelect(j.id) },
    el("span", { class: "jid", text: `#${j.id}` }),
    el("span", { class: `jdir ${j.direction}`, text: j.direction || "" }),
    el("span", { class: "jmeta", text: `first event ${j.first_seq ?? "?"} · ${n} events` }),
    el("span", { class: `jout out-${j.outcome || "pending"}`, title: j.outcome_detail || "",
      text: `${icon} ${label}` + (j.outcome === "dropped" && j.drop_at ? ` in ${j.drop_at}` : "") }),
    el("span", { class: "jsum", text: j.summary || "" }));
    ul.append(el("li", {}, b));
  }
}

export function logLine(ev, i, onClick) {
  const v = verdictInfo(ev);
  return el("li", { class: `ev v-${v.cls}` + (ev.probe ? " probe" : ""), "data-i": i, "data-seq": ev.seq,
    onclick: () => onClick(i) },
  el("span", { class: "vi", "aria-label": v.label, text: v.icon }),
  el("span", { class: "txt", text: eventText(ev) }),
  ev.probe ? el("span", { class: "probe-tag", text: "probe" }) : null,
  ev.ct_state ? el("span", { class: "ctag", text: ev.ct_state }) : null);
}

export function renderLog(ol, timeline, onClick) {
  ol.replaceChildren(...timeline.map((ev, i) => logLine(ev, i, onClick)));
}

export function markLog(ol, i) {
  for (const li of ol.querySelectorAll(".current")) li.classList.remove("current");
  const li = ol.querySelector(`li[data-i="${i}"]`);
  if (li) {
    li.classList.add("current");
    const top = li.offsetTop, bottom = top + li.offsetHeight;
    if (top < ol.scrollTop) ol.scrollTop = top - 4;
    else if (bottom > ol.scrollTop + ol.clientHeight) ol.scrollTop = bottom - ol.clientHeight + 4;
  }
}

export function renderInspector(div, ev, prev, ctx) {
  div.replaceChildren();
  if (!ev) { div.append(el("p", { class: "empty", text: "Select a hop." })); return; }
  const v = verdictInfo(ev);
  const changes = diff(prev, ev);
  const changed = new Map(changes.map((c) => [c.field, c]));
  div.append(el("div", { class: `hop-card v-${v.cls}` },
    el("div", { class: "where" }, el("strong", { text: chainLabel(ev) }),
      ev.probe ? el("span", { class: "probe-tag", text: "probe" }) : null),
    el("div", { class: "rule" }, el("code", { text: ruleLabel(ev) || "(no rule)" })),
    el("div", { class: "verdict" }, el("span", { class: "vbadge", text: `${v.icon} ${v.label}` }),
      ev.ct_state ? el("span", { class: "ctag", text: `ct ${ev.ct_state}` }) : null,
      el("span", { class: "jnote", text: ctx.journeyLabel || "" }))));
  if (ctx.trail && ctx.trail.length > 1) {
    div.querySelector(".hop-card").append(el("ol", { class: "trail", "aria-label": "steps in this table, user chains indented" },
      ...ctx.trail.map((t) => {
        const tv = verdictInfo(t.ev);
        const inner = t.ev.base_chain && t.ev.chain !== t.ev.base_chain;
        return el("li", { class: `v-${tv.cls}${inner ? " inner" : ""}${t.current ? " current" : ""}${t.future ? " future" : ""}`
          + (t.ev.probe ? " probe" : "") },
        el("span", { class: "tchain", text: `${t.ev.chain}${t.ev.rule_pos != null ? " #" + t.ev.rule_pos : ""}${t.ev.type === "policy" ? " policy" : ""}` }),
        el("span", { class: "tverd", text: ` ${tv.icon} ${tv.label}` }));
      })));
  }
  if (ctx.nat && ctx.nat.length) {
    div.append(el("div", { class: "nat-box" }, el("strong", { text: "NAT: the next hop sees " }),
      ...ctx.nat.map((n) => el("span", { class: "natd", text: `${n.field} ${n.old} → ${n.new}` }))));
  }
  if (ctx.journeyNat && ctx.journeyNat.length) {
    div.append(el("div", { class: "nat-box" }, el("strong", { text: "NAT in this table (journey): " }),
      ...ctx.journeyNat.map((n) => el("span", { class: "natd", text: `${n.field} ${n.old} → ${n.new}` }))));
  }
  const tbody = el("tbody");
  const derived = new Set(ev.derived || []);
  for (const [k, label] of FIELDS) {
    const val = fmtVal(ev[k]);
    if (val === "") continue;
    const c = changed.get(k);
    const mark = derived.has(k) ? el("span", { class: "derived", title: "worked out by the visualizer, not in the kernel's message at this chain", text: " (derived)" }) : null;
    tbody.append(el("tr", { class: (c ? "changed" : "") + (mark ? " derived-row" : "") },
      el("th", { scope: "row", text: label }),
      el("td", {}, c ? el("span", {}, el("span", { class: "old", text: c.old }), " → ",
        el("span", { class: "new", text: c.new }), el("span", { class: "delta", text: " Δ" })) : val, mark)));
  }
  div.append(el("table", { class: "headers" },
    el("caption", { text: (prev ? "headers (Δ = changed since the previous hop)" : "headers (first hop)")
      + "; every value is the kernel's at this chain unless marked derived" }),
    tbody));
}

export function renderResult(div, res, urls, recorded) {
  div.hidden = false;
  const ok = !!res.ok;
  const head = el("div", { class: `summary ${ok ? "ok" : "bad"}` },
    el("strong", { text: ok ? "✓ replies received" : "✕ no reply" }),
    ` ${res.transmitted ?? 0} transmitted, ${res.received ?? 0} received`);
  const links = urls ? el("p", { class: "permalink" }, recorded ? "recorded run: " : "saved as ",
    el("a", { href: urls.page, text: "recorded run" }), " · ",
    el("a", { href: urls.json, text: "JSON" }), " · ", el("a", { href: urls.text, text: "text" })) : null;
  div.replaceChildren(head, res.command ? el("code", { class: "cmd", text: `$ ${res.command}` }) : null,
    renderGrade(res.grade), links);
}

// What the step expected, checked by the product's grader against the kernel's events.
export function renderGrade(grade) {
  if (!grade || grade.passed == null) return null;
  return el("details", { class: `grade ${grade.passed ? "ok" : "bad"}`, open: !grade.passed },
    el("summary", { text: grade.passed ? "✓ the kernel showed what this step expects"
      : "✕ the kernel did not show what this step expects" }),
    el("ul", {}, ...grade.checks.map((c) => el("li", { class: c.ok ? "ok" : "bad" },
      el("span", { text: `${c.ok ? "✓" : "✕"} ${c.expected}` }),
      el("span", { class: "observed", text: ` (kernel: ${c.observed})` })))),
    grade.note ? el("p", { class: "note", text: grade.note }) : null);
}

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

export function renderRules(div, rules, ev) {
  div.replaceChildren();
  if (!rules) { div.append(el("p", { class: "empty", text: "Rules appear after a run." })); return; }
  let hit = null;
  for (const [fam, tool] of [["ip", "iptables"], ["bridge", "ebtables"]]) {
    for (const [table, text] of Object.entries(rules[tool] || {})) {
      const lines = ruleLines(text);
      const h = ev && ev.family === fam && ev.table === table ? hitLine(lines, ev) : -1;
      const pre = el("pre", { class: "rules-text", "data-table": `${fam}:${table}` },
        ...lines.map((ln, i) => el("span", { class: "ln" + (i === h ? " hit" : ""), text: ln + "\n" })));
      const open = h >= 0 || (ev ? ev.family === fam && ev.table === table : table === "filter");
      const det = el("details", { open }, el("summary", { text: `${tool} -t ${table}` }), pre);
      div.append(det);
      if (h >= 0) hit = pre.children[h];
    }
  }
  if (hit) hit.setAttribute("aria-current", "true");
  return hit;
}

export function renderConntrack(div, entries, flow) {
  div.replaceChildren();
  if (!entries || !entries.length) {
    div.append(el("p", { class: "empty", text: entries ? "The conntrack table is empty." : "Conntrack appears after a run." }));
    return;
  }
  const t = (d) => d ? `${addr(d.src, d.sport)} → ${addr(d.dst, d.dport)}` : "";
  div.append(el("table", { class: "grid" },
    el("thead", {}, el("tr", {}, ...["id", "proto", "state", "original", "reply", "status", "NAT", "timeout"]
      .map((h) => el("th", { text: h })))),
    el("tbody", {}, ...entries.map((c) => el("tr", { class: flow != null && c.id === flow ? "sel" : "" },
      el("td", { text: fmtVal(c.id) }), el("td", { text: fmtVal(c.proto) }), el("td", { text: fmtVal(c.state) }),
      el("td", { text: t(c.orig) }), el("td", { text: t(c.reply) }), el("td", { text: fmtVal(c.status) }),
      el("td", { text: c.nat || "—" }), el("td", { text: fmtVal(c.timeout) }))))));
}

export function renderCaptures(div, captures, journey) {
  div.replaceChildren();
  const ifaces = Object.keys(captures || {});
  if (!ifaces.length) {
    div.append(el("p", { class: "empty", text: captures ? "Nothing was captured." : "Captures appear after a run." }));
    return;
  }
  for (const iface of ifaces) {
    const pkts = captures[iface] || [];
    div.append(el("details", { open: true }, el("summary", { text: `${iface} (${pkts.length} packets)` }),
      el("pre", { class: "capture" }, ...pkts.map((p) => el("span", {
        class: "ln" + (journey != null && p.journey === journey ? " hit" : ""),
        text: `${String(p.t_ms ?? "").padStart(7)} ms  ${p.summary || packetSummary(p)}\n`,
      })))));
  }
}
