// The experiment form's traffic items: one row each (from, to, protocol, port, count, size,
// TTL), added and removed up to the server's limit. A protocol's tool decides which fields
// a row takes (experimentform.takes); the row the diagram's picks fill is the active one.
import { el } from "./dom.js";
import { rowsOf, takes } from "./experimentform.js";
import { S, t } from "./strings.js";

const FIELDS = ["port", "count", "size", "ttl"];
// a row's field ids: exp-to, exp-proto, ... for the first row (the one-item form's, which
// permalinks and tests name), exp-to-1, ... for the next ones
export const fieldId = (key, i) => (i ? `exp-${key}-${i}` : `exp-${key}`);

export class TrafficRows {
  // root: the <ol>; add: the "add a traffic item" button; nodes: page_data.nodes
  constructor(root, add, { nodes, limits, protos, onActive = () => {} }) {
    this.root = root;
    this.addBtn = add;
    this.nodes = nodes;
    this.limits = limits;
    this.protos = protos || ["icmp", "tcp", "udp"];
    this.onActive = onActive;
    this.active = 0;
    add.textContent = S.experiment.addItem;
    add.addEventListener("click", () => { this.add(); this.focus(this.count() - 1, "from"); });
  }

  count() { return this.root.children.length; }

  // rows: the permalink's traffic items
  fill(traffic) {
    this.root.replaceChildren();
    for (const row of rowsOf(traffic, (this.nodes[0] || {}).name)) this.append(row);
    this.setActive(0);
  }

  add() {
    if (this.count() >= this.limits.items) return;
    const last = this.values().pop() || {};
    this.append({ from: last.from || "", to: "", proto: last.proto || "icmp", port: "", count: "1", size: "", ttl: "" });
    this.setActive(this.count() - 1);
  }

  append(row) {
    const li = el("li", { class: "exp-item" });
    li.addEventListener("focusin", () => this.setActive([...this.root.children].indexOf(li)));
    this.root.append(li);
    this.draw(li, row);
    this.renumber();
  }

  draw(li, row) {
    const E = S.experiment;
    const input = (key, attrs) => el("input", { "data-key": key, value: row[key] ?? "", spellcheck: "false", ...attrs });
    const field = (key, label, control) => el("label", { class: `f f-${key}` }, el("span", { text: label }), control);
    const from = el("select", { "data-key": "from" },
      ...this.nodes.map((n) => el("option", { value: n.name, text: n.name })));
    if (row.from) from.value = row.from;
    const proto = el("select", { "data-key": "proto" }, ...this.protos.map((p) => el("option", { value: p, text: p })));
    proto.value = row.proto || "icmp";
    proto.addEventListener("change", () => this.gate(li));
    const remove = el("button", { type: "button", class: "small exp-remove" });
    remove.addEventListener("click", () => this.remove(li));
    li.replaceChildren(el("span", { class: "exp-n" }),
      field("from", E.from, from),
      field("to", E.to, input("to", { list: "exp-addrs", size: "15", inputmode: "decimal" })),
      field("proto", E.proto, proto),
      field("port", E.port, input("port", { type: "number", min: "1", max: "65535", class: "n5" })),
      field("count", E.count, input("count", { type: "number", min: "1", max: String(this.limits.count), class: "n2" })),
      field("size", E.size, input("size", { type: "number", min: "0", max: String(this.limits.size), class: "n4" })),
      field("ttl", E.ttl, input("ttl", { type: "number", min: "1", max: String(this.limits.ttl), class: "n3" })),
      remove);
    this.gate(li);
  }

  // a field the protocol's tool does not take is disabled, and says why
  gate(li) {
    const proto = li.querySelector("[data-key=proto]").value;
    const ok = takes(proto);
    for (const k of FIELDS) {
      const box = li.querySelector(`[data-key=${k}]`);
      box.disabled = !ok[k];
      box.title = ok[k] ? "" : (S.experiment.notTaken[proto] || {})[k] || "";
      box.closest("label").classList.toggle("off", !ok[k]);
    }
  }

  remove(li) {
    if (this.count() <= 1) return;
    const k = [...this.root.children].indexOf(li);
    li.remove();
    this.renumber();
    this.setActive(Math.min(k, this.count() - 1));
    this.focus(this.active, "from");
  }

  renumber() {
    const n = this.count();
    [...this.root.children].forEach((li, i) => {
      li.dataset.n = String(i);
      li.querySelector(".exp-n").textContent = t(S.experiment.item, { n: i + 1 });
      for (const box of li.querySelectorAll("[data-key]")) box.id = fieldId(box.dataset.key, i);
      const rm = li.querySelector(".exp-remove");
      rm.id = fieldId("remove", i);
      rm.textContent = S.experiment.remove;
      rm.setAttribute("aria-label", t(S.experiment.removeItem, { n: i + 1 }));
      rm.hidden = n <= 1;
    });
    this.addBtn.hidden = n >= this.limits.items;
  }

  setActive(i) {
    if (i < 0) return;
    this.active = i;
    [...this.root.children].forEach((li, k) => {
      li.classList.toggle("active", k === i);
      if (k === i) li.setAttribute("aria-current", "true"); else li.removeAttribute("aria-current");
    });
    this.onActive(i, this.row(i));
  }

  row(i) {
    const li = this.root.children[i];
    if (!li) return {};
    return Object.fromEntries([...li.querySelectorAll("[data-key]")].map((b) => [b.dataset.key, b.disabled ? "" : b.value]));
  }

  values() { return [...this.root.children].map((_, i) => this.row(i)); }

  // the diagram's pick: the active row's source or destination
  set(key, value) {
    const box = this.root.children[this.active]?.querySelector(`[data-key=${key}]`);
    if (box) box.value = value;
  }

  focus(i, key) {
    const box = this.root.children[i]?.querySelector(`[data-key=${key}]`);
    if (box && !box.disabled) box.focus();
    return box;
  }

  // the field a server error names: marked invalid, focused
  markInvalid(where) {
    for (const b of this.root.querySelectorAll("[aria-invalid]")) b.removeAttribute("aria-invalid");
    if (!where || where.item == null) return;
    const box = this.root.children[where.item]?.querySelector(`[data-key=${where.key}]`);
    if (!box) return;
    box.setAttribute("aria-invalid", "true");
    box.setAttribute("aria-describedby", "error");
    if (!box.disabled) box.focus();
  }
}
