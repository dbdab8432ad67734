// Try-it steps: the rule box the one Run button always reads, a "use this rule" button on
// every example rule of the step text, and errors shown next to the box, in view.
import { $, el } from "./dom.js";
import { exampleRules, parseRules } from "./grading.js";
import { S, t } from "./strings.js";

export class TryIt {
  constructor({ box, explain, maxRules, maxLen }) {
    this.box = box;                  // the textarea, or null on a step without one
    this.maxRules = maxRules;
    this.maxLen = maxLen;
    if (!box) return;
    this.hint = $("rules-hint");
    box.addEventListener("input", () => this.updateHint());
    this.updateHint();
    for (const code of explain.querySelectorAll("pre > code")) {
      const rules = exampleRules(code.textContent);
      if (!rules) continue;
      const label = rules.length > 1 ? S.run.useRules : S.run.useRule;
      const btn = el("button", { type: "button", class: "small use-rule", text: label,
        "aria-label": `${label}: ${rules.join("; ")}`, onclick: () => this.use(rules) });
      code.parentElement.after(el("div", { class: "use-rule-row" }, btn));
    }
  }

  use(rules) {
    this.box.value = rules.join("\n");
    this.updateHint();
    this.box.focus({ preventScroll: true });
    this.box.scrollIntoView({ block: "nearest" });
    this.hint.textContent = S.run.usedRule;
  }

  updateHint() {
    if (!this.hint) return;
    const { rules, error } = parseRules(this.box.value, this.maxRules, this.maxLen);
    this.hint.textContent = error || (rules.length ? "" : S.run.noRules);
    this.hint.classList.toggle("bad", !!error);
  }

  // {rules, error}: what the Run button sends (always the box's rules on a try-it step)
  read() {
    if (!this.box) return { rules: [], error: null };
    return parseRules(this.box.value, this.maxRules, this.maxLen);
  }
}

// An error next to the rule box and the Run button, scrolled into the viewport.
export function showError(msg, kind, { focusBox } = {}) {
  const box = $("error");
  if (!msg) { box.hidden = true; box.replaceChildren(); return; }
  box.hidden = false;
  const title = S.errorKind[kind] || "";
  box.replaceChildren(...(title ? [el("strong", { text: title }), el("br")] : []), msg);
  box.scrollIntoView({ block: "center" });
  if (focusBox) focusBox.focus({ preventScroll: true });
  return t(S.announce.error, { message: msg });
}
