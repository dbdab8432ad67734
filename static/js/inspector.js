// The inspector pane: first what happened at this hop in words (the engine's explanation),
// then the rule and where it came from, the chain's rules marked matched / checked / not
// reached, NAT, and every header field. Δ marks only a rewrite of the packet; another
// layer's name for the same device is said in words, not marked as a change.
import { el, tokens } from "./dom.js";
import { FIELDS, chainLabel, fmtVal, ruleLabel, verdictInfo } from "./fmt.js";
import { chainRows, ctGlosses, renamed, rewriteNote, rewriteSource, rewrites } from "./hop.js";
import { storyLines } from "./journeys.js";
import { say } from "./phrases.js";
import { S, t } from "./strings.js";

const I = S.inspector;
const CT_FIELDS = { ct_state: "state", ct_direction: "direction", ct_status: "status" };

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

// a word with its gloss as a tooltip (and for screen readers, in the accessible name)
function glossed(word, gloss) {
  return gloss ? el("abbr", { class: "gloss", title: gloss, text: word }) : el("span", { text: word });
}

function ctValue(kind, value) {
  const words = [].concat(value);
  const out = el("span", { class: "ctwords" });
  words.forEach((w, i) => {
    if (i) out.append(", ");
    out.append(glossed(String(w), S.ct[kind][String(w).toLowerCase()]));
  });
  return out;
}

// a sentence whose `quoted` parts are rule text: those in code
function withCode(text) {
  const out = el("span", { class: "crwhy" });
  String(text).split("`").forEach((part, i) => { if (part) out.append(i % 2 ? el("code", { text: part }) : part); });
  return out;
}

// the chain's rules, marked; rows from hop.chainRows
function chainList(ev, rows) {
  if (!rows.length) return null;
  const M = I.marks;
  let last = null;
  const items = rows.map((r) => {
    const origin = r.origin && r.origin !== last ? r.origin : null;
    if (r.origin) last = r.origin;
    const text = r.policy ? t(I.policyRow, { verdict: r.policy }) : r.end ? I.endRow : `#${r.pos} ${r.rule || ""}`;
    return el("li", { class: `cr ${r.mark}${r.current ? " current" : ""}`, "data-pos": r.pos ?? "" },
      el("span", { class: "crmark", text: M[r.mark] }),
      el("span", { class: "sr-only", text: I.markWords[r.mark] }),
      el("code", { class: "crrule" }, ...tokens(text)),
      r.why ? withCode(t(I.why, { why: r.why })) : null,
      origin ? el("span", { class: "origin", title: origin, text: t(I.origin, { origin }) }) : null);
  });
  return el("details", { class: "chain-rules", open: true },
    el("summary", { text: t(I.chainHead, { chain: `${ev.family} ${ev.table} ${ev.chain}` }) }),
    el("p", { class: "hint", text: I.chainNote }),
    el("ol", { class: "crlist" }, ...items));
}

// ctx: {nat: [{field, old, new}], journeyNat, trail: [{ev, current, future}], journeyLabel,
//       chainRules: [{pos, rule, origin}] | null, logs: [folded NFLOG events], journey}
export function renderInspector(div, ev, prev, ctx = {}) {
  div.replaceChildren();
  if (!ev) { div.append(el("p", { class: "empty", text: I.empty })); return; }
  const v = verdictInfo(ev);
  const ctGloss = ev.ct_state ? S.ct.state[String(ev.ct_state).toLowerCase()] : null;
  const card = el("div", { class: `hop-card v-${v.cls}` },
    el("div", { class: "where" }, el("strong", { text: chainLabel(ev) }),
      ev.probe ? el("span", { class: "probe-tag", text: S.hop.probeTag }) : null,
      el("span", { class: "jnote", text: ctx.journeyLabel || "" })),
    ev.explain ? el("p", { class: "hop-explain" }, ...tokens(say(ev.explain_msgs, ev.explain))) : null,
    el("div", { class: "rule" }, el("code", {}, ...tokens(ruleLabel(ev) || S.hop.noRule)),
      ev.origin ? el("span", { class: "origin", text: t(I.origin, { origin: say(ev.origin_msg, ev.origin) }) }) : null),
    el("div", { class: "verdict" }, el("span", { class: "vbadge", text: `${v.icon} ${v.label}` }),
      (ev.derived || []).includes("verdict")
        ? el("span", { class: "derived", title: I.derivedReturn, text: I.derived }) : null,
      ev.ct_state ? el("span", { class: "ctag", title: ctGloss || null, text: t(S.hop.ct, { state: ev.ct_state }) }) : null),
    ...(ctx.logs || []).map((l) => el("div", { class: "folded-log",
      text: t(I.logged, { prefix: l.prefix ? t(I.loggedPrefix, { prefix: l.prefix }) : "" }) })));
  if (ctx.trail && ctx.trail.length > 1) card.append(trailList(ctx.trail));
  div.append(card);
  const rows = chainRows(ctx.chainRules || null, ev, (ctx.trail || []).map((x) => x.ev).concat([ev]));
  const list = chainList(ev, rows);
  if (list && !ev.probe) div.append(list);
  if (ctx.nat && ctx.nat.length) div.append(natBox(I.natNext, ctx.nat));
  // a rewrite at the last hook no later dump shows: what the capture of the way out saw
  const seen = (ctx.journeyNat || []).filter((n) => n.source === "capture" && n.seen);
  const rest = (ctx.journeyNat || []).filter((n) => !seen.includes(n));
  if (seen.length) div.append(natBox(t(I.natSeen, { iface: seen[0].seen }), seen));
  if (rest.length) div.append(natBox(I.natJourney, rest));
  div.append(headerTable(ev, prev, ctx));
  const story = storyLines(ctx.journey);
  if (story.length) {
    div.append(el("details", { class: "hop-story" }, el("summary", { text: t(I.story, { id: ctx.journey.id }) }),
      el("ol", {}, ...story.map((line) => el("li", { text: line })))));
  }
  const glosses = ctGlosses(ev);
  if (glosses.length) {
    div.append(el("details", { class: "ct-glosses" }, el("summary", { text: I.ctWords }),
      el("ul", {}, ...glosses.map((g) => el("li", { text: g.gloss })))));
  }
}

function headerTable(ev, prev, ctx) {
  const changed = new Map(rewrites(prev, ev).map((c) => [c.field, c]));
  const names = new Map(renamed(prev, ev).map((c) => [c.field, c]));
  const nat = ctx.journey ? ctx.journey.nat : null;
  const tbody = el("tbody");
  const derived = new Set(ev.derived || []);
  for (const [k, label] of FIELDS) {
    const val = fmtVal(ev[k]);
    if (val === "") continue;
    const c = changed.get(k), n = names.get(k);
    const mark = derived.has(k) ? el("span", { class: "derived", title: I.derivedTitle, text: I.derived }) : null;
    let cell;
    if (c) {
      const note = rewriteNote(rewriteSource(nat, c));
      cell = el("td", {}, el("span", {}, el("span", { class: "old", text: c.old }), " → ",
        el("span", { class: "new", text: c.new }), el("span", { class: "delta", text: " Δ" })), mark,
      note ? el("span", { class: "rwnote", text: note }) : null);
    } else if (CT_FIELDS[k]) {
      cell = el("td", {}, ctValue(CT_FIELDS[k], ev[k]), mark);
    } else {
      cell = el("td", {}, ...tokens(val), mark, n ? el("span", { class: "rename", text: t(n.why === "layer" ? I.renamedLayer : I.renamedRoute,
        { old: n.old, dev: n.why === "layer" ? (ev.family === "bridge" ? n.old : n.new) : "" }) }) : null);
    }
    tbody.append(el("tr", { class: (c ? "changed" : "") + (mark ? " derived-row" : ""), "data-field": k },
      el("th", { scope: "row", text: label }), cell));
  }
  return el("table", { class: "headers" },
    el("caption", { text: (prev ? I.headersDiff : I.headersFirst) + I.headersNote }), tbody);
}
