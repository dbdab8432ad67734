// Entry script of the lesson page (live) and the recorded-run page: one store, one module
// per pane; everything the page knows about the lesson comes from page_data.
// The replay itself (diagram, player, log, inspector, journeys, panes) is replay.js's, shared
// with the experiment page.
import { $, el } from "./dom.js";
import { JsonSocket } from "./ws.js";
import { renderOutput } from "./sandbox.js";
import { renderPredictionGrade, renderResult } from "./result.js";
import { isDisabled, setDisabled, setStatus } from "./controls.js";
import { PredictPanel } from "./predict.js";
import { setSubject } from "./focus.js";
import { TryIt, showError } from "./tryit.js";
import { Replay } from "./replay.js";
import { buildPrediction, progressAfter } from "./grading.js";
import { progressText, runUrls } from "./pagedata.js";
import { errorText, say, usePhrases } from "./phrases.js";
import { StepText } from "./steptext.js";
import { DockerSwitch } from "./dockerswitch.js";
import { Compare } from "./compare.js";
import { S, t } from "./strings.js";

const data = JSON.parse($("page-data").textContent);
usePhrases(data.phrases, data.phrase_style);
setSubject(data.step && data.step.about);   // a step about ARP shows its ARP hops
const recorded = data.mode === "recorded";
const proto = data.prediction && data.prediction.proto;
const replay = new Replay({ data, proto, recorded, state: { draft: {}, pickMode: null, progress: data.progress } });
const { model, diagram, store, player, announcer, svg } = replay;
const get = () => store.get();

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
  select: (k) => replay.seek(k), announce: (m) => announcer.say(m) });

store.on(["running"], (s) => {
  setDisabled($("run-btn"), s.running);
  $("run-btn")?.setAttribute("aria-busy", String(s.running));
  if (s.running) store.set({ pickMode: null });
});
store.on(["pickMode", "draft"], (s) => diagram.showPicks(s.pickMode, { box: s.draft.dies_at, hooks: s.draft.hooks }));
store.on(["progress"], (s) => {
  $("progress-line").textContent = progressText(s.progress);
  const tab = document.querySelector(`.step-tab[data-step="${data.step.number}"]`);
  if (tab && !tab.classList.contains("done")) {
    tab.classList.add("done");
    tab.querySelector(".done-mark").replaceChildren(" ", el("span", { "aria-hidden": "true", text: "✓" }),
      el("span", { class: "sr-only", text: S.progress.doneMark }));
  }
});

// --- a run ------------------------------------------------------------------------------
function loadRun(events, result) {
  replay.loadRun(events, result);
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
  replay.replay(showResult(result));
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

const addEvents = (evs) => replay.addEvents(evs);

function onMessage(msg) {
  switch (msg.type) {
    case "lab.status":
      setStatus(msg.status, say(msg.detail_msg, msg.detail));
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
      announcer.say(showError(errorText(msg), msg.kind,
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
replay.intercept = (key) => !!predict && predict.onDiagram(key);
$("run-btn")?.addEventListener("click", (e) => { if (!isDisabled(e.currentTarget)) startRun(); });

if (recorded && data.run) {
  setStatus("done", S.run.recorded);
  loadRun(data.run.events || [], { ...(data.run.result || {}), run: data.run.id });
} else {
  replay.idleView();
}
