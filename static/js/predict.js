// The predict panel: before a run, say what the kernel will do (or skip). Parts come from
// page_data.prediction.offered; the box and the hooks are chosen on the diagram itself.
import { el } from "./dom.js";
import { toggleCapture, toggleHook } from "./grading.js";
import { S, t } from "./strings.js";

const P = S.predict;
const Q = S.predict.q;

export class PredictPanel {
  // store keys: draft {through, dies_at, hooks, nat_addr, captures, skip}, pickMode (null | "box" | "hooks")
  // captures: the interfaces whose captures the step asks about; captureKinds: what one may show
  constructor(root, { store, offered, model, diagramEl, captures = [], captureKinds = [] }) {
    this.root = root;
    this.captures = captures;
    this.captureKinds = captureKinds;
    this.store = store;
    this.offered = new Set(offered);
    this.model = model;
    this.diagramEl = diagramEl;
    if (!offered.length) { root.hidden = true; return; }
    this.build();
    store.on(["draft", "pickMode", "running"], () => this.update());
    this.update();
  }

  draft() { return this.store.get().draft; }
  patch(p) { this.store.set({ draft: { ...this.draft(), ...p } }); }

  build() {
    const has = (p) => this.offered.has(p);
    const kids = [el("p", { class: "p-intro", text: Q.intro })];
    if (has("through")) {
      const radio = (value, label) => el("label", { class: "radio" },
        el("input", { type: "radio", name: "p-through", value, "data-pkey": `through-${value}`,
          onchange: () => this.setThrough(value === "yes") }), ` ${label}`);
      kids.push(el("fieldset", { class: "p-through" }, el("legend", { text: Q.through }),
        radio("yes", P.yes), radio("no", P.no)));
    }
    if (has("dies_at")) {
      const sel = el("select", { id: "p-dies", "aria-label": P.dies_at, onchange: (e) => this.pickBox(e.target.value || null) },
        el("option", { value: "", text: `(${Q.choose})` }),
        ...[...this.model.tables.values()].filter((x) => x.available)
          .map((x) => el("option", { value: x.key, text: this.model.tableLabel(x.key) })));
      this.dies = el("div", { class: "p-dies", hidden: true },
        el("p", { class: "q", text: Q.dies_at }), sel, el("p", { class: "picked", id: "p-dies-note", "aria-live": "polite" }));
      kids.push(this.dies);
    }
    if (has("hooks")) {
      this.hooksBtn = el("button", { type: "button", class: "small", id: "p-hooks-pick", "aria-pressed": "false",
        onclick: () => this.store.set({ pickMode: this.store.get().pickMode === "hooks" ? null : "hooks" }) });
      this.hookList = el("ol", { class: "hook-chips", id: "p-hooks-list", "aria-label": P.hooks });
      kids.push(el("div", { class: "p-hooks" }, el("p", { class: "q", text: Q.hooks }),
        el("div", { class: "row" }, this.hooksBtn,
          el("button", { type: "button", class: "small", text: Q.undo, onclick: () => this.patch({ hooks: (this.draft().hooks || []).slice(0, -1) }) }),
          el("button", { type: "button", class: "small", text: Q.clear, onclick: () => this.patch({ hooks: [] }) })),
        this.hookList));
    }
    if (has("nat_addr")) {
      kids.push(el("p", { class: "p-nat" }, el("label", { for: "p-nat" }, Q.nat_addr),
        el("input", { id: "p-nat", type: "text", inputmode: "decimal", autocomplete: "off", spellcheck: "false",
          placeholder: S.predict.natPlaceholder, oninput: (e) => this.patch({ nat_addr: e.target.value }) })));
    }
    if (has("captures") && this.captures.length) kids.push(this.buildCaptures());
    this.skipBtn = el("button", { type: "button", class: "small skip", id: "p-skip",
      onclick: () => { this.patch({ skip: !this.draft().skip }); this.store.set({ pickMode: null }); } });
    this.skippedNote = el("p", { class: "p-skipped", text: Q.skipped });
    this.body = el("div", { class: "p-body" }, ...kids);
    this.root.replaceChildren(el("h3", { text: P.title }), this.body, this.skippedNote, this.skipBtn);
  }

  // one row a capture, one checkbox a kind (ARP, requests, replies)
  buildCaptures() {
    const rows = this.captures.map((iface) => el("fieldset", { class: "p-capture" },
      el("legend", { text: t(P.captureOf, { iface }) }),
      ...this.captureKinds.map((kind) => el("label", { class: "check" },
        el("input", { type: "checkbox", "data-iface": iface, "data-kind": kind,
          onchange: (e) => this.patch({ captures: toggleCapture(this.draft().captures, this.captures,
            iface, kind, e.target.checked, this.captureKinds) }) }), ` ${P.kind[kind] || kind}`))));
    return el("div", { class: "p-captures" }, el("p", { class: "q", text: Q.captures }), ...rows);
  }

  setThrough(yes) {
    this.patch({ through: yes, dies_at: yes ? null : this.draft().dies_at });
    const mode = this.store.get().pickMode;
    if (!yes && this.offered.has("dies_at") && !this.draft().dies_at) this.store.set({ pickMode: "box" });
    else if (yes && mode === "box") this.store.set({ pickMode: null });
  }

  pickBox(key) {
    this.patch({ dies_at: key, through: key ? false : this.draft().through });
    if (this.store.get().pickMode === "box") this.store.set({ pickMode: null });
  }

  // a box of the diagram was activated while choosing: true when the panel used it
  onDiagram(key) {
    const mode = this.store.get().pickMode;
    if (mode === "box") { this.pickBox(key); return true; }
    if (mode === "hooks") {
      const [fam, , hook] = key.split(":");
      this.patch({ hooks: toggleHook(this.draft().hooks, `${fam}:${hook}`) });
      return true;
    }
    return false;
  }

  update() {
    if (!this.body) return;
    const d = this.draft(), mode = this.store.get().pickMode, running = this.store.get().running;
    this.body.hidden = !!d.skip;
    this.skippedNote.hidden = !d.skip;
    this.skipBtn.textContent = d.skip ? Q.unskip : Q.skip;
    this.root.classList.toggle("skipped", !!d.skip);
    for (const r of this.root.querySelectorAll("input[name=p-through]")) {
      r.checked = d.through != null && (r.value === "yes") === d.through;
      r.disabled = running;
    }
    if (this.dies) {
      this.dies.hidden = d.through !== false;
      const sel = this.dies.querySelector("select");
      sel.value = d.dies_at || "";
      this.dies.querySelector(".picked").textContent = d.dies_at
        ? t(P.picked, { box: this.model.tableLabel(d.dies_at) }) : mode === "box" ? P.pickBox : "";
    }
    if (this.hooksBtn) {
      this.hooksBtn.textContent = mode === "hooks" ? Q.stopHooks : Q.chooseHooks;
      this.hooksBtn.setAttribute("aria-pressed", String(mode === "hooks"));
      this.hookList.replaceChildren(...(d.hooks || []).map((h) => el("li", { text: this.model.hookLabel(h) })));
    }
    const caps = d.captures || {};
    for (const box of this.root.querySelectorAll(".p-capture input")) {
      box.checked = (caps[box.dataset.iface] || []).includes(box.dataset.kind);
      box.disabled = running;
    }
    const nat = this.root.querySelector("#p-nat");
    if (nat && nat.value !== (d.nat_addr || "")) nat.value = d.nat_addr || "";
    this.diagramEl.classList.toggle("picking", !!mode);
  }
}
