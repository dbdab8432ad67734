// The server-rendered SVG diagram: light the boxes one packet reached, number them, move the
// token, light only the interfaces it reached, and let the keyboard and the mouse pick boxes.
import { clip, isLog, verdictInfo } from "./fmt.js";
import { drawNatMarks } from "./callouts.js";
import { svgEl } from "./dom.js";
import { S, t } from "./strings.js";

function svgText(tag, text, cls) {
  const e = svgEl(tag, { class: cls });
  e.textContent = text;
  return e;
}

const VERDICT_CLASSES = ["accept", "drop", "continue", "jump", "return", "log"];

export class Diagram {
  constructor(svg, model) {
    this.svg = svg;
    this.model = model;
    this.boxes = new Map([...svg.querySelectorAll("[data-box]")].map((g) => [g.dataset.box, g]));
    this.stages = new Map([...svg.querySelectorAll("[data-stage]")].map((g) => [g.dataset.stage, g]));
    this.token = svg.querySelector("#token");
    this.ifaces = [...svg.querySelectorAll("[data-iface]")];
    // the pills as data, for focus.reachedIfaces
    this.pills = this.ifaces.map((g, id) => ({ id, name: g.dataset.iface, side: g.dataset.side, stage: g.dataset.stageOf }));
    this.edges = [...svg.querySelectorAll("[data-edge]")];
    this.titles = new Map();
    for (const [k, g] of this.boxes) this.titles.set(k, g.querySelector("title")?.textContent || k);
    this.onActivate = null;          // (boxKey) => void: click, Enter or Space on a box
    this.focusable = [...this.boxes.values()].filter((g) => g.getAttribute("role") === "button");
    this.wireKeys();
  }

  has(key) { return this.boxes.has(key); }

  // the box an event lights: its table's box, else (unknown table) the hook's stage
  target(ev) {
    const k = this.model.boxKey(ev);
    if (this.boxes.has(k)) return { key: k, g: this.boxes.get(k), box: true };
    const s = this.model.stageKey(ev);
    if (this.stages.has(s)) return { key: s, g: this.stages.get(s), box: false };
    return null;
  }

  reset() {
    for (const [k, g] of this.boxes) {
      g.classList.remove("lit", "current", "nat", "logged", ...VERDICT_CLASSES);
      for (const sel of [".badge", ".ct", ".detail", ".order text"]) {
        const t = g.querySelector(sel);
        if (t) t.textContent = "";
      }
      g.querySelector("title").textContent = this.titles.get(k);
      delete g.dataset.verdict;
      delete g.dataset.order;
    }
    for (const g of this.stages.values()) g.classList.remove("lit", "current");
    for (const g of this.ifaces) g.classList.remove("lit");
    for (const p of this.edges) p.classList.remove("lit");
    this.token.classList.remove("drop", "shown");
    drawNatMarks(this, []);
    this.order = 0;
    this.lastStage = null;
  }

  // Draw one packet as far as the player got: hops (its events so far), the current one,
  // the interfaces it reached (focus.reachedIfaces) and its NAT marks (focus.natMarks).
  // killedAfter: the journey's own drop_at when the kernel dropped the packet after the
  // last hop it reported, with no drop verdict (a martian after a DNAT's re-route): that
  // hop's box keeps the rule's verdict and says that the packet died after it.
  showPacket(hops, current, { reached, nat = [], detail = () => "", duration = 300, killedAfter = null } = {}) {
    this.reset();
    if (!current) { this.hideToken(); return; }
    let dropped = null, at = null;
    for (const e of hops) {
      this.apply(e, detail(e));
      if (!isLog(e)) at = e;
      if (!dropped && verdictInfo(e).cls === "drop") dropped = e;
    }
    if (killedAfter && at && !dropped) {
      const g = this.target(at)?.g;
      if (g) {
        g.classList.add("killed");
        g.querySelector(".badge")?.append(svgText("tspan", " ✕", "bk"));
        const title = g.querySelector("title");
        if (title) title.textContent += `\n${t(S.diagram.killedAfter, { where: killedAfter })}`;
        dropped = at;
      }
    }
    this.lightIfaces(reached);
    this.setCurrent(current);
    drawNatMarks(this, nat);
    this.moveToken(dropped || at || current, { duration });
  }

  // one event of the current packet, already passed (or current)
  apply(ev, detail = "") {
    const t = this.target(ev);
    if (!t) return null;
    const v = verdictInfo(ev);
    const sk = this.model.stageKey(ev);
    this.stages.get(sk)?.classList.add("lit");
    if (this.lastStage && this.lastStage !== sk) this.lightEdge(this.lastStage, sk);
    this.lastStage = sk;
    if (!t.box) return t;
    const g = t.g;
    if (!g.classList.contains("lit")) {
      g.dataset.order = String(++this.order);
      const o = g.querySelector(".order text");
      if (o) o.textContent = String(this.order);
    }
    if (isLog(ev) && g.dataset.verdict && g.dataset.verdict !== "log") {
      // a log report of a hop the trace already showed: keep its verdict, add the mark
      g.classList.add("logged");
      const b = g.querySelector(".badge");
      if (b && !b.textContent.endsWith("●")) b.append(svgText("tspan", " ●", "bl"));
      return t;
    }
    g.classList.remove(...VERDICT_CLASSES);
    g.classList.add("lit", v.cls);
    g.classList.toggle("nat", ev.table === "nat" && /^(src|dst)→/.test(detail));
    g.dataset.verdict = v.cls;
    const badge = g.querySelector(".badge");
    if (badge) {
      // icon and word apart: the presenter layout keeps only the icon (its type is larger)
      const word = svgText("tspan", ` ${clip(String(ev.verdict || v.label), 10)}`, "bw");
      badge.replaceChildren(svgText("tspan", v.icon, "bi"), word);
    }
    const ct = g.querySelector(".ct");
    const ctText = ev.ct_state ? `ct:${ev.ct_state.slice(0, 5)}` : "";
    if (ct) ct.textContent = ctText;
    const d = g.querySelector(".detail");
    if (d) d.textContent = clip(detail, Math.floor((+g.dataset.w - 24 - ctText.length * 5.6) / 5.8));
    g.querySelector("title").textContent = `${this.titles.get(t.key)}\n${v.icon} ${v.label}` +
      (detail ? `\n${detail}` : "");
    return t;
  }

  // the arrow between two stages, or the two arrows through a decision between them
  lightEdge(a, b) {
    const edge = (x, y) => this.svg.querySelector(`[data-edge="${x}>${y}"]`);
    const direct = edge(a, b);
    if (direct) { direct.classList.add("lit"); return; }
    for (const [id, g] of this.stages) {
      if (id.includes(":")) continue;
      const e1 = edge(a, id), e2 = edge(id, b);
      if (e1 && e2) { e1.classList.add("lit"); e2.classList.add("lit"); g.classList.add("lit"); return; }
    }
    // frames the ip family never sees (ARP, or br_netfilter off) still pass the FDB decision
    if (a === "bridge:prerouting" && /^bridge:(forward|input)$/.test(b)) {
      this.stages.get("bridge-decision")?.classList.add("lit");
    }
  }

  // only the interfaces the packet reached (lit: a set of pill ids, focus.reachedIfaces)
  lightIfaces(lit) {
    if (!lit) return;
    this.ifaces.forEach((g, id) => g.classList.toggle("lit", lit.has(id)));
  }

  // the event being shown: ring its box
  setCurrent(ev) {
    for (const g of this.svg.querySelectorAll(".current")) g.classList.remove("current");
    const t = this.target(ev);
    if (t) t.g.classList.add("current");
  }

  // the packet is here now (a dropped packet stays where it died)
  moveToken(ev, { duration = 300 } = {}) {
    const t = this.target(ev);
    if (!t) { this.token.classList.remove("shown"); return; }
    const g = t.g;
    let x, y;
    if (t.box) {
      x = +g.dataset.x - 3; y = +g.dataset.y + (+g.dataset.h) / 2;
    } else {
      const r = g.querySelector("rect");
      x = +r.getAttribute("x"); y = +r.getAttribute("y") + 12;
    }
    this.token.style.transitionDuration = `${Math.max(60, Math.min(duration, 450))}ms`;
    this.token.setAttribute("transform", `translate(${x},${y})`);
    this.token.classList.add("shown");
    this.token.classList.toggle("drop", verdictInfo(ev).cls === "drop");
    this.current = t;
  }

  // a table that reported events was there during the run, whatever the page assumed
  markSeen(events) {
    const seen = new Set(events.map((e) => `${e.family}:${e.table}`));
    for (const [k, g] of this.boxes) {
      const [fam, table] = k.split(":");
      if (seen.has(`${fam}:${table}`)) g.classList.remove("absent");
    }
  }

  hideToken() { this.token.classList.remove("shown", "drop"); }

  // --- picking (the prediction) and the keyboard -----------------------------------------
  // mode: null | "box" | "hooks"; picks: {box, hooks: ["family:hook", ...]}
  showPicks(mode, picks = {}) {
    this.svg.classList.toggle("picking", !!mode);
    this.svg.dataset.pick = mode || "";
    for (const [k, g] of this.boxes) g.classList.toggle("picked", k === picks.box);
    for (const [id, g] of this.stages) {
      const t = g.querySelector(".pick");
      if (!t) continue;
      const nums = (picks.hooks || []).map((h, i) => (h === id ? i + 1 : null)).filter(Boolean);
      t.textContent = nums.length ? nums.join(",") : "";
      g.classList.toggle("picked", nums.length > 0);
    }
  }

  wireKeys() {
    const first = this.focusable[0];
    if (first) first.setAttribute("tabindex", "0");
    const activate = (g) => this.onActivate && this.onActivate(g.dataset.box);
    this.svg.addEventListener("click", (e) => {
      const g = e.target.closest("[data-box][role=button]");
      if (g) { this.rove(g, false); activate(g); }
    });
    this.svg.addEventListener("keydown", (e) => {
      const g = e.target.closest("[data-box][role=button]");
      if (!g) return;
      const i = this.focusable.indexOf(g);
      const move = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[e.key];
      if (move) {
        e.preventDefault();
        e.stopPropagation();
        this.rove(this.focusable[(i + move + this.focusable.length) % this.focusable.length], true);
      } else if (e.key === "Home" || e.key === "End") {
        e.preventDefault();
        e.stopPropagation();
        this.rove(this.focusable[e.key === "Home" ? 0 : this.focusable.length - 1], true);
      } else if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        e.stopPropagation();
        activate(g);
      }
    });
  }

  // roving tabindex: one box in the tab order, the arrow keys move it
  rove(g, focus) {
    for (const b of this.focusable) b.setAttribute("tabindex", b === g ? "0" : "-1");
    if (focus) g.focus({ preventScroll: false });
  }

  // pills as wide as their text (the presenter layout draws larger type)
  fitPills() {
    for (const g of this.ifaces) {
      const r = g.querySelector("rect"), t = g.querySelector("text");
      if (!r || !t) continue;
      if (!r.dataset.w0) { r.dataset.w0 = r.getAttribute("width"); r.dataset.x0 = r.getAttribute("x"); }
      const w0 = +r.dataset.w0, x0 = +r.dataset.x0;
      const need = t.getComputedTextLength() + 14;
      const w = Math.max(w0, need);
      const x = Math.max(1, Math.min(x0 + w0 / 2 - w / 2, this.svg.viewBox.baseVal.width - 1 - w));
      r.setAttribute("width", w);
      r.setAttribute("x", x);
      t.setAttribute("x", x + w / 2);
    }
  }
}
