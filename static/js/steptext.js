// The step's text: the setup and the question until the step has run here (or a recorded run
// is shown), then the explanation and the after-the-run title. A hop the explanation names,
// [nat PREROUTING](#hop:ip:nat:prerouting) or [bridge INPUT](#hop:bridge:input@reply) (@arp:
// the first ARP request), is a
// link that selects that hop of the run in the diagram and the player.
import { firstRequest } from "./focus.js";
import { isLog } from "./fmt.js";
import { S, t } from "./strings.js";

const REF = /^#hop:([a-z]+)(?::([a-z]+))?:([a-z]+)(?:@(request|reply|arp))?$/;

// "#hop:ip:nat:prerouting@reply" -> {family, table, hook, direction}; null for any other href
export function parseHopRef(href) {
  const m = REF.exec(String(href || ""));
  if (!m) return null;
  return { family: m[1], table: m[2] || null, hook: m[3], direction: m[4] || "request" };
}

const matches = (e, ref) => e.family === ref.family && e.hook === ref.hook && (!ref.table || e.table === ref.table);

// the packet a reference is about: the step's first request, the first reply after it, or
// (@arp) the first ARP request
export function journeyFor(journeys, ref, proto) {
  if (ref.direction === "arp") return firstRequest(journeys, "arp");
  const first = firstRequest(journeys, proto);
  if (ref.direction === "request" || !first) return first;
  const replies = (journeys || []).filter((j) => j.direction === "reply" && (!proto || j.proto === proto))
    .sort((a, b) => (a.first_seq ?? 0) - (b.first_seq ?? 0));
  return replies[0] || null;
}

// the index in `list` of the hop a reference names: that packet's first matching kernel event
// (a trace event before a log line or a probe), else any packet's; -1 when there is none
export function findHop(list, ref, { journeys = [], proto = null } = {}) {
  const j = journeyFor(journeys, ref, proto);
  const rank = (e) => (e.probe ? 2 : isLog(e) ? 1 : 0);
  const best = (keep) => {
    let k = -1;
    list.forEach((e, i) => { if (keep(e) && matches(e, ref) && (k < 0 || rank(e) < rank(list[k]))) k = i; });
    return k;
  };
  const inJourney = j ? best((e) => e.journey === j.id) : -1;
  return inJourney >= 0 ? inJourney : best(() => true);
}

export class StepText {
  // els: {title, before, after, reveal}; select(i): show hop i of the timeline (the player's seek)
  constructor({ store, els, proto, recorded, ranBefore, select, announce }) {
    this.store = store;
    this.announce = announce;
    this.els = els;
    this.proto = proto;
    this.select = select;
    this.shown = false;
    if (els.after) els.after.addEventListener("click", (e) => this.onClick(e));
    if (els.reveal) {
      els.reveal.hidden = !ranBefore || recorded;
      els.reveal.textContent = S.steptext.reveal;
      els.reveal.addEventListener("click", () => this.show());
    }
    if (recorded) this.show();
    store.on(["result"], (s) => { if (s.result && !s.running) this.show(); });
  }

  show() {
    if (this.shown || !this.els.after) return;
    this.shown = true;
    const { title, before, after, reveal } = this.els;
    after.hidden = false;
    if (before) before.classList.add("answered");
    if (reveal) reveal.hidden = true;
    if (title && after.dataset.title) title.textContent = after.dataset.title;
    for (const a of after.querySelectorAll("a[href^='#hop:']")) {
      a.classList.add("hop-ref");
      a.setAttribute("role", "button");
      a.title = S.steptext.hopTitle;
    }
  }

  onClick(e) {
    const a = e.target.closest("a[href^='#hop:']");
    if (!a) return;
    e.preventDefault();
    const ref = parseHopRef(a.getAttribute("href"));
    if (!ref) return;
    const get = () => this.store.get();
    const opts = { journeys: get().journeys, proto: this.proto };
    const j = journeyFor(opts.journeys, ref, this.proto);
    if (get().selected && j && get().selected !== j.id) this.store.set({ selected: null });
    let k = findHop(get().timeline, ref, opts);
    if (k < 0 && findHop(get().events, ref, opts) >= 0) {      // a hidden hop (a probe, ARP): show them
      this.store.set({ showHidden: true });
      k = findHop(get().timeline, ref, opts);
    }
    if (k < 0) { a.title = S.steptext.hopMissing; a.classList.add("hop-missing"); return; }
    this.select(k);
    // bring the selected box into view, moving the page as little as it takes
    const box = document.querySelector("svg.diagram [data-box].current");
    if (box && !document.body.classList.contains("present")) box.scrollIntoView({ block: "nearest", inline: "nearest" });
    if (this.announce) this.announce(t(S.steptext.selected, { hop: a.textContent }));
  }
}
