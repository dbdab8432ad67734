// The instructor's board: one row per learner, one column per step, live over the board's
// websocket (page_data.ws_path). The server computes rows, states and summaries; between
// its messages the board works out the same from its rows (room.js, as roomview.py does):
// the time-based states (idle, stuck) every few seconds, the summaries after an update.
import { $, el } from "../js/dom.js";
import { JsonSocket } from "../js/ws.js";
import { fillUrl } from "../js/pagedata.js";
import { S, t } from "../js/strings.js";
import { errorText, say, usePhrases } from "../js/phrases.js";
import { counts, learnerState, preparedLine, roomOf, summaries } from "./room.js";
import { answered, expCell, expHead, expSummary, renderExpWhere, setupSend } from "./boardexperiment.js";

const B = S.board;
const TICK_MS = 10_000;
const data = JSON.parse($("page-data").textContent);
usePhrases(data.phrases, data.phrase_style);     // the engine's sentences in the instructor's language
const state = { board: null, rows: new Map(), room: {}, summaries: {}, socket: null, labs: new Map(),
  preparing: null, attempts: null, updated: new Map() };
window.nfvBoard = state;     // for tests and the curious

const stepKey = (s) => `${s.lesson}:${s.step}`;
const tbody = () => $("board-table").querySelector("tbody");
const minutes = (s) => Math.max(0, Math.floor((s || 0) / 60));
const closed = () => !!(state.board && state.board.closed);

// the socket reopens by itself and board.state then redraws: a message lost meanwhile is dropped
function send(msg) { state.socket.send(msg).catch(() => {}); }

function renderHead() {
  const tr = $("board-table").querySelector("thead tr");
  tr.replaceChildren(el("th", { scope: "col", text: B.learner }),
    ...state.board.steps.map((s) => el("th", { scope: "col", title: s.title,
      text: t(s.try_it ? B.stepTryIt : B.step, { lesson: s.lesson, step: s.step }) })),
    ...expHead(state.board));
  const sel = $("goto-step");
  sel.replaceChildren(...state.board.steps.map((s) => el("option", { value: stepKey(s),
    text: t(B.option, { lesson: s.lesson, step: s.step, title: s.title }) })));
  sel.value = stepKey(state.board.where);
  const th = state.board.thresholds;
  $("board-thresholds").textContent = th ? t(B.thresholds, { fails: th.stuck_fails,
    min: minutes(th.stuck_s), idle: minutes(th.idle_s) }) : "";
}

// per step: ran, passed, predicted right; the most common wrong prediction; where packets died
function renderSummaries() {
  const tr = $("board-table").querySelector("thead tr.summary-row");
  tr.replaceChildren(el("th", { scope: "row", text: "" }), ...state.board.steps.map((s) => {
    const m = state.summaries[stepKey(s)];
    if (!m || !m.ran) return el("td", { class: "summary", "data-step": stepKey(s) });
    return el("td", { class: "summary", "data-step": stepKey(s) },
      el("span", { class: "sum-line", text: t(B.summary, { ran: m.ran, passed: m.passed,
        right: m.predicted_right, predicted: m.predicted }) }),
      m.wrong ? el("span", { class: "sum-wrong", text: t(B.summaryWrong, m.wrong) }) : null,
      ...Object.entries(m.died).map(([where, n]) => el("span", { class: "sum-died",
        text: t(B.summaryDied, { where, n }) })));
  }), ...expSummary(state.board, state.rows.values()));
}

function cellText(c) {
  const known = c.status in B.status;
  const vars = { icon: known ? B.statusIcon[c.status] : B.statusIcon.other,
    status: known ? B.status[c.status] : c.status };
  const id = c.prediction_right == null ? "cell" : c.prediction_right ? "cellRight" : "cellWrong";
  return t(B[id], vars);
}

function openAttempts(row, s) {
  state.attempts = { learner: row.learner, lesson: s.lesson, step: s.step };
  send({ type: "board.attempts", learner: row.learner, lesson: s.lesson, step: s.step });
}

function cellFor(row, s) {
  const c = row.cells[stepKey(s)];
  const here = !row.on_experiment && row.lesson === s.lesson && row.step === s.step;
  if (!c) return el("td", { class: "cell none" + (here ? " here" : ""), text: here ? B.here : "" });
  const rule = c.rules && c.rules.length ? el("code", { class: "rule", text: c.rules.join(" ; ") }) : null;
  const tries = c.attempts > 1 ? el("span", { class: "tries", text: ` ×${c.attempts}` }) : null;
  return el("td", { class: `cell ${c.status}` + (here ? " here" : ""), "data-step": stepKey(s) },
    el("button", { type: "button", class: "open", "data-run": c.run,
      title: t(B.attemptsTitle, { name: row.name, lesson: s.lesson, step: s.step }),
      onclick: () => openAttempts(row, s) }, cellText(c), tries),
    c.died_at ? el("span", { class: "died", text: t(B.died, { where: c.died_at }) }) : null, rule);
}

function stateText(row) {
  const st = row.state;
  if (st === "stuck") return row.why === "fails" ? t(B.state.stuckFails, { n: row.cells[`${row.lesson}:${row.step}`].failed })
    : t(B.state.stuckTime, { min: minutes(row.on_step_s) });
  if (st === "idle") return row.idle_s == null ? B.state.idleNever : t(B.state.idle, { min: minutes(row.idle_s) });
  return B.state[st] || st;
}

function controlButton(attrs, text) {
  const b = el("button", { type: "button", class: "small control", ...attrs, text });
  if (closed()) { b.disabled = true; b.title = B.closedControls; }
  return b;
}

function renderRow(row) {
  const tr = el("tr", { "data-learner": row.learner, "data-state": row.state, class: `learner ${row.state}` },
    el("th", { scope: "row" },
      el("span", { class: "name", text: row.name }),
      row.ahead ? el("span", { class: "ahead", text: B.ahead }) : null,
      !row.with_room && !row.ahead ? el("span", { class: "away", text: B.away }) : null,
      el("span", { class: `conn ${row.connected ? "on" : "off"}`, text: row.connected ? B.online : B.offline }),
      el("span", { class: "where", text: row.on_experiment ? S.room.at : t(B.at, { lesson: row.lesson, step: row.step }) }),
      el("span", { class: `state ${row.state}`, text: stateText(row) }),
      el("span", { class: "row-controls" },
        controlButton({ class: "small control reset", title: t(B.resetTitle, { name: row.name, lesson: row.lesson, step: row.step }),
          onclick: () => { if (confirm(t(B.confirmReset, { name: row.name, lesson: row.lesson, step: row.step }))) {
            send({ type: "workshop.reset", learner: row.learner, lesson: row.lesson, step: row.step }); } } }, B.reset),
        controlButton({ class: "small control remove", title: t(B.removeTitle, { name: row.name }),
          onclick: () => { if (confirm(t(B.confirmRemove, { name: row.name }))) {
            send({ type: "workshop.remove", learner: row.learner }); } } }, B.remove))),
    ...state.board.steps.map((s) => cellFor(row, s)), expCell(row, state.board, data.urls));
  const old = $("board-table").querySelector(`tr[data-learner="${row.learner}"]`);
  if (old) old.replaceWith(tr); else tbody().append(tr);
}

function renderRoom() {
  const items = Object.entries(state.room);
  $("room").replaceChildren(...(items.length
    ? items.map(([where, n]) => el("li", { text: t(n === 1 ? B.roomOne : B.roomMany, { where, n }) }))
    : [el("li", { text: B.roomNone })]));
}

function renderCounts() {
  const rows = [...state.rows.values()];
  const c = counts(rows);
  const n = (st) => rows.filter((r) => r.state === st).length;
  $("room-counts").textContent = t(B.counts, { ...c, stuck: n("stuck"), idle: n("idle"), done: n("done") });
}

// the summaries and counts after a row changed (the server's at board.state)
function summarise() {
  state.summaries = summaries(state.board.steps, state.rows.values());
  renderSummaries(); renderCounts();
}

function renderWhere() {
  const w = state.board.where;
  $("board-where").textContent = t(state.board.closed ? B.whereClosed : B.where, w);
  if (!state.board.closed) {
    $("present-link").href = fillUrl(data.urls.present, { lesson: w.lesson, step: w.step });
    $("present-link").title = B.presentTitle;
  }
  $("present-link").textContent = B.present;
  renderExpWhere(state.board, data.urls);
}

// paused and closed: what the controls say and whether they act
function renderControls() {
  const b = state.board;
  const pause = $("pause-btn");
  pause.textContent = b.paused ? B.resume : B.pause;
  pause.setAttribute("aria-pressed", String(!!b.paused));
  $("board-paused").hidden = !b.paused || b.closed;
  $("board-paused").textContent = b.paused ? B.paused : "";
  $("board-closed-note").hidden = !b.closed;
  $("board-closed-note").textContent = b.closed ? B.closedControls : "";
  for (const c of document.querySelectorAll(".control")) {
    c.disabled = !!b.closed;
    if (b.closed) c.title = B.closedControls;
  }
  const present = $("present-link");
  if (b.closed) { present.removeAttribute("href"); present.setAttribute("aria-disabled", "true"); present.title = B.closedControls; }
}

function renderPrepared() {
  const line = preparedLine(state.preparing, [...state.labs.values()]);
  const text = line ? t(B[line.id], line.vars) : "";
  $("prepare-status").textContent = line && line.errors ? t(B.labErrors, { text, errors: line.errors }) : text;
}

// A learner's attempts at a step, oldest first: prediction, rules, grade, permalink, spotlight.
function renderAttempts(msg) {
  const box = $("attempts");
  box.hidden = false;
  $("attempts-h").textContent = t(B.attemptsOf, { name: msg.name, lesson: msg.lesson, step: msg.step,
    n: msg.attempts.length });
  const list = $("attempts-list");
  list.replaceChildren(...(msg.attempts.length ? msg.attempts.map((a) => {
    const known = a.status in B.status;
    const pid = a.prediction_right == null ? "predictionNone" : a.prediction_right ? "predictionRight" : "predictionWrong";
    const spot = el("button", { type: "button", class: "small control spot", "data-run": a.run, title: B.spotlightTitle,
      text: B.spotlight, onclick: () => send({ type: "workshop.spotlight", run: a.run, show_name: $("show-names").checked }) });
    if (closed()) { spot.disabled = true; spot.title = B.closedControls; }
    return el("li", { class: `attempt ${a.status}${a.before_reset ? " before-reset" : ""}`, "data-run": a.run },
      el("strong", { text: t(B.attempt, { n: a.n, icon: B.statusIcon[known ? a.status : "other"],
        status: known ? B.status[a.status] : a.status, time: new Date(a.created).toLocaleTimeString() }) }),
      a.before_reset ? el("span", { class: "reset-mark", text: ` (${B.beforeReset})` }) : null,
      el("span", { class: "a-prediction", text: t(B[pid], { text: say(a.prediction_msg, a.prediction_text) }) }),
      el("span", { class: "a-rules", text: t(B.attemptRules, { text: a.rules_text }) }),
      a.died_at ? el("span", { class: "died", text: t(B.died, { where: a.died_at }) }) : null,
      el("span", { class: "a-links" }, el("a", { href: a.url, target: "_blank", rel: "noopener", text: B.permalink }), " ", spot));
  }) : [el("li", { text: B.attemptsNone })]));
  box.scrollIntoView({ block: "nearest" });
}

// the board's socket closed, or the server's channel layer is unreachable (board.status):
// controls and rows wait; board.state on the way back clears it
function reconnecting(yes) {
  $("board-status").hidden = !yes;
  $("board-status").textContent = yes ? B.reconnecting : "";
}

function onState(msg) {
  reconnecting(false);
  state.board = msg;
  state.rows = new Map(msg.rows.map((r) => [r.learner, r]));
  state.room = msg.room;           // as the server computed it
  state.summaries = msg.summaries || {};
  renderHead(); tbody().replaceChildren();
  for (const r of msg.rows) renderRow(r);
  renderRoom(); renderWhere(); renderCap(msg.lab); renderSummaries(); renderCounts(); renderControls();
}

// What this server's lab can hold, and why (its setting, or the memory available now).
function renderCap(lab) {
  const line = lab && B.cap[lab.source];
  $("board-cap").textContent = line ? t(line, { capacity: lab.capacity, available: lab.available_mib,
    per: lab.sandbox_mib }) : "";
}

// idle and stuck change with time alone: every few seconds, from the rows' timestamps
function tick() {
  if (!state.board || !state.board.thresholds) return;
  let changed = false;
  for (const r of state.rows.values()) {
    const now = learnerState(r, Date.now(), state.board.thresholds);
    if (now.state !== r.state || now.why !== r.why || now.connected !== r.connected
        || minutes(now.idle_s) !== minutes(r.idle_s)
        || minutes(now.on_step_s) !== minutes(r.on_step_s)) {
      Object.assign(r, now); renderRow(r); changed = true;
    }
  }
  if (changed) renderCounts();
}
setInterval(tick, TICK_MS);

function onMessage(msg) {
  if (msg.type === "board.state") {
    onState(msg);
  } else if (msg.type === "board.update") {
    state.rows.set(msg.row.learner, msg.row); renderRow(msg.row);
    state.room = roomOf(state.rows.values()); renderRoom(); summarise();
    const who = msg.row.learner;     // row and summary on screen at the next frame (bench/board.py)
    requestAnimationFrame(() => state.updated.set(who, Date.now()));
    const a = state.attempts;
    if (a && a.learner === msg.row.learner && !$("attempts").hidden) {
      send({ type: "board.attempts", learner: a.learner, lesson: a.lesson, step: a.step });
    }
  } else if (msg.type === "board.history") {
    renderAttempts(msg);
  } else if (msg.type === "board.removed") {
    state.rows.delete(msg.learner);
    $("board-table").querySelector(`tr[data-learner="${msg.learner}"]`)?.remove();
    state.room = roomOf(state.rows.values()); renderRoom(); summarise();
  } else if (msg.type === "board.paused") {
    state.board.paused = msg.paused; renderControls();
  } else if (msg.type === "board.where") {
    const had = state.board.experiment;
    state.board.where = msg.where; state.board.experiment = msg.experiment ?? null; renderWhere();
    for (const r of state.rows.values()) { r.with_room = r.lesson === msg.where.lesson && r.step === msg.where.step; }
    answered(msg);
    // the experiment's column comes or goes, its runs counted from now: the rows afresh
    if (had || msg.experiment) send({ type: "board.refresh" });
  } else if (msg.type === "board.prepared") {
    if (!state.preparing || state.preparing.lesson !== msg.lesson) state.labs.clear();
    state.preparing = msg; renderPrepared();
  } else if (msg.type === "board.lab") {
    // one per web process with learners of the room: its lab's ready sandboxes
    if (state.preparing && state.preparing.lesson !== msg.lesson) return;
    state.labs.set(msg.process, msg); renderPrepared();
  } else if (msg.type === "board.closed") {
    state.board.closed = true; renderWhere(); renderControls();
    for (const r of state.rows.values()) renderRow(r);
  } else if (msg.type === "board.status") {
    reconnecting(msg.state !== "live");
  } else if (msg.type === "board.error") {
    $("board-error").hidden = false; $("board-error").textContent = errorText(msg);
    answered(msg);
  }
}

$("goto-btn").addEventListener("click", () => {
  const [lesson, step] = $("goto-step").value.split(":");
  send({ type: "workshop.goto", lesson, step: Number(step) });
});
setupSend(send, () => state.board);
$("prepare-btn").addEventListener("click", () => send({ type: "workshop.prepare" }));
$("pause-btn").addEventListener("click", () => {
  send({ type: state.board && state.board.paused ? "workshop.resume" : "workshop.pause" });
});
$("close-btn").addEventListener("click", () => {
  if (confirm(B.confirmClose)) send({ type: "workshop.close" });
});
$("attempts-close").addEventListener("click", () => { $("attempts").hidden = true; state.attempts = null; });
state.socket = new JsonSocket(data.ws_path, onMessage, () => reconnecting(true)).keepOpen();
