// The experiment page: the form (prefilled from the permalink: several traffic items, the
// rules, sysctls, listeners and docker's ruleset), the traffic picked on the diagram (a
// source node, then a destination), lab.experiment over the lab websocket, and the run
// replayed hop by hop as on a lesson page (replay.js), with its result, the permalink and
// "Save as lesson".
import { $, el } from "./dom.js";
import { fieldOfError, fieldsOf, nodeOf, permalink, pick } from "./experimentform.js";
import { TrafficRows } from "./experimentitems.js";
import { NodePicker } from "./nodepick.js";
import { Replay } from "./replay.js";
import { DockerSwitch } from "./dockerswitch.js";
import { setDisabled, isDisabled, setStatus } from "./controls.js";
import { renderResult } from "./result.js";
import { fillUrl, runUrls } from "./pagedata.js";
import { errorText, say, usePhrases } from "./phrases.js";
import { showError } from "./tryit.js";
import { S, t } from "./strings.js";
import { JsonSocket } from "./ws.js";

const data = JSON.parse($("page-data").textContent);
usePhrases(data.phrases, data.phrase_style);
const nodes = data.nodes || [];
const exp = data.experiment || {};
// the journeys pane tells a journey's story: the one selected, else the run's first told one
const replay = new Replay({ data, idle: S.experiment.idle,
  storyOf: (s) => s.selected ?? (s.journeys.find((j) => (j.story || []).length) || {}).id });
const { store, announcer, player } = replay;
const docker = new DockerSwitch($("docker-switch"), data.docker);
if (data.docker && data.docker.chosen) docker.set(data.docker.chosen);
let picked = { next: "from" };

const rows = new TrafficRows($("exp-items"), $("exp-add"), { nodes, limits: data.limits, protos: data.protos,
  // a row that has both ends shows them on the diagram; else the next click is its source
  onActive: (i, row) => {
    picked = row.from && row.to ? { from: row.from, to: row.to, toNode: nodeOf(row.to, nodes), next: "from" } : { next: "from" };
    showPick(false);
  } });
const picker = new NodePicker(replay.svg, nodes, (name, address) => onPick(name, address));

function fillForm() {
  $("exp-addrs").replaceChildren(...nodes.flatMap((n) => n.addresses.map((a) => el("option", { value: a, text: `${a} (${n.name})` }))));
  rows.fill(exp.traffic);
  $("exp-sysctls").value = (exp.sysctls || []).map((s) => `${s.ns && s.ns !== "host" ? `${s.ns}:` : ""}${s.name}=${s.value}`).join("\n");
  $("exp-listeners").value = (exp.listeners || []).map((x) => `${x.ns}:${x.proto}:${x.port}`).join("\n");
  // the pill legend: which interface stands for which node; nodes without a pill as buttons
  const onDiagram = picker.nodes();
  $("exp-pills").textContent = t(S.experiment.pillsAre, { list: nodes.flatMap((n) => Object.keys(n.pills || {})
    .map((i) => `${i} → ${n.name}`)).join(", ") });
  const off = nodes.filter((n) => !onDiagram.has(n.name) && n.addresses.length);
  $("exp-nodes").replaceChildren(...(off.length ? [el("span", { class: "hint", text: S.experiment.offDiagram }), " "] : []),
    ...off.map((n) => el("button", { type: "button", class: "small node", "data-node": n.name, text: n.name,
      onclick: () => onPick(n.name, null) })));
}

function onPick(name, address) {
  picked = pick(picked, name, nodes, address);
  rows.set("from", picked.from);
  if (picked.next === "from" && picked.to) rows.set("to", picked.to);
  showPick(true);
}

// the selected state: the pills marked 1 and 2, and in words (a live region)
function showPick(say) {
  picker.show(picked);
  const E = S.experiment, n = rows.active + 1;
  const text = !picked.from ? t(E.pickFrom, { n }) : picked.next === "to" ? t(E.pickTo, { n, from: picked.from })
    : t(E.picked, { n, from: picked.from, to: picked.to });
  $("exp-pick").textContent = text;
  if (say) announcer.say(text);
}

function values() {
  return { base: $("exp-base").value, docker: docker.value(), items: rows.values(), rules: $("exp-rules").value,
    sysctls: $("exp-sysctls").value, listeners: $("exp-listeners").value };
}

function endRun() {
  store.set({ running: false });
  setDisabled($("exp-run"), false);
  $("exp-run").setAttribute("aria-busy", "false");
}

// the result, Save as lesson, and the link that replays this run here (?run=<uid>)
function showResult(msg) {
  const urls = runUrls(data.urls, msg.run);
  renderResult($("result"), msg, { urls, recorded: true, next: null, home: data.urls.home });
  const replayUrl = new URL(location.href);
  replayUrl.searchParams.set("run", msg.run);
  $("exp-save-row").replaceChildren(...(msg.run ? [el("a", { id: "exp-save", class: "button",
    href: fillUrl(data.urls.lesson_zip, { id: msg.run }), download: "", text: S.experiment.saveLesson }), " ",
  el("a", { id: "exp-replay-link", href: replayUrl.pathname + replayUrl.search, text: S.experiment.replayLink })] : []));
  return urls;
}

function onMessage(msg) {
  if (msg.type === "lab.status") setStatus(msg.status, say(msg.detail_msg, msg.detail));
  else if (msg.type === "trace.event") replay.addEvents([msg.event]);
  else if (msg.type === "trace.events") replay.addEvents(msg.events || []);
  else if (msg.type === "lab.result") {
    setStatus("done", msg.ok ? S.run.done : S.run.doneBad);
    endRun();
    replay.loadRun(replay.get().events, msg);
    replay.replay(showResult(msg));
    announcer.say(t(S.announce.runDone, { outcome: msg.ok ? S.result.okWords : S.result.badWords, prediction: "" }));
    player.play("auto");
  } else if (msg.type === "lab.error") {
    setStatus(null, S.run.error);
    endRun();
    announcer.say(showError(errorText(msg), msg.kind));
    rows.markInvalid(fieldOfError(msg.message));
  }
}

const socket = new JsonSocket(data.ws_path, onMessage, () => {
  if (replay.get().running) { showError(S.run.closed, "lab"); setStatus(null, S.run.error); endRun(); }
});

// the URL keeps what is the page's, not the experiment's (the presenter layout, a room)
const keep = () => [...new URL(location.href).searchParams].filter(([k]) => k === "present" || k === "room");
// (a new run drops ?run=: the page shows this run now)

async function startRun() {
  if (replay.get().running) return;
  const fields = fieldsOf(values());
  showError(null);
  rows.markInvalid(null);
  $("exp-save-row").replaceChildren();
  $("result").hidden = true;
  player.pause();
  store.batch(() => store.set({ running: true, events: [], journeys: [], result: null, output: [], selected: null,
    visits: [], urls: null, i: -1 }));
  setDisabled($("exp-run"), true);
  $("exp-run").setAttribute("aria-busy", "true");
  setStatus("building", S.run.connecting);
  announcer.say(S.announce.runStarted);
  history.replaceState(null, "", permalink(data.urls.page, fields, keep()));
  try {
    await socket.send({ type: "lab.experiment", ...fields, batch: true });
  } catch (err) {
    showError(err.message, "lab");
    setStatus(null, S.run.error);
    endRun();
  }
}

// the Run button submits the form (form="exp-form"), as Enter in one of its fields does
$("exp-form").addEventListener("submit", (e) => { e.preventDefault(); if (!isDisabled($("exp-run"))) startRun(); });
fillForm();
showPick(false);
if (data.run) {                 // a recorded run of an experiment (?run=<uid>): its replay
  setStatus("done", S.run.recorded);
  replay.loadRun(data.run.events || [], { ...(data.run.result || {}), run: data.run.id });
  replay.replay(showResult({ ...(data.run.result || {}), run: data.run.id }));
  player.play("auto");
} else {
  replay.idleView();
}
// the presenter layout widens the pills (diagram.fitPills, a frame later): the marks follow
const again = () => requestAnimationFrame(() => requestAnimationFrame(() => picker.show(picked)));
$("present-btn").addEventListener("click", again);
again();

// A workshop's room: with page_data.workshop (the room's code, when this browser is seated
// in the room the page was opened for: ?room=CODE) the page joins the room
// (experimentroom.js, the room's side, not this page's). onGoto({url, msg}) hears the
// instructor's goto before workshop.js follows it; returning false lets it load the goto's
// page (another experiment is another permalink: the form fills from it).
if (data.workshop) {
  import("./experimentroom.js").then((room) => room.joinRoom(data.workshop, { onGoto: () => false }))
    .catch(() => {});
}
