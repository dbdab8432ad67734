// Predictions and grades for display (pure): what the learner said, what the kernel showed.
import { S, t } from "./strings.js";
import { say } from "./phrases.js";

const P = S.predict;

// A prediction part's value in words: through -> yes/no, a box key -> its label, ...
export function partValue(part, value, model) {
  if (part === "through") return value == null ? P.none : value ? P.yes : P.no;
  if (part === "dies_at") return value ? model.tableLabel(value) : P.nowhere;
  if (part === "hooks") return value && value.length ? value.map((h) => model.hookLabel(h)).join(" → ") : P.none;
  if (part === "nat_addr") return value || P.noRewrite;
  if (part === "captures") return captureWords(value);
  return value == null ? P.none : String(value);
}

// {iface: [kind...]} -> "veth-c1: ARP, requests; docker0: nothing"
export function captureWords(value) {
  if (!value) return P.none;
  return Object.entries(value).map(([iface, kinds]) =>
    `${iface}: ${kinds.length ? kinds.map((k) => P.kind[k] || k).join(", ") : P.nothing}`).join("; ");
}

// prediction_grade -> [{part, label, said, kernel, right, hint}]
export function predictionRows(pg, model) {
  if (!pg || !pg.parts) return [];
  return pg.parts.map((p) => ({
    part: p.part, label: P[p.part] || p.part, right: !!p.right, hint: say(p.hint_msg, p.hint || ""),
    said: partValue(p.part, p.said, model), kernel: partValue(p.part, p.kernel, model),
  }));
}

export function predictionScore(pg) {
  if (!pg || !pg.total) return "";
  return t(P.right, { right: pg.right, total: pg.total });
}

// the step's grade -> {passed, title, rows: [{ok, text, observed}], note} or null (nothing expected)
export function gradeView(grade) {
  if (!grade || grade.passed == null) return null;
  return {
    passed: !!grade.passed,
    title: grade.passed ? S.grade.passed : S.grade.failed,
    rows: (grade.checks || []).map((c) => ({
      ok: !!c.ok, text: `${c.ok ? "✓" : "✕"} ${say(c.expected_msg, c.expected)}`,
      observed: t(S.grade.kernel, { observed: say(c.observed_msg, c.observed) }),
    })),
    note: say(grade.note_msg, grade.note || ""),
  };
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}(:([1-9]\d{0,4}))?$/;

// The predict panel's draft -> the "prediction" of lab.run (null: nothing predicted, or skipped).
// Only offered parts go out; dies_at only when the learner said it does not get through.
export function buildPrediction(draft, offered) {
  if (!draft || draft.skip) return { prediction: null, error: null };
  const want = new Set(offered || []);
  const out = {};
  if (want.has("through") && typeof draft.through === "boolean") out.through = draft.through;
  if (want.has("dies_at") && draft.through === false && draft.dies_at) out.dies_at = draft.dies_at;
  if (want.has("hooks") && draft.hooks && draft.hooks.length) out.hooks = draft.hooks.slice();
  if (want.has("nat_addr") && draft.nat_addr && String(draft.nat_addr).trim()) {
    const a = String(draft.nat_addr).trim();
    const m = IPV4.exec(a);   // an address, or address:port as the lessons write a DNAT's target
    if (!m || (m[5] && Number(m[5]) > 65535)) return { prediction: null, error: P.badAddr };
    out.nat_addr = a;
  }
  if (want.has("captures") && draft.captures && Object.keys(draft.captures).length) {
    out.captures = Object.fromEntries(Object.entries(draft.captures).map(([i, k]) => [i, k.slice()]));
  }
  return { prediction: Object.keys(out).length ? out : null, error: null };
}

// Ticking one kind on one capture: the whole map, every offered interface in it (unticked: [])
export function toggleCapture(captures, ifaces, iface, kind, on, kinds) {
  const out = {};
  for (const i of ifaces) {
    const had = new Set((captures && captures[i]) || []);
    if (i === iface) { if (on) had.add(kind); else had.delete(kind); }
    out[i] = kinds.filter((k) => had.has(k));
  }
  return out;
}

// Clicking a hook while choosing the path: append it (clicking the last one again removes it)
export function toggleHook(hooks, key, max = 16) {
  const h = (hooks || []).slice();
  if (h.length && h[h.length - 1] === key) h.pop();
  else if (h.length < max) h.push(key);
  return h;
}

// Rules typed in the box -> {rules, error}: one per line, blank lines dropped, limits from page_data
export function parseRules(text, maxRules, maxLen) {
  const rules = String(text || "").split("\n").map((s) => s.trim()).filter(Boolean)
    .map((s) => s.replace(/^(sudo\s+)?iptables\s+/, ""));
  if (maxRules && rules.length > maxRules) return { rules, error: t(S.run.tooMany, { n: maxRules }) };
  const long = rules.findIndex((r) => maxLen && r.length > maxLen);
  if (long >= 0) return { rules, error: t(S.run.tooLong, { n: long + 1, max: maxLen }) };
  return { rules, error: null };
}

// An example in the step text is a rule when every line is iptables arguments ("-I ...", "-t nat ...")
// or an ebtables rule ("ebtables -A FORWARD -p ARP -j DROP": the box applies it with ebtables)
export function exampleRules(text) {
  const lines = String(text || "").split("\n").map((s) => s.trim()).filter(Boolean);
  return lines.length && lines.every((l) => /^((sudo\s+)?ebtables\s+)?-[-A-Za-z]/.test(l))
    ? lines.map((l) => l.replace(/^sudo\s+/, "")) : null;
}

// page_data.progress after a run of step n (the server records the same when the run ends)
export function progressAfter(progress, n, result) {
  const p = JSON.parse(JSON.stringify(progress || { steps: {} }));
  p.steps = p.steps || {};
  const old = p.steps[n] || { step: n, runs: 0, predicted: 0, predicted_right: 0, passed: false };
  const pg = result && result.prediction_grade;
  const row = {
    ...old, runs: old.runs + 1,
    predicted: old.predicted + (pg ? 1 : 0),
    predicted_right: old.predicted_right + (pg && pg.total && pg.right === pg.total ? 1 : 0),
    passed: old.passed || !!(result && result.grade && result.grade.passed),
  };
  p.steps[n] = row;
  const rows = Object.values(p.steps);
  p.run = rows.length;
  p.predicted = rows.reduce((s, r) => s + r.predicted, 0);
  p.predicted_right = rows.reduce((s, r) => s + r.predicted_right, 0);
  return p;
}
