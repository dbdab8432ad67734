// The docker switch: which docker ruleset a run loads (lab.run's docker). Offered where the
// lesson loads docker's rules and the step pins no version of its own (or compares several);
// a recorded run says which one it loaded.
import { el } from "./dom.js";
import { S, t } from "./strings.js";

export const dockerName = (name) => S.docker.names[name] || name;

export class DockerSwitch {
  // info: page_data.docker {own, names, offer, compare}; ran: a recorded run's RESULT docker
  constructor(root, info, ran = null) {
    this.info = info || { own: "", names: [] };
    this.select = null;
    if (!root) return;
    if (ran) {
      root.replaceChildren(el("span", { class: "hint", text: t(S.docker.ran, { name: dockerName(ran) }) }));
      return;
    }
    if (!this.info.offer) return;
    this.select = el("select", { id: "docker-select", title: S.docker.title },
      ...this.info.names.map((n) => el("option", { value: n, text: dockerName(n) })));
    this.select.value = this.info.own;
    root.replaceChildren(el("label", { for: "docker-select", text: S.docker.label }), this.select);
  }

  // lab.run's docker: "" when it is the step's own (the server then runs the step as written)
  value() { return this.select && this.select.value !== this.info.own ? this.select.value : ""; }

  set(name) { if (this.select) this.select.value = name; }
}
