// The instructor's board: one row per learner, one column per step, live over the board's
// websocket (page_data.ws_path). The server computes rows and the room view; see room.js.
import { $, el } from "../js/dom.js";
import { JsonSocket } from "../js/ws.js";
import { S, t } from "../js/strings.js";
import { preparedLine, roomOf } from "./room.js";

const B = S.board;
const data = JSON.parse($("page-data").textContent);
const state = { board: null, rows: new Map(), room: {}, socket: null, labs: new Map(), preparing: null };
window.nfvBoard = state;     // for tests and the curious

const stepKey = (s) => `${s.lesson}:${s.step}`;
const tbody = () => $("board-table").querySelector("tbody");

// the socket reopens by itself and board.state then redraws: a message lost meanwhile is dropped
function send(msg) { state.socket.send(msg).catch(() => {}); }

function renderHead() {
  const tr = $("board-table").querySelector("thead tr");
  tr.replaceChildren(el("th", { scope: "col", text: B.learner }),
    ...state.board.steps.map((s) => el("th", { scope: "col", title: s.title,
      text: t(s.try_it ? B.stepTryIt : B.step, { lesson: s.lesson, step: s.step }) })));
  const sel = $("goto-step");
  sel.replaceChildren(...state.board.steps.map((s) => el("option", { value: stepKey(s),
    text: t(B.option, { lesson: s.lesson, step: s.step, title: s.title }) })));
  sel.value = stepKey(state.board.where);
}

function cellText(c) {
  const known = c.status in B.status;
  const vars = { icon: known ? B.statusIcon[c.status] : B.statusIcon.other,
    status: known ? B.status[c.status] : c.status };
  const id = c.prediction_right == null ? "cell" : c.prediction_right ? "cellRight" : "cellWrong";
  return t(B[id], vars);
}

function cellFor(row, s) {
  const c = row.cells[stepKey(s)];
  const here = row.lesson === s.lesson && row.step === s.step;
  if (!c) return el("td", { class: "cell none" + (here ? " here" : ""), text: here ? B.here : "" });
  const rule = c.rules && c.rules.length ? el("code", { class: "rule", text: c.rules.join(" ; ") }) : null;
  return el("td", { class: `cell ${c.status}` + (here ? " here" : "") },
    el("button", { type: "button", class: "spot", title: B.spotTitle, "data-run": c.run,
      onclick: () => send({ type: "workshop.spotlight", run: c.run, show_name: $("show-names").checked }) },
    cellText(c)),
    c.died_at ? el("span", { class: "died", text: t(B.died, { where: c.died_at }) }) : null, rule);
}

function renderRow(row) {
  const tr = el("tr", { "data-learner": row.learner },
    el("th", { scope: "row" }, row.name, row.ahead ? el("span", { class: "ahead", text: B.ahead }) : null,
      !row.with_room && !row.ahead ? el("span", { class: "away", text: B.away }) : null),
    ...state.board.steps.map((s) => cellFor(row, s)));
  const old = $("board-table").querySelector(`tr[data-learner="${row.learner}"]`);
  if (old) old.replaceWith(tr); else tbody().append(tr);
}

function renderRoom() {
  const items = Object.entries(state.room);
  $("room").replaceChildren(...(items.length
    ? items.map(([where, n]) => el("li", { text: t(n === 1 ? B.roomOne : B.roomMany, { where, n }) }))
    : [el("li", { text: B.roomNone })]));
}

function renderWhere() {
  const w = state.board.where;
  $("board-where").textContent = t(state.board.closed ? B.whereClosed : B.where, w);
}

function renderPrepared() {
  const line = preparedLine(state.preparing, [...state.labs.values()]);
  const text = line ? t(B[line.id], line.vars) : "";
  $("prepare-status").textContent = line && line.errors ? t(B.labErrors, { text, errors: line.errors }) : text;
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
  renderHead(); tbody().replaceChildren();
  for (const r of msg.rows) renderRow(r);
  renderRoom(); renderWhere(); renderCap(msg.lab);
}

// What this server's lab can hold, and why (its setting, or the memory available now).
function renderCap(lab) {
  const line = lab && B.cap[lab.source];
  $("board-cap").textContent = line ? t(line, { capacity: lab.capacity, available: lab.available_mib,
    per: lab.sandbox_mib }) : "";
}

function onMessage(msg) {
  if (msg.type === "board.state") {
    onState(msg);
  } else if (msg.type === "board.update") {
    state.rows.set(msg.row.learner, msg.row); renderRow(msg.row);
    state.room = roomOf(state.rows.values()); renderRoom();
  } else if (msg.type === "board.where") {
    state.board.where = msg.where; renderWhere();
    for (const r of state.rows.values()) { r.with_room = r.lesson === msg.where.lesson && r.step === msg.where.step; }
  } else if (msg.type === "board.prepared") {
    if (!state.preparing || state.preparing.lesson !== msg.lesson) state.labs.clear();
    state.preparing = msg; renderPrepared();
  } else if (msg.type === "board.lab") {
    // one per web process with learners of the room: its lab's ready sandboxes
    if (state.preparing && state.preparing.lesson !== msg.lesson) return;
    state.labs.set(msg.process, msg); renderPrepared();
  } else if (msg.type === "board.closed") {
    state.board.closed = true; renderWhere();
  } else if (msg.type === "board.status") {
    reconnecting(msg.state !== "live");
  } else if (msg.type === "board.error") {
    $("board-error").hidden = false; $("board-error").textContent = msg.message;
  }
}

$("goto-btn").addEventListener("click", () => {
  const [lesson, step] = $("goto-step").value.split(":");
  send({ type: "workshop.goto", lesson, step: Number(step) });
});
$("prepare-btn").addEventListener("click", () => send({ type: "workshop.prepare" }));
$("close-btn").addEventListener("click", () => {
  if (confirm(B.confirmClose)) send({ type: "workshop.close" });
});
state.socket = new JsonSocket(data.ws_path, onMessage, () => reconnecting(true)).keepOpen();
