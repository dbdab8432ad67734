// NAT callouts on the diagram: DNAT at PREROUTING, SNAT / MASQUERADE at POSTROUTING, each
// placed next to its stage where it covers no label, pill, stage or other callout.
import { svgEl } from "./dom.js";
import { S, t } from "./strings.js";

const PAD = 6, GAP = 8;

function rectOf(el) {
  const b = el.getBBox();
  return { x: b.x, y: b.y, w: b.width, h: b.height };
}

function overlaps(a, b, m = 2) {
  return a.x < b.x + b.w + m && b.x < a.x + a.w + m && a.y < b.y + b.h + m && b.y < a.y + a.h + m;
}

// everything a callout must not cover
function obstacles(svg) {
  const sel = [".stage-bg", ".decision rect", ".iface rect", ".layer-label", ".layer-sub", ".peer"];
  return [...svg.querySelectorAll(sel.join(","))].filter((e) => e.getBBox().width > 0).map(rectOf);
}

// candidate places around the stage, in order of preference: above it, below it, beside it;
// within each, nearest to the box first
function candidates(stage, box, w, h, W, H) {
  const out = [];
  const cx = box.x + box.w / 2;
  [stage.y - h - GAP, stage.y + stage.h + GAP].forEach((y, row) => {
    for (let dx = 0; dx <= 420; dx += 12) {
      for (const s of dx ? [1, -1] : [1]) out.push({ x: cx - w / 2 + s * dx, y, rank: row * 1000 + dx });
    }
  });
  for (let dy = 0; dy <= 200; dy += 10) {
    for (const y of [box.y - dy, box.y + dy]) {
      out.push({ x: stage.x + stage.w + GAP, y, rank: 2000 + dy }, { x: stage.x - w - GAP, y, rank: 2000 + dy });
    }
  }
  return out.filter((c) => c.x >= 4 && c.y >= 4 && c.x + w <= W - 4 && c.y + h <= H - 4)
    .map((c) => ({ ...c, w, h }));
}

// two lines; compact (the presenter's large type): three short ones
export function natText(m, compact = false) {
  const kind = S.diagram.nat[m.kind] || m.kind;
  const field = S.diagram.nat[m.field] || m.field;
  if (compact) return [`${kind} ${field}`, m.old, `→ ${m.new}`];
  return [t(m.hookOnly ? S.diagram.natTitleAt : S.diagram.natTitle, { kind, where: m.where }), `${field} ${m.old} → ${m.new}`];
}

export function drawNatMarks(diagram, marks) {
  const svg = diagram.svg;
  const layer = svg.querySelector("#nat-marks");
  if (!layer) return;
  layer.replaceChildren();
  if (!marks.length) return;
  const vb = svg.viewBox.baseVal;
  const avoid = obstacles(svg);
  for (const m of marks) {
    const g = diagram.boxes.get(m.box);
    const stageEl = diagram.stages.get(m.box.split(":")[0] + ":" + m.box.split(":")[2]);
    if (!g || !stageEl) continue;
    const box = { x: +g.dataset.x, y: +g.dataset.y, w: +g.dataset.w, h: +g.dataset.h };
    const stage = rectOf(stageEl.querySelector(".stage-bg"));
    const c = svgEl("g", { class: `nat-callout nat-${m.kind.toLowerCase()}`, "data-nat-box": m.box,
      "data-kind": m.kind });
    const rect = svgEl("rect", { rx: 5 });
    const lead = svgEl("path", { class: "lead" });
    const lines = natText(m, document.body.classList.contains("present")).map((s, i) => {
      const tx = svgEl("text", { class: i ? "nat-addr" : "nat-kind" });
      tx.textContent = s;
      return tx;
    });
    c.append(lead, rect, ...lines);
    layer.append(c);
    const LINE = Math.round(parseFloat(getComputedStyle(lines[1]).fontSize) * 1.25) || 14;
    const w = Math.max(...lines.map((l) => l.getComputedTextLength())) + 2 * PAD;
    const h = lines.length * LINE + PAD;
    const all = candidates(stage, box, w, h, vb.width, vb.height);
    all.sort((a, b) => a.rank - b.rank);
    const spot = all.find((p) => !avoid.some((o) => overlaps(p, o))) || all[0]
      || { x: Math.max(4, box.x), y: Math.max(4, stage.y - h - GAP), w, h };
    rect.setAttribute("x", spot.x); rect.setAttribute("y", spot.y);
    rect.setAttribute("width", w); rect.setAttribute("height", h);
    lines.forEach((l, i) => { l.setAttribute("x", spot.x + PAD); l.setAttribute("y", spot.y + PAD / 2 + LINE * (i + 1) - 3); });
    // the leader: along the stage's side (not across its other boxes), into the box
    const left = spot.x + w / 2 < box.x + box.w / 2;
    const edgeX = left ? stage.x - 3 : stage.x + stage.w + 3;
    const midY = box.y + box.h / 2;
    const y0 = spot.y + h < stage.y ? spot.y + h : spot.y > stage.y + stage.h ? spot.y : spot.y + h / 2;
    const x0 = Math.max(spot.x + 4, Math.min(edgeX, spot.x + w - 4));
    lead.setAttribute("d", `M${x0},${y0} L${edgeX},${y0} L${edgeX},${midY} L${left ? box.x : box.x + box.w},${midY}`);
    avoid.push(spot);
  }
}
