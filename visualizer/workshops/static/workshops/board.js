// The instructor's board: one row per learner, one column per step, live over /ws/board/<code>/.
const data = JSON.parse(document.getElementById("page-data").textContent);
const $ = (id) => document.getElementById(id);
const state = { board: null, rows: new Map(), socket: null, labs: new Map(), preparing: null };
window.nfvBoard = state;

const STATUS = { passed: ["✓", "passed"], failed: ["✕", "failed"], ran: ["•", "ran"],
  running: ["…", "running"] };

function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v != null) e.setAttribute(k, v);
  }
  e.append(...kids.filter((k) => k != null));
  return e;
}

function stepKey(s) { return `${s.lesson}:${s.step}`; }

function renderHead() {
  const tr = $("board-table").querySelector("thead tr");
  tr.replaceChildren(el("th", { scope: "col", text: "Learner" }),
    ...state.board.steps.map((s) => el("th", { scope: "col", title: s.title,
      text: `${s.lesson} ${s.step}${s.try_it ? " (try it)" : ""}` })));
  const sel = $("goto-step");
  sel.replaceChildren(...state.board.steps.map((s) => el("option", { value: stepKey(s),
    text: `${s.lesson} · step ${s.step}: ${s.title}` })));
  sel.value = stepKey(state.board.where);
}

function cellFor(row, s) {
  const c = row.cells[stepKey(s)];
  const here = row.lesson === s.lesson && row.step === s.step;
  if (!c) return el("td", { class: "cell none" + (here ? " here" : ""), text: here ? "here" : "" });
  const [icon, label] = STATUS[c.status] || ["?", c.status];
  const pred = c.prediction_right == null ? "" : c.prediction_right ? " · predicted ✓" : " · predicted ✕";
  const rule = c.rules && c.rules.length ? el("code", { class: "rule", text: c.rules.join(" ; ") }) : null;
  return el("td", { class: `cell ${c.status}` + (here ? " here" : "") },
    el("button", { type: "button", class: "spot", title: "spotlight this run",
      "data-run": c.run, onclick: () => send({ type: "workshop.spotlight", run: c.run,
        show_name: $("show-names").checked }) }, `${icon} ${label}${pred}`),
    c.died_at ? el("span", { class: "died", text: ` died in ${c.died_at}` }) : null, rule);
}

function renderRow(row) {
  const tr = el("tr", { "data-learner": row.learner },
    el("th", { scope: "row" }, row.name, row.ahead ? el("span", { class: "ahead", text: " (ahead)" }) : null,
      !row.with_room && !row.ahead ? el("span", { class: "away", text: " (elsewhere)" }) : null),
    ...state.board.steps.map((s) => cellFor(row, s)));
  const old = $("board-table").querySelector(`tr[data-learner="${row.learner}"]`);
  if (old) old.replaceWith(tr); else $("board-table").querySelector("tbody").append(tr);
}

function renderRoom() {
  const counts = {};
  for (const row of state.rows.values()) {
    for (const c of Object.values(row.cells)) if (c.died_at) counts[c.died_at] = (counts[c.died_at] || 0) + 1;
  }
  const items = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  $("room").replaceChildren(...(items.length ? items.map(([where, n]) =>
    el("li", { text: `${where}: ${n} learner${n === 1 ? "" : "s"}` }))
    : [el("li", { text: "no packet has died yet" })]));
}

function renderWhere() {
  const w = state.board.where;
  $("board-where").textContent = `The room is on ${w.lesson}, step ${w.step}.` +
    (state.board.closed ? " This workshop is closed." : "");
}

function onMessage(msg) {
  if (msg.type === "board.state") {
    state.board = msg;
    state.rows = new Map(msg.rows.map((r) => [r.learner, r]));
    renderHead(); $("board-table").querySelector("tbody").replaceChildren();
    for (const r of msg.rows) renderRow(r);
    renderRoom(); renderWhere();
  } else if (msg.type === "board.update") {
    state.rows.set(msg.row.learner, msg.row); renderRow(msg.row); renderRoom();
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
  } else if (msg.type === "board.error") {
    $("board-error").hidden = false; $("board-error").textContent = msg.message;
  }
}

function renderPrepared() {
  const labs = [...state.labs.values()];
  const sum = (k) => labs.reduce((n, l) => n + (l[k] || 0), 0);
  const p = state.preparing;
  let text = p ? `Preparing ${p.lesson} for the room (${p.count} seats)` : "";
  if (labs.length && sum("target") === 0) {
    text = `No learner of the room is connected: press Prepare once they have joined (capacity ${sum("capacity")})`;
  } else if (labs.length) {
    text = `${sum("ready")} of ${sum("target")} sandboxes ready for ${labs[0].lesson}` +
      ` on ${labs.length} server${labs.length > 1 ? "s" : ""} (capacity ${sum("capacity")})`;
  }
  const failed = labs.filter((l) => l.error);
  if (failed.length) text += ` · ${failed.map((l) => l.error).join("; ")}`;
  $("prepare-status").textContent = text;
}

function send(msg) { if (state.socket && state.socket.readyState === 1) state.socket.send(JSON.stringify(msg)); }

function connect() {
  const proto = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${proto}://${location.host}${data.ws_path}`);
  state.socket = ws;
  ws.onmessage = (e) => onMessage(JSON.parse(e.data));
  ws.onclose = () => setTimeout(connect, 1000);
}

$("goto-btn").addEventListener("click", () => {
  const [lesson, step] = $("goto-step").value.split(":");
  send({ type: "workshop.goto", lesson, step: Number(step) });
});
$("prepare-btn").addEventListener("click", () => send({ type: "workshop.prepare" }));
$("close-btn").addEventListener("click", () => {
  if (confirm("Close this workshop? Learners can no longer join.")) send({ type: "workshop.close" });
});
connect();
