// The experiment page: the form (prefilled from the permalink), the topology's nodes to
// pick the traffic's source and destination, lab.experiment over the lab websocket, and
// the run's result (its journeys, grade and links) with the URL set to the permalink.
import { $, el } from "./dom.js";
import { fieldsOf, permalink, pick } from "./experimentform.js";
import { renderJourneys } from "./journeys.js";
import { fillUrl, runUrls } from "./pagedata.js";
import { renderResult } from "./result.js";
import { S } from "./strings.js";
import { JsonSocket } from "./ws.js";

const data = JSON.parse($("page-data").textContent);
const nodes = data.nodes || [];
const exp = data.experiment || {};
const first = (exp.traffic || [])[0] || {};
let picked = { next: "from" };
let events = [];

function fillForm() {
  $("exp-from").replaceChildren(...nodes.map((n) => el("option", { value: n.name, text: n.name })));
  $("exp-addrs").replaceChildren(...nodes.flatMap((n) => n.addresses.map((a) => el("option", { value: a, text: `${a} (${n.name})` }))));
  if (first.from) $("exp-from").value = first.from;
  $("exp-to").value = first.to || "";
  $("exp-proto").value = first.proto || "icmp";
  $("exp-port").value = first.port ?? "";
  $("exp-count").value = first.count ?? 1;
  $("exp-sysctls").value = (exp.sysctls || []).map((s) => `${s.ns && s.ns !== "host" ? `${s.ns}:` : ""}${s.name}=${s.value}`).join("\n");
  $("exp-listeners").value = (exp.listeners || []).map((x) => `${x.ns}:${x.proto}:${x.port}`).join("\n");
  $("exp-nodes").replaceChildren(el("span", { class: "hint", text: S.experiment.pick }), " ",
    ...nodes.map((n) => el("button", { type: "button", class: "small node", "data-node": n.name, text: n.name,
      onclick: () => onPick(n.name) })));
}

function onPick(name) {
  picked = pick({ ...picked, from: $("exp-from").value }, name, nodes);
  $("exp-from").value = picked.from;
  if (picked.next === "from" && picked.to) $("exp-to").value = picked.to;
}

function values() {
  const v = (id) => $(id).value;
  return { base: v("exp-base"), from: v("exp-from"), to: v("exp-to"), proto: v("exp-proto"), port: v("exp-port"),
    count: v("exp-count"), rules: v("exp-rules"), sysctls: v("exp-sysctls"), listeners: v("exp-listeners") };
}

function showError(text) {
  $("error").hidden = !text;
  $("error").textContent = text || "";
}

function showResult(msg) {
  const urls = runUrls(data.urls, msg.run);
  const journeys = msg.journeys || [];
  const counts = {};
  for (const ev of events) counts[ev.journey] = (counts[ev.journey] || 0) + 1;
  const ul = el("ul", { class: "journeys", id: "exp-journeys" });
  const res = el("div", { class: "result", id: "result" });
  $("exp-result").replaceChildren(ul, res);
  // a journey's story (the explanations) under it: the first told one, then the one clicked
  const told = journeys.find((j) => (j.story || []).length);
  const draw = (id) => renderJourneys(ul, { journeys, total: events.length, counts, selected: id, first: null,
    storyOf: id ?? (told && told.id), onSelect: draw });
  draw(null);
  renderResult(res, msg, { urls, recorded: true, next: null, home: data.urls.home });
  if (msg.run) {
    res.append(el("p", {}, el("a", { id: "exp-save", href: fillUrl(data.urls.lesson_zip, { id: msg.run }),
      text: S.experiment.saveLesson })));
  }
}

function onMessage(msg) {
  if (msg.type === "lab.status") $("exp-status").textContent = msg.detail || msg.status;
  else if (msg.type === "trace.event") events.push(msg.event);
  else if (msg.type === "trace.events") events.push(...(msg.events || []));
  else if (msg.type === "lab.result") {
    $("exp-status").textContent = msg.ok ? S.run.done : S.run.doneBad;
    $("exp-run").disabled = false;
    showResult(msg);
  } else if (msg.type === "lab.error") {
    $("exp-status").textContent = S.run.error;
    $("exp-run").disabled = false;
    showError(msg.message);
  }
}

const socket = new JsonSocket(data.ws_path, onMessage, () => {
  if ($("exp-run").disabled) { $("exp-run").disabled = false; showError(S.run.closed); }
});

$("exp-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  if ($("exp-run").disabled) return;
  const fields = fieldsOf(values());
  showError(null);
  events = [];
  $("exp-result").replaceChildren();
  $("exp-run").disabled = true;
  $("exp-status").textContent = S.run.running;
  history.replaceState(null, "", permalink(data.urls.page, fields));
  try {
    await socket.send({ type: "lab.experiment", ...fields, batch: true });
  } catch (err) {
    $("exp-run").disabled = false;
    showError(err.message);
  }
});

fillForm();
