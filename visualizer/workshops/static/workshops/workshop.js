// A learner's page in a workshop: follow the instructor (goto, spotlight, pause, reset),
// report where we are. base.html loads it on every page of a seated browser; what it knows
// of the server (the socket, URL templates, the lesson step this page shows, the spotlit
// run shown here) is the seat's JSON.
import { $, el } from "../js/dom.js";
import { JsonSocket } from "../js/ws.js";
import { fillUrl } from "../js/pagedata.js";
import { S, t } from "../js/strings.js";
import { GOTO_EVENT, roomExperimentUrl } from "../js/experimentroom.js";

const seat = JSON.parse($("seat-data").textContent);
// {lesson, step} on a lesson page, {experiment: true} on the room's experiment page, else null
const here = seat.here;
let roomAt = null;               // the room's step (workshop.state): the experiment page reports it
const ahead = $("stay-ahead");
const note = $("seat-note");
const MINE = "nfv-my-step";      // the learner's own step, for the spotlight's way back
const FOLLOWED = "nfv-room-experiment";   // the room's experiment this tab was sent to
window.nfvSeat = { messages: [], paused: false };

document.head.append(el("link", { rel: "stylesheet", href: new URL("./workshop.css", import.meta.url).href }));
if (here && here.lesson) sessionStorage.setItem(MINE, JSON.stringify(here));

function go(url) { if (location.pathname + location.search !== url) location.assign(url); }
const lessonUrl = (w) => fillUrl(seat.urls.lesson, { lesson: w.lesson, step: w.step });

// the room's experiment (an extra step): the experiment page, filled in, opened for the room
function experimentUrl(experiment) {
  sessionStorage.setItem(FOLLOWED, JSON.stringify(experiment));
  return roomExperimentUrl(seat.urls.experiment, experiment, seat.code);
}

function spotlightUrl(msg) {
  const url = fillUrl(seat.urls.spotlight, { id: msg.run });
  return msg.name ? `${url}&by=${encodeURIComponent(msg.name)}` : url;
}

// the room's messages wait while the server is away (its socket closed, or its channel
// layer unreachable: workshop.status); workshop.state on the way back clears the note
function reconnecting(yes) {
  if (yes) note.textContent = S.seat.reconnecting;
  else if (note.textContent === S.seat.reconnecting) note.textContent = "";
}

// Paused by the instructor: the Run button waits (the server refuses a run meanwhile,
// lab.error busy); lesson.js may set the button again as a run ends, so it is held.
let holder = null;
function hold(btn) {
  btn.setAttribute("aria-disabled", "true");
  btn.classList.add("is-disabled", "room-paused");
  btn.title = S.seat.paused;
}
function paused(yes) {
  window.nfvSeat.paused = yes;
  document.body.classList.toggle("room-paused", yes);
  const btn = $("run-btn");
  const said = $("room-paused-note");
  if (yes) {
    note.textContent = S.seat.paused;
    if (!btn) return;
    hold(btn);
    // said next to the Run button too: the banner may be scrolled away
    if (!said) btn.parentElement.after(el("p", { id: "room-paused-note", class: "room-paused-note",
      role: "status", text: S.seat.paused }));
    holder = holder || new MutationObserver(() => {
      if (window.nfvSeat.paused && btn.getAttribute("aria-disabled") !== "true") hold(btn);
    });
    holder.observe(btn, { attributes: true, attributeFilter: ["aria-disabled"] });
  } else {
    if (note.textContent === S.seat.paused) note.textContent = "";
    if (said) said.remove();
    if (holder) holder.disconnect();
    if (btn && btn.classList.contains("room-paused")) {
      btn.classList.remove("is-disabled", "room-paused");
      btn.setAttribute("aria-disabled", "false");
      btn.removeAttribute("title");
    }
  }
}

// Spotlight: this page shows a run of the room, not the learner's own; say so, with the
// run's prediction and rules labelled as the run's, and a way back to their own step.
function spotlightBanner(spot, where) {
  const mine = JSON.parse(sessionStorage.getItem(MINE) || "null") || where;
  const banner = el("section", { class: "spotlight-banner", id: "spotlight-banner", role: "region",
    "aria-label": S.seat.spotlight },
  el("h2", { text: spot.name ? t(S.seat.spotlightBy, { name: spot.name }) : S.seat.spotlight }),
  el("p", { class: "spot-note", text: S.seat.spotlightNote }),
  el("p", { class: "spot-prediction", text: t(S.seat.spotlightPrediction, { text: spot.prediction_text }) }),
  el("p", { class: "spot-rules", text: t(S.seat.spotlightRules, { text: spot.rules_text }) }),
  mine ? el("a", { class: "button", id: "spotlight-back", href: lessonUrl(mine), text: S.seat.back }) : null);
  const old = $("spotlight-banner");
  if (old) old.replaceWith(banner); else document.querySelector("main").prepend(banner);
}
if (seat.spotlit) spotlightBanner(seat.spotlit, null);

function onMessage(msg) {
  window.nfvSeat.messages.push(msg);
  if (msg.type === "workshop.goto") {
    if (ahead && ahead.checked) {
      note.textContent = msg.experiment ? S.room.stayAhead : t(S.seat.stayAhead, msg);
      return;
    }
    const url = msg.experiment ? experimentUrl(msg.experiment) : lessonUrl(msg);
    // the experiment page opened for the room follows it itself (experimentroom.js joinRoom)
    if (window.dispatchEvent(new CustomEvent(GOTO_EVENT, { detail: { url, msg }, cancelable: true }))) go(url);
  } else if (msg.type === "workshop.spotlight") {
    go(spotlightUrl(msg));
  } else if (msg.type === "workshop.paused") {
    paused(msg.paused);
  } else if (msg.type === "workshop.reset") {
    // start the step again: its page afresh (the server no longer counts the old attempts)
    if (here && here.lesson === msg.lesson && here.step === msg.step) location.reload();
    else note.textContent = S.seat.reset;
  } else if (msg.type === "workshop.removed") {
    note.textContent = S.seat.removed;
    paused(false);
    socket.retryMs = 0;          // the server closes this socket: no reconnecting
    socket.drop();
  } else if (msg.type === "workshop.closed") {
    note.textContent = S.seat.closed;
    paused(false);
  } else if (msg.type === "workshop.status") {
    reconnecting(msg.state !== "live");
  } else if (msg.type === "workshop.state") {
    reconnecting(false);
    roomAt = msg.where;
    paused(!!msg.paused && !msg.closed);
    if (seat.spotlit) spotlightBanner(seat.spotlit, msg.where);
    if (here) report();
    // on the room's step while the room is on an experiment this tab was not sent to yet
    const onStep = here && here.lesson === msg.where.lesson && here.step === msg.where.step;
    if (msg.experiment && onStep && !(ahead && ahead.checked)
        && sessionStorage.getItem(FOLLOWED) !== JSON.stringify(msg.experiment)) go(experimentUrl(msg.experiment));
    // the room's experiment page, once the room has gone back to its step (a goto missed)
    else if (here && here.experiment && !msg.experiment && !(ahead && ahead.checked)) go(lessonUrl(msg.where));
  }
}

const socket = new JsonSocket(seat.ws_path, onMessage, () => reconnecting(true));

// the server answers every (re)connect with workshop.state, which reports again
let reported = 0;
function report() {
  const at = here && here.experiment ? roomAt : here;
  if (!at) return;
  reported = Date.now();
  socket.send({ type: "workshop.where", lesson: at.lesson, step: at.step, ahead: !!(ahead && ahead.checked),
    ...(here.experiment ? { experiment: true } : {}) }).catch(() => {});
}
if (ahead) ahead.addEventListener("change", report);
// Working on the step (predicting, typing rules, stepping through the replay) is not
// idle: the page says it is here again, at most once a minute (the board's idle is 3).
const ACTIVE_EVERY_MS = 60_000;
for (const type of ["pointerdown", "keydown", "input"]) {
  document.addEventListener(type, () => { if (Date.now() - reported > ACTIVE_EVERY_MS) report(); },
    { capture: true, passive: true });
}
socket.keepOpen();
