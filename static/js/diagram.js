// The server-rendered SVG diagram: light boxes, move the packet token.
import { boxKey, isLog, stageKey, verdictInfo } from "./fmt.js";

const SVGNS = "http://www.w3.org/2000/svg";
const MAXCH = 26;

function clip(s, n = MAXCH) {
  s = String(s || "");
  return s.length > n ? s.slice(0, n - 1) + "…" : s;
}

export class Diagram {
  constructor(svg) {
    this.svg = svg;
    this.boxes = new Map([...svg.querySelectorAll("[data-box]")].map((g) => [g.dataset.box, g]));
    this.stages = new Map([...svg.querySelectorAll("[data-stage]")].map((g) => [g.dataset.stage, g]));
    this.token = svg.querySelector("#token");
    this.ifaces = [...svg.querySelectorAll("[data-iface]")];
    this.edges = [...svg.querySelectorAll("[data-edge]")];
    this.titles = new Map();
    for (const [k, g] of this.boxes) this.titles.set(k, g.querySelector("title")?.textContent || k);
  }

  has(key) { return this.boxes.has(key); }

  // the box an event lights: its table's box, else (unknown table) the hook's stage
  target(ev) {
    const k = boxKey(ev);
    if (this.boxes.has(k)) return { key: k, g: this.boxes.get(k), box: true };
    const s = stageKey(ev);
    if (this.stages.has(s)) return { key: s, g: this.stages.get(s), box: false };
    return null;
  }

  reset() {
    for (const [k, g] of this.boxes) {
      g.classList.remove("lit", "current", "accept", "drop", "continue", "jump", "return", "log", "nat", "logged");
      for (const sel of [".badge", ".ct", ".detail"]) {
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
    this.showNat(null);
    this.order = 0;
    this.lastStage = null;
  }

  // one event of the current packet, already passed (or current)
  apply(ev, { detail = "", nat = false } = {}) {
    const t = this.target(ev);
    if (!t) return null;
    const v = verdictInfo(ev);
    const stage = this.stages.get(stageKey(ev));
    if (stage) stage.classList.add("lit");
    if (this.lastStage && this.lastStage !== stageKey(ev)) this.lightEdge(this.lastStage, stageKey(ev));
    this.lastStage = stageKey(ev);
    if (!t.box) return t;
    const g = t.g;
    if (!g.classList.contains("lit")) g.dataset.order = String(++this.order);
    if (isLog(ev) && g.dataset.verdict && g.dataset.verdict !== "log") {
      // a log report of a hop the trace already showed: keep its verdict, add the mark
      g.classList.add("logged");
      const b = g.querySelector(".badge");
      if (b && !b.textContent.endsWith("●")) b.textContent += " ●";
      return t;
    }
    g.classList.remove("accept", "drop", "continue", "jump", "return", "log");
    g.classList.add("lit", v.cls);
    g.classList.toggle("nat", nat);
    g.dataset.verdict = v.cls;
    const badge = g.querySelector(".badge");
    if (badge) badge.textContent = `${v.icon} ${clip(String(ev.verdict || v.label), 10)}`;
    const ct = g.querySelector(".ct");
    const ctText = ev.ct_state ? `ct:${ev.ct_state.slice(0, 5)}` : "";
    if (ct) ct.textContent = ctText;
    const d = g.querySelector(".detail");
    if (d) d.textContent = clip(detail, Math.floor((+g.dataset.w - 24 - ctText.length * 5.6) / 5.8));
    g.querySelector("title").textContent = `${this.titles.get(t.key)}\n${v.icon} ${v.label}` +
      (detail ? `\n${detail}` : "");
    for (const name of [ev.iif, ev.physin]) this.lightIface(name, "in");
    for (const name of [ev.oif, ev.physout]) this.lightIface(name, "out");
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

  lightIface(name, side) {
    if (!name) return;
    for (const g of this.ifaces) {
      if (g.dataset.iface === name && (g.dataset.side === side || g.dataset.side === "up" || g.dataset.side === "down")) {
        g.classList.add("lit");
      }
    }
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
  }

  // a table that reported events was there during the run, whatever the page assumed
  markSeen(events) {
    const seen = new Set(events.map((e) => `${e.family}:${e.table}`));
    for (const [k, g] of this.boxes) {
      const [fam, table] = k.split(":");
      if (seen.has(`${fam}:${table}`)) g.classList.remove("absent");
    }
  }


  // a NAT hop: old → new address:port in a callout above the box
  showNat(ev, changes) {
    let c = this.svg.querySelector("#nat-callout");
    if (!c) {
      c = document.createElementNS(SVGNS, "g");
      c.id = "nat-callout";
      c.setAttribute("class", "nat-callout");
      c.append(document.createElementNS(SVGNS, "rect"), document.createElementNS(SVGNS, "text"));
      this.svg.append(c);
    }
    const t = ev && changes && changes.length ? this.target(ev) : null;
    if (!t || !t.box) { c.style.display = "none"; return; }
    const text = c.querySelector("text");
    text.textContent = "NAT " + changes.map((n) => `${n.field === "source" ? "src" : "dst"} ${n.old} → ${n.new}`).join(", ");
    c.style.display = "";
    const g = t.g, w = text.getComputedTextLength() + 16;
    const x = Math.max(4, Math.min(+g.dataset.x + (+g.dataset.w) / 2 - w / 2, 1236 - w));
    const y = +g.dataset.y - 24;
    const r = c.querySelector("rect");
    r.setAttribute("x", x); r.setAttribute("y", y); r.setAttribute("width", w); r.setAttribute("height", 20);
    r.setAttribute("rx", 4);
    text.setAttribute("x", x + 8); text.setAttribute("y", y + 14);
  }

  hideToken() { this.token.classList.remove("shown", "drop"); }
}

export { SVGNS };
