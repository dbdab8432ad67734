// A learner's page in a workshop: follow the instructor (goto, spotlight), report where we
// are. base.html loads it on every page of a seated browser; what it knows of the server
// (the socket, URL templates, the lesson step this page shows) is the seat's JSON.
import { $ } from "../js/dom.js";
import { JsonSocket } from "../js/ws.js";
import { fillUrl } from "../js/pagedata.js";
import { S, t } from "../js/strings.js";

const seat = JSON.parse($("seat-data").textContent);
const here = seat.here;          // {lesson, step} on a lesson page, else null
const ahead = $("stay-ahead");
const note = $("seat-note");
window.nfvSeat = { messages: [] };

function go(url) { if (location.pathname + location.search !== url) location.assign(url); }

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

function onMessage(msg) {
  window.nfvSeat.messages.push(msg);
  if (msg.type === "workshop.goto") {
    if (ahead && ahead.checked) { note.textContent = t(S.seat.stayAhead, msg); return; }
    go(fillUrl(seat.urls.lesson, { lesson: msg.lesson, step: msg.step }));
  } else if (msg.type === "workshop.spotlight") {
    go(spotlightUrl(msg));
  } else if (msg.type === "workshop.closed") {
    note.textContent = S.seat.closed;
  } else if (msg.type === "workshop.status") {
    reconnecting(msg.state !== "live");
  } else if (msg.type === "workshop.state") {
    reconnecting(false);
    if (here) report();
  }
}

const socket = new JsonSocket(seat.ws_path, onMessage, () => reconnecting(true));

// the server answers every (re)connect with workshop.state, which reports again
function report() {
  if (!here) return;
  socket.send({ type: "workshop.where", lesson: here.lesson, step: here.step,
    ahead: !!(ahead && ahead.checked) }).catch(() => {});
}
if (ahead) ahead.addEventListener("change", report);
socket.keepOpen();
