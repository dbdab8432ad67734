// Entry script of the lesson page (live) and the recorded-run page.
import { Diagram } from "./diagram.js";
import { Player } from "./player.js";
import { LabSocket } from "./ws.js";
import { boxKey, chainLabel, eventText, isDrop, isLog, natDiff, ruleLabel, verdictInfo } from "./fmt.js";
import * as panes from "./panes.js";

const data = JSON.parse(document.getElementById("page-data").textContent);
const $ = (id) => document.getElementById(id);
const diagram = new Diagram(document.querySelector("svg.diagram"));

const state = {
  events: [], journeys: [], result: null, output: [], selected: null, running: false,
  statuses: [],   // lab.status values in arrival order
  visits: [],     // box keys in the order the player lit them (for tests and the curious)
  urls: null,
};
window.nfv = state;

const player = new Player({ onRender: render, onState: renderControls });

function journeyOf(id) { return state.journeys.find((j) => j.id === id); }

// the next hop of the same packet, in kernel order (to see what a NAT table changed)
function nextHop(ev) {
  const i = state.events.indexOf(ev);
  for (let j = i + 1; j < state.events.length; j++) {
    const n = state.events[j];
    if (n.journey === ev.journey && n.src != null && !isLog(n)) return n;   // log reports lag behind
  }
  return null;
}

function natFor(ev) {
  if (ev.table !== "nat") return [];
  return natDiff(ev, nextHop(ev));
}

function detailFor(ev) {
  const nat = natFor(ev);
  if (nat.length) return nat.map((n) => `${n.field === "source" ? "src" : "dst"}→${n.new}`).join(" ");
  const inner = ev.chain && ev.base_chain && ev.chain !== ev.base_chain ? `› ${ev.chain} ` : "";
  if (ev.type === "policy") return `${inner}policy ${ev.verdict || ""}`;
  const rule = ev.rule ? ev.rule.replace(/^-A \S+ /, "") : "";
  return `${inner}${ev.rule_pos != null ? "#" + ev.rule_pos + " " : ""}${rule}`.trim();
}

function render(i, timeline, forwardByOne) {
  diagram.reset();
  const ev = timeline[i];
  if (!ev) {
    diagram.hideToken();
    panes.renderInspector($("inspector"), null);
    panes.markLog($("log"), -1);
    $("hop-caption").textContent = timeline.length ? "Ready: press ▶ Play or → to follow the packet." : $("hop-caption").textContent;
    renderSide(null);
    return;
  }
  let prev = null, at = null, dropped = null;
  for (let j = 0; j <= i; j++) {
    const e = timeline[j];
    if (e.journey !== ev.journey) continue;
    diagram.apply(e, { detail: detailFor(e), nat: natFor(e).length > 0 });
    if (j < i && isLog(e) === isLog(ev)) prev = e;   // compare like with like
    if (!isLog(e)) at = e;
    if (!dropped && isDrop(e)) dropped = e;
  }
  diagram.setCurrent(ev);
  diagram.showNat(ev, natFor(ev));
  diagram.moveToken(dropped || at || ev, { duration: player.duration(ev) * 0.6 });
  if (forwardByOne) state.visits.push(boxKey(ev));
  const j = journeyOf(ev.journey);
  const v = verdictInfo(ev);
  $("hop-caption").replaceChildren(
    Object.assign(document.createElement("span"), { className: `vbadge v-${v.cls}`, textContent: `${v.icon} ${v.label}` }),
    ` ${chainLabel(ev)} — ${ruleLabel(ev) || "(no rule)"}` + (ev.ct_state ? ` · ct ${ev.ct_state}` : "") +
    (ev.probe ? " · probe" : "") +
    (j ? ` · packet #${j.id} ${j.direction || ""}` : ""));
  const key = boxKey(ev);
  const trail = state.events.filter((e) => e.journey === ev.journey && boxKey(e) === key)
    .map((e) => ({ ev: e, current: e === ev, future: state.events.indexOf(e) > state.events.indexOf(ev) }));
  const here = `${ev.family} ${ev.table} ${ev.base_chain || ev.chain}`;
  const seen = new Set();
  const journeyNat = ((j && j.nat) || []).filter((n) => {
    const k = `${n.field}:${n.old}:${n.new}`;
    if (n.at !== here || seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  panes.renderInspector($("inspector"), ev, prev, {
    nat: natFor(ev), journeyNat, trail, journeyLabel: j ? `packet #${j.id} ${j.direction || ""}` : "",
  });
  panes.markLog($("log"), i);
  renderSide(ev);
}

function renderSide(ev) {
  const res = state.result;
  const hit = panes.renderRules($("rules"), res && res.rules, ev);
  if (hit) {
    const box = $("rules");
    box.scrollTop = Math.max(0, hit.offsetTop - box.offsetTop - 60);
  }
  const j = ev ? journeyOf(ev.journey) : journeyOf(state.selected);
  panes.renderConntrack($("conntrack"), res && res.conntrack, j ? j.flow : null);
  panes.renderCaptures($("captures"), res && res.captures, j ? j.id : null);
}

function renderControls() {
  const n = player.timeline.length;
  $("p-pos").textContent = `hop ${player.i + 1}/${n}`;
  const play = $("p-play");
  play.textContent = player.playing ? "⏸ Pause" : "▶ Play";
  play.setAttribute("aria-label", player.playing ? "Pause" : "Play");
  for (const id of ["p-first", "p-back"]) $(id).disabled = player.i <= 0;
  for (const id of ["p-fwd", "p-last"]) $(id).disabled = player.i >= n - 1;
  play.disabled = n === 0 && !player.live;
}

function renderJourneys() {
  panes.renderJourneys($("journeys"), state.journeys, state.events, state.selected, selectJourney);
}

function selectJourney(id) {
  state.selected = id;
  renderJourneys();
  player.pause();
  player.setFilter(id);
  panes.renderLog($("log"), player.timeline, (i) => player.step(i - player.i));
  player.play();
}

function setStatus(status, detail) {
  const order = ["building", "ready", "running", "done"];
  const k = order.indexOf(status);
  for (const li of $("progress").children) {
    const m = order.indexOf(li.dataset.status);
    li.className = m < k ? "past" : m === k ? "now" : "";
  }
  $("progress").dataset.status = status || "";
  if (status) state.statuses.push(status);
  $("status-detail").textContent = detail || status || "";
}

function showError(msg) {
  const box = $("error");
  box.hidden = !msg;
  box.textContent = msg ? `⚠ ${msg}` : "";
}

function loadRun(events, result) {
  state.events = events.slice();
  state.result = result;
  state.journeys = (result && result.journeys && result.journeys.length) ? result.journeys
    : panes.journeysFromEvents(state.events);
  state.output = result && result.output ? String(result.output).replace(/\n$/, "").split("\n") : [];
  panes.renderOutput($("output"), state.output, result && result.command);
  player.setEvents(state.events);
  panes.renderLog($("log"), player.timeline, (i) => player.step(i - player.i));
  renderJourneys();
  if (result) {
    panes.renderResult($("result"), result, state.urls, data.mode === "recorded");
    diagram.markSeen(state.events);
  }
}

// --- live runs ---
const socket = new LabSocket(data.ws_path, onMessage, () => {
  if (state.running) { showError("The connection to the lab closed during the run."); endRun(); }
});

function endRun() {
  state.running = false;
  player.finishLive();
  for (const b of document.querySelectorAll("#run-btn, #try-form button")) b.disabled = false;
}

function onMessage(msg) {
  switch (msg.type) {
    case "lab.status":
      setStatus(msg.status, msg.detail);
      break;
    case "trace.event": {
      const ev = msg.event;
      state.events.push(ev);
      if (ev.journey != null && !journeyOf(ev.journey)) {
        state.journeys.push(...panes.journeysFromEvents([ev]));
        renderJourneys();
      }
      player.append(ev);
      if (state.selected == null || ev.journey === state.selected) {
        $("log").append(panes.logLine(ev, player.timeline.length - 1, (i) => player.step(i - player.i)));
      }
      break;
    }
    case "traffic.output":
      state.output.push(msg.line);
      panes.renderOutput($("output"), state.output, null);
      break;
    case "lab.result":
      state.urls = { id: msg.run, page: `/runs/${msg.run}/`, json: `/runs/${msg.run}.json`, text: `/runs/${msg.run}.txt` };
      state.result = msg;
      if (msg.journeys && msg.journeys.length) { state.journeys = msg.journeys; renderJourneys(); }
      panes.renderOutput($("output"), state.output.length ? state.output
        : String(msg.output || "").split("\n"), msg.command);
      panes.renderResult($("result"), msg, state.urls, false);
      diagram.markSeen(state.events);
      setStatus("done", msg.ok ? "done: replies received" : "done: no reply");
      if (!state.events.length) $("hop-caption").textContent = "The kernel reported no trace events: no packet reached a traced hook.";
      endRun();
      render(player.i, player.timeline, false);
      break;
    case "lab.error":
      showError(msg.message);
      setStatus(null, "error");
      endRun();
      break;
  }
}

async function startRun(rules) {
  if (state.running) return;
  showError(null);
  state.running = true;
  state.events = []; state.journeys = []; state.result = null; state.output = []; state.selected = null;
  state.visits = []; state.urls = null; state.statuses = [];
  $("result").hidden = true;
  loadRun([], null);
  player.live = true;
  player.play();
  for (const b of document.querySelectorAll("#run-btn, #try-form button")) b.disabled = true;
  setStatus("building", "connecting to the lab…");
  const msg = { type: "lab.run", lesson: data.lesson, step: data.step.number };
  if (rules && rules.length) msg.rules = rules;
  try {
    await socket.send(msg);
  } catch (e) {
    showError(e.message);
    setStatus(null, "error");
    endRun();
  }
}

// --- wiring ---
$("p-play").addEventListener("click", () => player.toggle());
$("p-back").addEventListener("click", () => player.step(-1));
$("p-fwd").addEventListener("click", () => player.step(1));
$("p-first").addEventListener("click", () => player.first());
$("p-last").addEventListener("click", () => player.last());
$("p-speed").addEventListener("change", (e) => player.setSpeed(parseFloat(e.target.value)));
player.setSpeed(parseFloat($("p-speed").value));
$("copy-log").addEventListener("click", async () => {
  const text = player.timeline.map(eventText).join("\n");
  try { await navigator.clipboard.writeText(text); $("copy-log").textContent = "copied"; }
  catch { const r = document.createRange(); r.selectNodeContents($("log")); getSelection().removeAllRanges(); getSelection().addRange(r); }
  setTimeout(() => { $("copy-log").textContent = "copy"; }, 1500);
});
document.addEventListener("keydown", (e) => {
  if (e.target.closest("input, textarea, select") || e.ctrlKey || e.metaKey || e.altKey) return;
  const keys = { " ": () => player.toggle(), ArrowLeft: () => player.step(-1), ArrowRight: () => player.step(1),
    Home: () => player.first(), End: () => player.last() };
  if (keys[e.key]) { e.preventDefault(); keys[e.key](); }
});
for (const tab of document.querySelectorAll("[role=tab]")) {
  tab.addEventListener("click", () => {
    for (const t of document.querySelectorAll("[role=tab]")) {
      t.setAttribute("aria-selected", String(t === tab));
      $(`tab-${t.dataset.tab}`).hidden = t !== tab;
    }
  });
}
$("run-btn")?.addEventListener("click", () => startRun([]));
$("try-form")?.addEventListener("submit", (e) => {
  e.preventDefault();
  const rules = $("rules-input").value.split("\n").map((s) => s.trim()).filter(Boolean);
  if (rules.length > data.max_rules) { showError(`At most ${data.max_rules} rules.`); return; }
  const long = rules.find((r) => r.length > data.max_rule_len);
  if (long) { showError(`A rule is longer than ${data.max_rule_len} characters.`); return; }
  startRun(rules);
});

if (data.mode === "recorded" && data.run) {
  state.urls = { id: data.run.id, ...data.run_urls };
  loadRun(data.run.events || [], data.run.result || {});
  setStatus("done", "recorded run: replaying stored events");
  player.play();
} else {
  loadRun([], null);
  renderSide(null);
}
renderControls();
