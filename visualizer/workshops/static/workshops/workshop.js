// A learner's page in a workshop: follow the instructor (goto, spotlight), report where we are.
const seat = JSON.parse(document.getElementById("seat-data").textContent);
const here = { lesson: null, step: null };
const m = location.pathname.match(/^\/lessons\/([^/]+)\//);
if (m) { here.lesson = m[1]; here.step = Number(new URLSearchParams(location.search).get("step") || 1); }
const ahead = document.getElementById("stay-ahead");
const note = document.getElementById("seat-note");
window.nfvSeat = { messages: [] };

function go(url) { if (location.pathname + location.search !== url) location.assign(url); }

function onMessage(msg) {
  window.nfvSeat.messages.push(msg);
  if (msg.type === "workshop.goto") {
    if (ahead && ahead.checked) { note.textContent = `The room moved to ${msg.lesson} step ${msg.step}; you stay ahead.`; return; }
    go(`/lessons/${msg.lesson}/?step=${msg.step}`);
  } else if (msg.type === "workshop.spotlight") {
    go(`/runs/${msg.run}/?present=1&spotlight=1${msg.name ? "&by=" + encodeURIComponent(msg.name) : ""}`);
  } else if (msg.type === "workshop.closed") {
    note.textContent = "The instructor closed this workshop.";
  } else if (msg.type === "workshop.state" && here.lesson) {
    report();
  }
}

let socket = null;
function report() {
  if (socket && socket.readyState === 1 && here.lesson) {
    socket.send(JSON.stringify({ type: "workshop.where", lesson: here.lesson, step: here.step,
      ahead: !!(ahead && ahead.checked) }));
  }
}
function connect() {
  const proto = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${proto}://${location.host}${seat.ws_path}`);
  socket.onmessage = (e) => onMessage(JSON.parse(e.data));
  socket.onclose = () => setTimeout(connect, 1000);
}
if (ahead) ahead.addEventListener("change", report);
connect();
