// A compare step (lesson.toml's compare): the same traffic under several docker rulesets, one
// run after the other, side by side: the chains each request crossed, as the kernel traced
// them, and each outcome. The chains differ; whether the outcome does is what the runs show.
import { el } from "./dom.js";
import { chainLabel } from "./fmt.js";
import { outcomeText } from "./journeys.js";
import { dockerName } from "./dockerswitch.js";
import { S, t } from "./strings.js";

// The first request of the step's protocol in a run: the chains it entered, in order (the
// kernel's own trace events, the sandbox's probes left out), its outcome and its reply's.
export function sideOf(events, journeys, proto) {
  const first = journeys.find((j) => j.direction === "request" && (!proto || j.proto === proto));
  if (!first) return null;
  const reply = journeys.find((j) => j.direction === "reply" && j.flow != null && j.flow === first.flow);
  const chains = [];
  for (const e of events) {
    if (e.journey !== first.id || e.source !== "nftrace" || e.probe) continue;
    const label = chainLabel(e);
    if (chains[chains.length - 1] !== label) chains.push(label);
  }
  return { summary: first.summary, chains, outcome: outcomeText(first), reply: reply ? outcomeText(reply) : null };
}

export class Compare {
  constructor(root, info, { proto, switcher, run }) {
    this.root = root;
    this.names = (info && info.compare) || [];
    this.proto = proto;
    this.switcher = switcher;
    this.run = run;
    this.sides = {};
    this.queue = [];
    if (!root || !this.names.length) return;
    root.hidden = false;
    this.render();
  }

  runAll() {
    this.queue = this.names.slice(1);
    this.switcher.set(this.names[0]);
    this.run();
  }

  onResult(result, events, journeys) {
    if (!this.names.length || !this.names.includes(result.docker)) return;
    this.sides[result.docker] = { ...sideOf(events, journeys, this.proto), run: result.run };
    this.render();
    const next = this.queue.shift();
    if (next) { this.switcher.set(next); setTimeout(() => this.run(), 400); }
  }

  render() {
    const C = S.compare;
    const names = this.names;
    const head = el("tr", {}, el("th", { scope: "col", text: "" }),
      ...names.map((n) => el("th", { scope: "col", text: dockerName(n) })));
    const cell = (n, fn) => { const s = this.sides[n]; return el("td", {}, s ? fn(s) : el("span", { class: "hint", text: C.notRun })); };
    const rows = [
      [C.chains, (s) => el("ol", { class: "compare-chains" }, ...s.chains.map((c) => el("li", { text: c })))],
      [C.outcome, (s) => el("span", { text: s.outcome })],
      [C.reply, (s) => el("span", { text: s.reply || C.noReply })],
    ].map(([label, fn]) => el("tr", {}, el("th", { scope: "row", text: label }), ...names.map((n) => cell(n, fn))));
    const btn = el("button", { type: "button", id: "compare-run", class: "small",
      text: t(C.runAll, { names: names.map(dockerName).join(" → ") }), onclick: () => this.runAll() });
    this.root.replaceChildren(el("h2", { id: "compare-h", text: C.heading }), el("p", { class: "hint", text: C.note }), btn,
      el("div", { class: "compare-scroll" }, el("table", { class: "compare" }, el("thead", {}, head), el("tbody", {}, ...rows))));
  }
}
