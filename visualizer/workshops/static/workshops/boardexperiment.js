// The board's "Send an experiment" (issue 19). The instructor pastes an experiment's permalink
// (the experiment page's address) or its query; the board shows what it will send (where it
// starts, its traffic), sends workshop.goto with it (lesson and step: the room's step, where
// it comes back to) and shows the server's board.error, which names a bad field. While the
// room is on an experiment the board says so, offers the way back to the lesson step, and
// adds a column: each learner's runs of it since it was sent (a row's exp_* fields, from
// roomview.experiment_runs: an experiment's run is no step's cell).
import { $, el } from "../js/dom.js";
import { describe, experimentOf, roomExperimentUrl } from "../js/experimentroom.js";
import { fillUrl } from "../js/pagedata.js";
import { errorText } from "../js/phrases.js";
import { S, t } from "../js/strings.js";

const R = S.room;
let pending = false;       // a goto with an experiment is on its way: its error shows here

// the column's header, while the room is on an experiment (none otherwise)
export function expHead(board) {
  if (!board.experiment) return [];
  return [el("th", { scope: "col", class: "exp-col", title: R.colTitle, text: R.col })];
}

// the summary row's cell: how many learners ran it
export function expSummary(board, rows) {
  if (!board.experiment) return [];
  const all = [...rows];
  const ran = all.filter((r) => r.exp_runs > 0).length;
  return [el("td", { class: "summary exp-col", "data-step": "experiment" },
    el("span", { class: "sum-line", text: t(R.summary, { ran, joined: all.length }) }))];
}

// a learner's cell: how often they ran it, the latest run's first request and where it died
export function expCell(row, board, urls) {
  if (!board.experiment) return null;
  const here = row.on_experiment ? " here" : "";       // their page is the room's experiment
  if (!row.exp_runs) {
    return el("td", { class: `cell none exp-col${here}`, "data-step": "experiment", text: here ? S.board.here : R.cellNone });
  }
  const outcome = row.exp_outcome ? S.outcome[row.exp_outcome] || row.exp_outcome : null;
  return el("td", { class: `cell ran exp-col${here}`, "data-step": "experiment" },
    el("a", { href: fillUrl(urls.run, { id: row.exp_run }), target: "_blank", rel: "noopener", "data-run": row.exp_run,
      text: t(R.cell, { icon: S.board.statusIcon.ran, n: row.exp_runs }) }),
    outcome ? el("span", { class: "exp-outcome", text: t(R.outcome, { outcome }) }) : null,
    row.exp_died_at ? el("span", { class: "died", text: t(S.board.died, { where: row.exp_died_at }) }) : null,
    row.exp_same === false ? el("span", { class: "exp-changed", text: R.changed }) : null);
}

// where the room is, when on an experiment: the line, what it is, the way back, and Present
// opens the experiment page in the presenter layout
export function renderExpWhere(board, urls) {
  const on = !!board.experiment;
  $("exp-where").hidden = !on;
  $("exp-back").hidden = !on;
  if (!on) return;
  $("board-where").textContent = t(R.whereExperiment, board.where);
  if (!board.closed) $("present-link").href = `${roomExperimentUrl(urls.experiment, board.experiment, "")}&present=1`;
  $("exp-where").replaceChildren(...describe(board.experiment).map((line) => el("li", { text: line })));
}

function showError(text) {
  $("exp-error").hidden = !text;
  $("exp-error").textContent = text || "";
}

// the pasted permalink, read back and shown as it will be sent (or why it is none)
function preview(board) {
  const fields = experimentOf($("exp-link").value);
  const box = $("exp-preview");
  if (!$("exp-link").value.trim()) { box.replaceChildren(); return null; }
  if (!fields) { box.replaceChildren(el("p", { class: "form-error", text: R.notExperiment })); return null; }
  const back = board ? t(R.willSend, board.where) : "";
  box.replaceChildren(el("p", { text: back }), el("ul", {}, ...describe(fields).map((l) => el("li", { text: l }))));
  return fields;
}

// the send control: `send(msg)` the board's socket, `board()` the board's state now
export function setupSend(send, board) {
  $("exp-link").addEventListener("input", () => { showError(null); preview(board()); });
  $("exp-send").addEventListener("click", () => {
    const fields = preview(board());
    if (!fields || !board()) return;
    showError(null);
    pending = true;
    $("exp-status").textContent = R.sending;
    const { lesson, step } = board().where;
    send({ type: "workshop.goto", lesson, step, experiment: fields });
  });
  $("exp-back").addEventListener("click", () => {
    const { lesson, step } = board().where;
    send({ type: "workshop.goto", lesson, step });
  });
}

// the server's answer: board.where (sent: the room is on it) or board.error (naming the field)
export function answered(msg) {
  if (!pending) return;
  pending = false;
  $("exp-status").textContent = "";
  if (msg.type === "board.error") showError(errorText(msg));
  else if (msg.experiment) {            // sent: the form empties, an earlier refusal goes
    $("exp-link").value = ""; preview(null);
    $("board-error").hidden = true;
  }
}
