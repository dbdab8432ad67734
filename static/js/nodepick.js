// Picking an experiment's traffic on the diagram: each interface the diagram draws at its
// edge stands for the node behind it (a bridge port or an uplink for the namespace across
// the cable, the bridge's own port for the host; page_data.nodes[].pills). A pill is a
// button (click, Enter or Space); the source's pills are marked 1, the destination's 2.
import { svgEl } from "./dom.js";
import { S, t } from "./strings.js";

export class NodePicker {
  // onPick(node, address): a pill was chosen
  constructor(svg, nodes, onPick) {
    this.pills = [];
    const where = new Map();
    for (const n of nodes) for (const [iface, address] of Object.entries(n.pills || {})) where.set(iface, { node: n.name, address });
    for (const g of svg.querySelectorAll("g.iface[data-iface]")) {
      const w = where.get(g.dataset.iface);
      if (!w) continue;
      g.classList.add("pickable");
      g.setAttribute("role", "button");
      g.setAttribute("tabindex", "0");
      const badge = svgEl("g", { class: "pick-badge", "aria-hidden": "true" });
      badge.append(svgEl("circle", { r: 8 }), svgEl("text", { "text-anchor": "middle" }));
      g.append(badge);
      const go = () => onPick(w.node, w.address);
      g.addEventListener("click", (e) => { e.stopPropagation(); go(); });
      g.addEventListener("keydown", (e) => {
        if (e.key !== "Enter" && e.key !== " ") return;
        e.preventDefault();
        e.stopPropagation();
        go();
      });
      this.pills.push({ g, ...w });
    }
    this.show({});
  }

  // the nodes on the diagram (a node with no pill is picked in the form)
  nodes() { return new Set(this.pills.map((p) => p.node)); }

  // state: {from, to (an address), toNode}
  show({ from = null, to = null, toNode = null } = {}) {
    for (const p of this.pills) {
      const isFrom = p.node === from, isTo = p.node === toNode && (p.address === to || !this.pills.some((q) => q.address === to));
      p.g.classList.toggle("pick-from", isFrom);
      p.g.classList.toggle("pick-to", isTo && !isFrom);
      // at the pill's top left corner, where the pill is now (the presenter widens it)
      const r = p.g.querySelector("rect"), x = +r.getAttribute("x") + 2, y = +r.getAttribute("y") + 2;
      p.g.querySelector(".pick-badge circle").setAttribute("cx", x);
      p.g.querySelector(".pick-badge circle").setAttribute("cy", y);
      const text = p.g.querySelector(".pick-badge text");
      text.setAttribute("x", x);
      text.setAttribute("y", y + 4);
      text.textContent = isFrom ? "1" : isTo ? "2" : "";
      const role = isFrom ? S.experiment.isFrom : isTo ? S.experiment.isTo : "";
      p.g.setAttribute("aria-label", t(S.experiment.pill, { node: p.node, iface: p.g.dataset.iface, address: p.address }) +
        (role ? ` (${role})` : ""));
      p.g.setAttribute("aria-pressed", String(isFrom || isTo));
    }
  }
}
