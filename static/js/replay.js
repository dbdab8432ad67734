// The hop-by-hop replay of a run, as the lesson page and the experiment page show it: one
// store, the diagram, the player, the event log, the inspector, the journeys and the
// sandbox panes (rules, conntrack, captures), wired together. The pages add what is their
// own (the lesson's prediction and step text; the experiment's form) and feed it runs.
import { $ } from "./dom.js";
import { Store } from "./store.js";
import { makeModel } from "./model.js";
import { Diagram } from "./diagram.js";
import { Player } from "./player.js";
import { boxDetail, eventText, isDrop, isLog, natDiff } from "./fmt.js";
import { buildTimeline, foldLogs, hiddenCounts, natMarks, packetSoFar, reachedIfaces, startIndex, firstRequest } from "./focus.js";
import { EventLog, journeysFromEvents, renderJourneys } from "./journeys.js";
import { renderInspector } from "./inspector.js";
import { renderCaptures, renderConntrack, renderOutput, renderRules } from "./sandbox.js";
import { Announcer, renderCaption, renderHiddenToggle, renderLogsToggle, renderPlayer, wireCopyLog, wireKeys, wirePlayer } from "./controls.js";
import { wireTabs } from "./tabs.js";
import { Zoom, wireBench, wirePresenter } from "./layout.js";
import { S, t } from "./strings.js";

// a journey dropped with no drop verdict (the kernel's re-route after a DNAT): at its last
// reported hop, where it died
function killedAfter(j, allHops, ev) {
  if (!j || j.outcome !== "dropped" || !j.drop_at || allHops.some(isDrop)) return null;
  const last = allHops.filter((e) => !isLog(e)).pop();
  return last && ev && ev.seq >= last.seq ? (j.outcome_detail || j.drop_at) : null;
}

export class Replay {
  // data: page_data (model); proto: the protocol whose first request the replay starts at;
  // state: the page's own store keys; idle: the caption before any run; storyOf(state): the
  // journey whose story the journeys pane tells (the selected one)
  constructor({ data, proto = null, recorded = false, state = {}, idle = S.caption.idle, storyOf = (s) => s.selected }) {
    this.model = makeModel(data.model);
    this.proto = proto;
    this.recorded = recorded;
    this.idle = idle;
    this.storyOf = storyOf;
    this.svg = document.querySelector("svg.diagram");
    this.diagram = new Diagram(this.svg, this.model);
    this.store = new Store({
      events: [], journeys: [], result: null, output: [], command: null, selected: null,
      showHidden: false, logsApart: false, timeline: [], i: -1, playing: false, via: null, speed: 1, running: false,
      statuses: [], visits: [], urls: null, ...state,
    });
    // for tests and the curious: window.nfv.events, .result, .visits, .timeline, ...
    window.nfv = new Proxy({}, { get: (_, k) => (k === "store" ? this.store : this.get()[k]) });
    this.player = new Player(this.store);
    this.announcer = new Announcer($("announce"));
    this.log = new EventLog($("log"), (i) => this.seek(i));
    this.zoom = new Zoom($("diagram-scroll"), this.svg);
    this.intercept = null;         // (boxKey) => true when the page took a click on a box
    this.folded = new Map();
    this.foldedOf = new Map();
    this.lastI = -1;
    this.tabs = wireTabs(document.querySelector("[role=tablist]"), () => this.renderSide());
    this.derive();
    this.render();
    this.wire();
  }

  get() { return this.store.get(); }

  journeyOf(id) { return this.get().journeys.find((j) => j.id === id); }

  seek(i) { this.player.pause(); this.player.seek(i, "seek"); }

  // the next hop of the same packet, in kernel order (to see what a NAT table changed)
  nextHop(ev) {
    const evs = this.get().events;
    for (let j = evs.indexOf(ev) + 1; j < evs.length; j++) {
      const n = evs[j];
      if (n.journey === ev.journey && n.src != null && !isLog(n)) return n;   // log reports lag behind
    }
    return null;
  }

  natFor(ev) { return ev.table === "nat" ? natDiff(ev, this.nextHop(ev)) : []; }

  withLogs(hops) { return this.get().logsApart ? hops : hops.flatMap((e) => [e, ...(this.foldedOf.get(e) || [])]); }

  // NFLOG lines folded into the trace hop of the same packet and chain, and the timeline
  derive() {
    const store = this.store;
    store.on(["events"], (s) => {
      this.folded = foldLogs(s.events);
      this.foldedOf = new Map();
      for (const [l, host] of this.folded) this.foldedOf.set(host, [...(this.foldedOf.get(host) || []), l]);
    });
    store.on(["events", "selected", "showHidden", "logsApart"], (s, changed) => {
      const cur = s.timeline[s.i];
      const timeline = buildTimeline(s.events, { journey: s.selected, showHidden: s.showHidden,
        folded: s.logsApart ? null : this.folded });
      let i = s.i;
      if (changed.has("selected")) i = timeline.length ? 0 : -1;
      else if (changed.has("showHidden") || changed.has("logsApart")) {
        const at = cur && this.folded.has(cur) ? this.folded.get(cur) : cur;
        i = at ? Math.max(0, timeline.findIndex((e) => e.seq >= at.seq)) : s.i;
      }
      store.set({ timeline, i: Math.min(i, timeline.length - 1) });
    });
  }

  render() {
    const store = this.store;
    store.on(["timeline"], (s) => this.log.sync(s.timeline));     // before the hop is marked in it
    store.on(["i", "timeline", "journeys"], (s) => this.showHop(s));
    store.on(["i", "timeline", "playing"], (s) => renderPlayer(s));
    // a run ended with nothing to show (an error): the caption says so, not "receiving"
    store.on(["running"], (s) => { if (!s.running && !s.timeline[s.i]) renderCaption(null, null, this.captionFallback()); });
    store.on(["i", "playing"], (s, changed) => this.announcer.onPlayer(s, changed));
    store.on(["journeys", "events", "selected"], (s) => {
      const counts = {};
      for (const e of s.events) counts[e.journey] = (counts[e.journey] || 0) + 1;
      const first = firstRequest(s.journeys, this.proto);
      renderJourneys($("journeys"), { journeys: s.journeys, total: s.events.length, counts, selected: s.selected,
        first: first && first.id, onSelect: (id) => this.selectJourney(id), storyOf: this.storyOf(s) });
    });
    store.on(["events", "selected", "showHidden"], (s) => {
      renderHiddenToggle($("hidden-toggle"), hiddenCounts(s.events, { journey: s.selected }), s.showHidden);
    });
    store.on(["events", "selected", "logsApart"], (s) => {
      let n = 0;
      for (const l of this.folded.keys()) if (s.selected == null || l.journey === s.selected) n += 1;
      renderLogsToggle($("logs-toggle"), n, s.logsApart);
    });
  }

  showHop(s) {
    const { diagram, model } = this;
    const ev = s.timeline[s.i];
    const j = ev ? this.journeyOf(ev.journey) : null;
    const hops = this.withLogs(packetSoFar(s.timeline, s.i));
    const reached = reachedIfaces(hops, model.stageKey, diagram.pills);
    // "lost": it passed its last hook toward a device and was never seen there
    if (j && j.outcome === "lost") for (const p of diagram.pills) if (p.side === "out") reached.delete(p.id);
    const allHops = ev ? this.withLogs(s.timeline.filter((e) => e.journey === ev.journey)) : [];
    diagram.showPacket(hops, ev, { reached, nat: ev ? natMarks(j, hops, model, allHops) : [],
      detail: (e) => boxDetail(e, this.natFor(e)), duration: this.player.duration(ev) * 0.6,
      killedAfter: killedAfter(j, allHops, ev) });
    if (diagram.current) this.zoom.follow(diagram.current.g);
    renderCaption(ev, j, this.captionFallback());
    this.log.mark(s.i);
    if (ev && (s.via === "play" || s.via === "step") && s.i === this.lastI + 1) {
      this.store.set({ visits: [...s.visits, model.boxKey(ev)] });
    }
    this.lastI = s.i;
    this.renderInspectorFor(ev, j, s);
    this.renderSide();
  }

  captionFallback() {
    const s = this.get();
    if (s.running) return t(S.caption.receiving, { n: s.events.length });
    if (s.result && !s.events.length) return S.caption.noEvents;
    if (s.timeline.length) return S.caption.ready;
    return this.recorded ? S.caption.idleRecorded : this.idle;
  }

  renderInspectorFor(ev, j, s) {
    if (!ev) { renderInspector($("inspector"), null); return; }
    let prev = null;
    for (const e of s.timeline.slice(0, s.i)) if (e.journey === ev.journey && isLog(e) === isLog(ev)) prev = e;
    const key = this.model.boxKey(ev);
    const trail = s.events.filter((e) => e.journey === ev.journey && this.model.boxKey(e) === key)
      .map((e) => ({ ev: e, current: e === ev, future: e.seq > ev.seq }));
    const here = `${ev.family} ${ev.table} ${ev.base_chain || ev.chain}`;
    const seen = new Set();
    const journeyNat = ((j && j.nat) || []).filter((n) => {
      const k = `${n.field}:${n.old}:${n.new}`;
      if (n.at !== here || seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    const chains = (s.result && s.result.chains) || {};
    renderInspector($("inspector"), ev, prev, { nat: this.natFor(ev), journeyNat, trail, journey: j,
      chainRules: chains[`${ev.family} ${ev.table} ${ev.chain}`] || null, logs: s.logsApart ? [] : this.foldedOf.get(ev) || [],
      journeyLabel: j ? t(S.hop.packet, { id: j.id, direction: S.direction[j.direction] || "" }) : "" });
  }

  renderSide() {
    const s = this.get(), res = s.result, ev = s.timeline[s.i];
    const hit = renderRules($("rules"), res && res.rules, ev, res && res.chains);
    if (hit) $("rules").scrollTop = Math.max(0, hit.offsetTop - $("rules").offsetTop - 60);
    const j = ev ? this.journeyOf(ev.journey) : this.journeyOf(s.selected);
    renderConntrack($("conntrack"), res && res.conntrack, j ? j.flow : null, res && res.hidden);
    renderCaptures($("captures"), res && res.captures, j ? j.id : null);
  }

  selectJourney(id) {
    this.player.pause();
    this.store.set({ selected: id });
    this.player.play();
  }

  wire() {
    const { diagram, model, player } = this;
    wirePlayer(player);
    wireBench($("bench"), $("lab"));
    wirePresenter($("present-btn"), { onChange: () => { diagram.fitPills(); this.store.emit(new Set(["i"])); } });
    diagram.onActivate = (key) => {
      if (this.intercept && this.intercept(key)) return;
      const s = this.get(), cur = s.timeline[s.i];
      let k = s.timeline.findIndex((e) => model.boxKey(e) === key && (!cur || e.journey === cur.journey));
      if (k < 0) k = s.timeline.findIndex((e) => model.boxKey(e) === key);
      if (k >= 0) this.seek(k);
    };
    $("hidden-toggle").addEventListener("click", () => this.store.set({ showHidden: !this.get().showHidden }));
    $("logs-toggle").addEventListener("click", () => this.store.set({ logsApart: !this.get().logsApart }));
    wireCopyLog($("copy-log"), $("log"), () => this.get().timeline.map(eventText).join("\n"));
    wireKeys(player);
  }

  // --- feeding it ---------------------------------------------------------------------------
  // a whole run at once (a recorded run, the page's own result): events and their journeys
  loadRun(events, result) {
    const journeys = result && result.journeys && result.journeys.length ? result.journeys : journeysFromEvents(events);
    this.store.batch(() => this.store.set({ events: events.slice(), result, journeys, selected: null,
      output: result && result.output ? String(result.output).replace(/\n$/, "").split("\n") : [] }));
    renderOutput($("output"), this.get().output, result && result.command);
  }

  // events as the kernel reports them, during a run
  addEvents(evs) {
    const s = this.get();
    const fresh = journeysFromEvents(evs).filter((j) => !this.journeyOf(j.id));
    this.store.set({ events: [...s.events, ...evs], ...(fresh.length ? { journeys: [...s.journeys, ...fresh] } : {}) });
    renderCaption(null, null, this.captionFallback());
  }

  // the result is in: replay from the first request of the page's protocol
  replay(urls) {
    const s = this.get();
    this.diagram.markSeen(s.events);
    this.player.pause();
    this.store.set({ urls, visits: [] });
    this.player.seek(startIndex(this.get().timeline, this.get().journeys, this.proto), "start");
    const first = this.get().timeline[this.get().i];
    if (first) this.store.set({ visits: [this.model.boxKey(first)] });
  }

  // nothing run yet: the caption, the panes and the player as they start
  idleView() {
    this.store.set({ i: -1 });
    renderCaption(null, null, this.captionFallback());
    this.renderSide();
    renderPlayer(this.get());
  }
}
