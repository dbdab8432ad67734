// Entry script of the lesson page (live) and the recorded-run page: one store, one module
// per pane; everything the page knows about the lesson comes from page_data.
import { $ } from "./dom.js";
import { Store } from "./store.js";
import { makeModel } from "./model.js";
import { Diagram } from "./diagram.js";
import { Player } from "./player.js";
import { JsonSocket } from "./ws.js";
import { boxDetail, eventText, isDrop, isLog, natDiff } from "./fmt.js";
import { buildTimeline, foldLogs, hiddenCounts, natMarks, packetSoFar, reachedIfaces, startIndex, firstRequest } from "./focus.js";
import { EventLog, journeysFromEvents, renderJourneys } from "./journeys.js";
import { renderInspector } from "./inspector.js";
import { renderCaptures, renderConntrack, renderOutput, renderRules } from "./sandbox.js";
import { renderPredictionGrade, renderResult } from "./result.js";
import { Announcer, isDisabled, renderCaption, renderHiddenToggle, renderLogsToggle, renderPlayer, setDisabled, setStatus, wireCopyLog, wireKeys, wirePlayer } from "./controls.js";
import { PredictPanel } from "./predict.js";
import { setSubject } from "./focus.js";
import { TryIt, showError } from "./tryit.js";
import { wireTabs } from "./tabs.js";
import { Zoom, wireBench, wirePresenter } from "./layout.js";
import { buildPrediction, progressAfter } from "./grading.js";
import { progressText, runUrls } from "./pagedata.js";
import { usePhrases } from "./phrases.js";
import { StepText } from "./steptext.js";
import { DockerSwitch } from "./dockerswitch.js";
import { Compare } from "./compare.js";
import { S, t } from "./strings.js";

const data = JSON.parse($("page-data").textContent);
usePhrases(data.phrases, data.phrase_style);
setSubject(data.step && data.step.about);   // a step about ARP shows its ARP hops
const model = makeModel(data.model);
const recorded = data.mode === "recorded";
const proto = data.prediction && data.prediction.proto;
const svg = document.querySelector("svg.diagram");
const diagram = new Diagram(svg, model);
const store = new Store({
  events: [], journeys: [], result: null, output: [], command: null, selected: null,
  showHidden: false, logsApart: false, timeline: [], i: -1, playing: false, via: null, speed: 1, running: false,
  statuses: [], visits: [], urls: null, draft: {}, pickMode: null, progress: data.progress,
});
const get = () => store.get();
// for tests and the curious: window.nfv.events, .result, .visits, .timeline, ...
window.nfv = new Proxy({}, { get: (_, k) => (k === "store" ? store : get()[k]) });

const player = new Player(store);
const announcer = new Announcer($("announce"));
const log = new EventLog($("log"), (i) => { player.pause(); player.seek(i, "seek"); });
const zoom = new Zoom($("diagram-scroll"), svg);
const tryit = new TryIt({ box: $("rules-input"), explain: $("explain"), maxRules: data.max_rules, maxLen: data.max_rule_len });
const docker = new DockerSwitch($("docker-switch"), data.docker, recorded && data.run ? (data.run.result || {}).docker : null);
const compare = new Compare(recorded ? null : $("compare"), data.docker, { proto, switcher: docker, run: () => startRun() });
const predict = recorded ? null : new PredictPanel($("predict"), {
  store, offered: (data.prediction && data.prediction.offered) || [], model, diagramEl: svg,
  captures: (data.prediction && data.prediction.captures) || [],
  captureKinds: (data.prediction && data.prediction.capture_kinds) || [] });
// the step's text: the question before the run, the explanation after it (its hops are links)
const reveal = $("explain-reveal");
new StepText({ store, proto, recorded, ranBefore: !!reveal && reveal.dataset.ranBefore === "true",
  els: { title: $("step-title"), before: $("explain"), after: $("explain-after"), reveal },
  select: (k) => { player.pause(); player.seek(k, "seek"); }, announce: (m) => announcer.say(m) });
const tabs = wireTabs(document.querySelector("[role=tablist]"), () => renderSide());

const journeyOf = (id) => get().journeys.find((j) => j.id === id);

// the next hop of the same packet, in kernel order (to see what a NAT table changed)
function nextHop(ev) {
  const evs = get().events;
  for (let j = evs.indexOf(ev) + 1; j < evs.length; j++) {
    const n = evs[j];
    if (n.journey === ev.journey && n.src != null && !isLog(n)) return n;   // log reports lag behind
  }
  return null;
}
const natFor = (ev) => (ev.table === "nat" ? natDiff(ev, nextHop(ev)) : []);

// --- derived state ----------------------------------------------------------------------
// NFLOG lines folded into the trace hop of the same packet and chain: log event -> hop, and
// each hop's folded lines
let folded = new Map(), foldedOf = new Map();
store.on(["events"], (s) => {
  folded = foldLogs(s.events);
  foldedOf = new Map();
  for (const [l, host] of folded) foldedOf.set(host, [...(foldedOf.get(host) || []), l]);
});
const withLogs = (hops) => (get().logsApart ? hops : hops.flatMap((e) => [e, ...(foldedOf.get(e) || [])]));

store.on(["events", "selected", "showHidden", "logsApart"], (s, changed) => {
  const cur = s.timeline[s.i];
  const timeline = buildTimeline(s.events, { journey: s.selected, showHidden: s.showHidden,
    folded: s.logsApart ? null : folded });
  let i = s.i;
  if (changed.has("selected")) i = timeline.length ? 0 : -1;
  else if (changed.has("showHidden") || changed.has("logsApart")) {
    const at = cur && folded.has(cur) ? folded.get(cur) : cur;
    i = at ? Math.max(0, timeline.findIndex((e) => e.seq >= at.seq)) : s.i;
  }
  store.set({ timeline, i: Math.min(i, timeline.length - 1) });
});

// --- rendering ---------------------------------------------------------------------------
// a journey dropped with no drop verdict (the kernel's re-route after a DNAT): at its last
// reported hop, where it died
function killedAfter(j, allHops, ev) {
  if (!j || j.outcome !== "dropped" || !j.drop_at || allHops.some(isDrop)) return null;
  const last = allHops.filter((e) => !isLog(e)).pop();
  return last && ev && ev.seq >= last.seq ? (j.outcome_detail || j.drop_at) : null;
}
store.on(["timeline"], (s) => log.sync(s.timeline));     // before the hop is marked in it
let lastI = -1;
store.on(["i", "timeline", "journeys"], (s) => {
  const ev = s.timeline[s.i];
  const j = ev ? journeyOf(ev.journey) : null;
  const hops = withLogs(packetSoFar(s.timeline, s.i));
  const reached = reachedIfaces(hops, model.stageKey, diagram.pills);
  // "lost": it passed its last hook toward a device and was never seen there
  if (j && j.outcome === "lost") for (const p of diagram.pills) if (p.side === "out") reached.delete(p.id);
  const allHops = ev ? withLogs(s.timeline.filter((e) => e.journey === ev.journey)) : [];
  diagram.showPacket(hops, ev, { reached, nat: ev ? natMarks(j, hops, model, allHops) : [],
    detail: (e) => boxDetail(e, natFor(e)), duration: player.duration(ev) * 0.6,
    killedAfter: killedAfter(j, allHops, ev) });
  if (diagram.current) zoom.follow(diagram.current.g);
  renderCaption(ev, j, captionFallback());
  log.mark(s.i);
  if (ev && (s.via === "play" || s.via === "step") && s.i === lastI + 1) {
    store.set({ visits: [...s.visits, model.boxKey(ev)] });
  }
  lastI = s.i;
  renderInspectorFor(ev, j, s);
  renderSide();
});

function captionFallback() {
  const s = get();
  if (s.running) return t(S.caption.receiving, { n: s.events.length });
  if (s.result && !s.events.length) return S.caption.noEvents;
  if (s.timeline.length) return S.caption.ready;
  return recorded ? S.caption.idleRecorded : S.caption.idle;
}

function renderInspectorFor(ev, j, s) {
  if (!ev) { renderInspector($("inspector"), null); return; }
  let prev = null;
  for (const e of s.timeline.slice(0, s.i)) if (e.journey === ev.journey && isLog(e) === isLog(ev)) prev = e;
  const key = model.boxKey(ev);
  const trail = s.events.filter((e) => e.journey === ev.journey && model.boxKey(e) === key)
    .map((e) => ({ ev: e, current: e === ev, future: e.seq > ev.seq }));
  const here = `${ev.family} ${ev.table} ${ev.base_chain || ev.chain}`;
  const seen = new Set();
  const journeyNat = ((j && j.nat) || []).filter((n) => {
    const k = `${n.field}:${n.old}:${n.new}`;
    if (n.at !== here || seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const chains = (s.result && s.result.chains) || {};
  renderInspector($("inspector"), ev, prev, { nat: natFor(ev), journeyNat, trail, journey: j,
    chainRules: chains[`${ev.family} ${ev.table} ${ev.chain}`] || null, logs: s.logsApart ? [] : foldedOf.get(ev) || [],
    journeyLabel: j ? t(S.hop.packet, { id: j.id, direction: S.direction[j.direction] || "" }) : "" });
}

function renderSide() {
  const s = get(), res = s.result, ev = s.timeline[s.i];
  const hit = renderRules($("rules"), res && res.rules, ev, res && res.chains);
  if (hit) $("rules").scrollTop = Math.max(0, hit.offsetTop - $("rules").offsetTop - 60);
  const j = ev ? journeyOf(ev.journey) : journeyOf(s.selected);
  renderConntrack($("conntrack"), res && res.conntrack, j ? j.flow : null, res && res.hidden);
  renderCaptures($("captures"), res && res.captures, j ? j.id : null);
}

store.on(["i", "timeline", "playing"], (s) => renderPlayer(s));
store.on(["i", "playing"], (s, changed) => announcer.onPlayer(s, changed));
store.on(["journeys", "events", "selected"], (s) => {
  const counts = {};
  for (const e of s.events) counts[e.journey] = (counts[e.journey] || 0) + 1;
  const first = firstRequest(s.journeys, proto);
  renderJourneys($("journeys"), { journeys: s.journeys, total: s.events.length, counts, selected: s.selected,
    first: first && first.id, onSelect: selectJourney, storyOf: s.selected });
});
store.on(["events", "selected", "showHidden"], (s) => {
  renderHiddenToggle($("hidden-toggle"), hiddenCounts(s.events, { journey: s.selected }), s.showHidden);
});
store.on(["events", "selected", "logsApart"], (s) => {
  let n = 0;
  for (const l of folded.keys()) if (s.selected == null || l.journey === s.selected) n += 1;
  renderLogsToggle($("logs-toggle"), n, s.logsApart);
});
store.on(["running"], (s) => {
  setDisabled($("run-btn"), s.running);
  $("run-btn")?.setAttribute("aria-busy", String(s.running));
  if (s.running) store.set({ pickMode: null });
  else if (!s.timeline[s.i]) renderCaption(null, null, captionFallback());
});
store.on(["pickMode", "draft"], (s) => diagram.showPicks(s.pickMode, { box: s.draft.dies_at, hooks: s.draft.hooks }));
store.on(["progress"], (s) => {
  $("progress-line").textContent = progressText(s.progress);
  const tab = document.querySelector(`.step-tab[data-step="${data.step.number}"]`);
  if (tab && !tab.classList.contains("done")) {
    tab.classList.add("done");
    tab.querySelector(".done-mark").innerHTML = ' <span aria-hidden="true">✓</span><span class="sr-only">(run)</span>';
  }
});

function selectJourney(id) {
  player.pause();
  store.set({ selected: id });
  player.play();
}

// --- a run ------------------------------------------------------------------------------
function loadRun(events, result) {
  const journeys = result && result.journeys && result.journeys.length ? result.journeys : journeysFromEvents(events);
  store.batch(() => store.set({ events: events.slice(), result, journeys, selected: null,
    output: result && result.output ? String(result.output).replace(/\n$/, "").split("\n") : [] }));
  renderOutput($("output"), get().output, result && result.command);
  if (result) finishRun(result);
}

function showResult(result) {
  const urls = runUrls(data.urls, result.run, data.run_urls);
  const next = data.urls.next ? { href: data.urls.next, title: (data.steps[data.step.number] || {}).title || "" } : null;
  renderResult($("result"), result, { urls, recorded, next, home: data.urls.home });
  renderPredictionGrade($("prediction-grade"), result, model);
  return urls;
}

// the result is in: show it, then replay from the step's first request of its protocol
function finishRun(result) {
  const s = get();
  const urls = showResult(result);
  diagram.markSeen(s.events);
  player.pause();
  store.set({ urls, visits: [] });
  player.seek(startIndex(get().timeline, get().journeys, proto), "start");
  const first = get().timeline[get().i];
  if (first) store.set({ visits: [model.boxKey(first)] });
  compare.onResult(result, s.events, get().journeys);
  const pg = result.prediction_grade;
  announcer.say(t(S.announce.runDone, { outcome: result.ok ? S.result.okWords : S.result.badWords,
    prediction: pg && pg.total ? t(recorded ? S.announce.predictionScoreRecorded : S.announce.predictionScore,
      { right: pg.right, total: pg.total }) : "" }));
  player.play("auto");
}

const socket = recorded ? null : new JsonSocket(data.ws_path, onMessage, () => {
  if (get().running) { showError(S.run.closed, "lab"); endRun(); }
});

// The browser's session (what keeps its runs and progress) is made by its first Run, not by
// viewing the page (learn/sessions.py). A socket opened before (lab.open) carried no cookie:
// it is dropped, and the run's send opens one whose handshake does. Should the POST fail, the
// run still goes (kept for no one) and the next Run tries again.
async function keepSession() {
  if (data.session) return;
  try {
    const r = await fetch(data.urls.session, { method: "POST", headers: { "X-CSRFToken": data.csrf } });
    data.session = r.ok;
  } catch { return; }
  if (data.session) socket.drop();
}

// Say which lesson this page shows as soon as it opens: the lab builds a sandbox for it
// while the learner reads, so the first Run starts warm. Nothing is shown if it fails.
if (socket) socket.send({ type: "lab.open", lesson: data.lesson, step: data.step.number }).catch(() => {});

// A run refused before the kernel said anything (a rule error, a busy lab) keeps the replay
// of the run before it: the page shows what it showed, with the error beside the rule box.
let lastRun = null;
function restoreRun() {
  const snap = lastRun;
  if (!snap || get().events.length) return;
  store.batch(() => store.set({ events: snap.events, journeys: snap.journeys, result: snap.result, output: snap.output,
    selected: snap.selected, urls: snap.urls, visits: snap.visits }));
  store.set({ i: Math.min(snap.i, get().timeline.length - 1) });
  renderOutput($("output"), snap.output, snap.result && snap.result.command);
  if (snap.result) showResult(snap.result);
  diagram.markSeen(snap.events);
}

function endRun() {
  store.set({ running: false });
  $("run-note").textContent = "";
}

function addEvents(evs) {
  const s = get();
  const fresh = journeysFromEvents(evs).filter((j) => !journeyOf(j.id));
  store.set({ events: [...s.events, ...evs], ...(fresh.length ? { journeys: [...s.journeys, ...fresh] } : {}) });
  renderCaption(null, null, captionFallback());
}

function onMessage(msg) {
  switch (msg.type) {
    case "lab.status":
      setStatus(msg.status, msg.detail);
      store.set({ statuses: [...get().statuses, msg.status] });
      break;
    case "trace.event":
      addEvents([msg.event]);
      break;
    case "trace.events":          // a batch (lab.run asked for "batch")
      addEvents(msg.events || []);
      break;
    case "traffic.output":
      store.set({ output: [...get().output, msg.line] });
      renderOutput($("output"), get().output, null);
      break;
    case "lab.result": {
      const s = get();
      store.batch(() => store.set({ result: msg, running: false,
        journeys: msg.journeys && msg.journeys.length ? msg.journeys : s.journeys,
        progress: msg.run ? progressAfter(s.progress, data.step.number, msg) : s.progress }));
      renderOutput($("output"), s.output.length ? s.output : String(msg.output || "").split("\n"), msg.command);
      setStatus("done", msg.ok ? S.run.done : S.run.doneBad);
      store.set({ statuses: [...get().statuses, "done"] });
      endRun();
      finishRun(msg);
      break;
    }
    case "lab.error":
      announcer.say(showError(msg.message, msg.kind,
        { focusBox: ["input", "forbidden"].includes(msg.kind) && tryit.box ? tryit.box : null }));
      setStatus(null, S.run.error);
      endRun();
      restoreRun();
      break;
  }
}

async function startRun() {
  if (get().running) return;
  showError(null);
  const { rules, error } = tryit.read();
  if (error) { announcer.say(showError(error, "input", { focusBox: tryit.box })); return; }
  const built = buildPrediction(get().draft, (data.prediction && data.prediction.offered) || []);
  if (built.error) { announcer.say(showError(built.error, "input")); return; }
  player.pause();
  const was = get();
  if (was.events.length) lastRun = { events: was.events, journeys: was.journeys, result: was.result, output: was.output,
    selected: was.selected, urls: was.urls, visits: was.visits, i: was.i };
  store.batch(() => store.set({ running: true, events: [], journeys: [], result: null, output: [], selected: null,
    visits: [], urls: null, statuses: [], i: -1 }));
  $("result").hidden = true;
  renderPredictionGrade($("prediction-grade"), null, model);
  renderOutput($("output"), [], null);
  $("run-note").textContent = rules.length ? "" : (tryit.box ? S.run.noRules : "");
  tryit.updateHint();
  setStatus("building", S.run.connecting);
  store.set({ statuses: ["building"] });
  if (!document.body.classList.contains("present")) $("lab").scrollIntoView({ block: "start" });
  announcer.say(S.announce.runStarted);
  const msg = { type: "lab.run", lesson: data.lesson, step: data.step.number, rules, prediction: built.prediction,
    batch: true, ...(docker.value() ? { docker: docker.value() } : {}) };
  try {
    await keepSession();
    await socket.send(msg);
  } catch (e) {
    showError(e.message, "lab");
    setStatus(null, S.run.error);
    endRun();
    restoreRun();
  }
}

// --- wiring ------------------------------------------------------------------------------
wirePlayer(player);
wireBench($("bench"), $("lab"));
wirePresenter($("present-btn"), { onChange: () => { diagram.fitPills(); store.emit(new Set(["i"])); } });
diagram.onActivate = (key) => {
  if (predict && predict.onDiagram(key)) return;
  const s = get(), cur = s.timeline[s.i];
  let k = s.timeline.findIndex((e) => model.boxKey(e) === key && (!cur || e.journey === cur.journey));
  if (k < 0) k = s.timeline.findIndex((e) => model.boxKey(e) === key);
  if (k >= 0) { player.pause(); player.seek(k, "seek"); }
};
$("run-btn")?.addEventListener("click", (e) => { if (!isDisabled(e.currentTarget)) startRun(); });
$("hidden-toggle").addEventListener("click", () => store.set({ showHidden: !get().showHidden }));
$("logs-toggle").addEventListener("click", () => store.set({ logsApart: !get().logsApart }));
wireCopyLog($("copy-log"), $("log"), () => get().timeline.map(eventText).join("\n"));
wireKeys(player);

if (recorded && data.run) {
  setStatus("done", S.run.recorded);
  loadRun(data.run.events || [], { ...(data.run.result || {}), run: data.run.id });
} else {
  store.set({ i: -1 });
  renderCaption(null, null, captionFallback());
  renderSide();
  renderPlayer(get());
}
