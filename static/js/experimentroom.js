// A workshop room on the experiment page (issue 19). The board sends the room an experiment
// (workshop.goto with `experiment`, as checked); each learner's page (workshop.js) opens the
// experiment page with it filled in and the room's code (?room=CODE), and the page stays the
// room's: the learner's workshop socket (workshop.js's: one a page, the board counts it)
// keeps following the room, so the next goto to a lesson step brings the learner back.
// The pure part (node --test): an experiment <-> its permalink, and the board's preview.
import { $, el } from "./dom.js";
import { TRAFFIC_KEYS, permalinkPairs } from "./experimentform.js";
import { S, t } from "./strings.js";

// workshop.js tells the page of a goto, {url, msg}, before it follows it (cancelable: joinRoom)
export const GOTO_EVENT = "nfv:room-goto";
const NUMBERS = new Set(["port", "count", "size", "ttl"]);
const num = (v) => (/^\d+$/.test(v) ? Number(v) : v);

// the experiment page's URL of a (checked) experiment, opened for room `code`
export function roomExperimentUrl(path, experiment, code) {
  const q = new URLSearchParams(permalinkPairs(experiment || {}));
  if (code) q.append("room", code);
  return `${path}?${q.toString()}`;
}

// An experiment's permalink (the experiment page's URL, or just its query) -> lab.experiment's
// fields, read as experiment_views.experiment_fields reads them (unchecked: the server names
// a bad field); null when the text has no experiment's keys.
export function experimentOf(text) {
  const raw = String(text || "").trim();
  const at = raw.indexOf("?");
  const q = new URLSearchParams((at >= 0 ? raw.slice(at + 1) : raw).split("#")[0]);
  if (!q.has("traffic") && !q.has("base")) return null;
  const out = { base: q.get("base") || "", rules: q.getAll("rule"), sysctls: [], listeners: [], traffic: [] };
  if (q.get("docker")) out.docker = q.get("docker");
  for (const s of q.getAll("sysctl")) {
    const eq = s.indexOf("=");
    const head = eq >= 0 ? s.slice(0, eq) : s;
    const k = head.lastIndexOf(":");
    out.sysctls.push({ ns: k >= 0 && head.slice(0, k) ? head.slice(0, k) : "host", name: head.slice(k + 1),
      value: eq >= 0 ? s.slice(eq + 1) : "" });
  }
  for (const x of q.getAll("listen")) {
    const [ns = "", proto = "", ...port] = x.split(":");
    out.listeners.push({ ns, proto, port: num(port.join(":")) });
  }
  for (const tr of q.getAll("traffic")) {
    const vals = tr.split(",");
    const item = {};
    TRAFFIC_KEYS.forEach((k, i) => { if (vals[i]) item[k] = NUMBERS.has(k) ? num(vals[i]) : vals[i]; });
    out.traffic.push(item);
  }
  return out;
}

// The lines the board shows of an experiment (before it sends it, and while the room is on
// it): where it starts, each traffic item, and how many rules, sysctls and listeners.
export function describe(f, R = S.room) {
  const [lesson, step] = String(f.base || "").split(":");
  const lines = [!lesson ? R.basePlain : step ? t(R.base, { lesson, step }) : t(R.baseEnd, { lesson })];
  if (f.docker) lines.push(t(R.docker, { docker: f.docker }));
  for (const x of f.traffic || []) {
    const port = x.proto && x.proto !== "icmp" && x.port;
    lines.push(t(port ? R.trafficPort : R.traffic, { from: x.from ?? "?", to: x.to ?? "?", proto: x.proto || "icmp",
      port: x.port, count: x.count ?? R.countDefault }));
  }
  const n = { rules: (f.rules || []).length, sysctls: (f.sysctls || []).length, listeners: (f.listeners || []).length };
  if (n.rules || n.sysctls || n.listeners) lines.push(t(R.extras, n));
  return lines;
}

// The experiment page, opened for room `code` (page_data.workshop): it says it is the room's,
// and hears each goto of the room (to another experiment, or back to a lesson step) before
// workshop.js follows it: `onGoto({url, msg})` returning true keeps the page (it took the
// goto in place); otherwise workshop.js loads `url`. The socket stays workshop.js's: one a
// page, counted once on the board. -> {code, leave()}.
export function joinRoom(code, { onGoto } = {}) {
  const banner = el("section", { id: "room-banner", class: "room-banner", role: "region", "aria-label": S.room.banner },
    el("strong", { text: t(S.room.onExperiment, { code }) }), " ", el("span", { text: S.room.follows }));
  const old = $("room-banner");
  if (old) old.replaceWith(banner); else document.querySelector("main").prepend(banner);
  const listen = (e) => { if (onGoto && onGoto(e.detail) === true) e.preventDefault(); };
  window.addEventListener(GOTO_EVENT, listen);
  return { code, leave: () => { window.removeEventListener(GOTO_EVENT, listen); banner.remove(); } };
}
