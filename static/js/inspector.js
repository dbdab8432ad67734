// The inspector pane: the packet at this hop, its rule and verdict, the chains of this table,
// NAT, and every header field (changed ones marked, derived ones said so).
import { el } from "./dom.js";
import { FIELDS, chainLabel, diff, fmtVal, ruleLabel, verdictInfo } from "./fmt.js";
import { S, t } from "./strings.js";

const I = S.inspector;

function trailList(trail) {
  return el("ol", { class: "trail", "aria-label": I.trail }, ...trail.map((x) => {
    const tv = verdictInfo(x.ev);
    const inner = x.ev.base_chain && x.ev.chain !== x.ev.base_chain;
    return el("li", { class: `v-${tv.cls}${inner ? " inner" : ""}${x.current ? " current" : ""}${x.future ? " future" : ""}`
      + (x.ev.probe ? " probe" : "") },
    el("span", { class: "tchain", text: `${x.ev.chain}${x.ev.rule_pos != null ? " #" + x.ev.rule_pos : ""}${x.ev.type === "policy" ? " policy" : ""}` }),
    el("span", { class: "tverd", text: ` ${tv.icon} ${tv.label}` }));
  }));
}

function natBox(label, changes) {
  return el("div", { class: "nat-box" }, el("strong", { text: label }),
    ...changes.map((n) => el("span", { class: "natd", text: `${n.field} ${n.old} → ${n.new}` })));
}

// ctx: {nat: [{field, old, new}], journeyNat, trail: [{ev, current, future}], journeyLabel}
export function renderInspector(div, ev, prev, ctx = {}) {
  div.replaceChildren();
  if (!ev) { div.append(el("p", { class: "empty", text: I.empty })); return; }
  const v = verdictInfo(ev);
  const changed = new Map(diff(prev, ev).map((c) => [c.field, c]));
  const card = el("div", { class: `hop-card v-${v.cls}` },
    el("div", { class: "where" }, el("strong", { text: chainLabel(ev) }),
      ev.probe ? el("span", { class: "probe-tag", text: S.hop.probeTag }) : null),
    el("div", { class: "rule" }, el("code", { text: ruleLabel(ev) || S.hop.noRule })),
    el("div", { class: "verdict" }, el("span", { class: "vbadge", text: `${v.icon} ${v.label}` }),
      (ev.derived || []).includes("verdict")
        ? el("span", { class: "derived", title: I.derivedReturn, text: I.derived }) : null,
      ev.ct_state ? el("span", { class: "ctag", text: t(S.hop.ct, { state: ev.ct_state }) }) : null,
      el("span", { class: "jnote", text: ctx.journeyLabel || "" })));
  if (ctx.trail && ctx.trail.length > 1) card.append(trailList(ctx.trail));
  div.append(card);
  if (ctx.nat && ctx.nat.length) div.append(natBox(I.natNext, ctx.nat));
  if (ctx.journeyNat && ctx.journeyNat.length) div.append(natBox(I.natJourney, ctx.journeyNat));
  const tbody = el("tbody");
  const derived = new Set(ev.derived || []);
  for (const [k, label] of FIELDS) {
    const val = fmtVal(ev[k]);
    if (val === "") continue;
    const c = changed.get(k);
    const mark = derived.has(k) ? el("span", { class: "derived", title: I.derivedTitle, text: I.derived }) : null;
    tbody.append(el("tr", { class: (c ? "changed" : "") + (mark ? " derived-row" : "") },
      el("th", { scope: "row", text: label }),
      el("td", {}, c ? el("span", {}, el("span", { class: "old", text: c.old }), " → ",
        el("span", { class: "new", text: c.new }), el("span", { class: "delta", text: " Δ" })) : val, mark)));
  }
  div.append(el("table", { class: "headers" },
    el("caption", { text: (prev ? I.headersDiff : I.headersFirst) + I.headersNote }), tbody));
}
