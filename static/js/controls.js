// The player's buttons, the hop caption, the live region, the hidden-hops toggle, the status.
// Buttons are never disabled while focused (aria-disabled): the focus stays where it was.
import { $, el, icon } from "./dom.js";
import { chainLabel, hopText, ruleLabel, verdictInfo } from "./fmt.js";
import { S, t } from "./strings.js";

export function setDisabled(btn, off) {
  if (!btn) return;
  btn.setAttribute("aria-disabled", String(!!off));
  btn.classList.toggle("is-disabled", !!off);
}

export const isDisabled = (btn) => btn.getAttribute("aria-disabled") === "true";

export function wirePlayer(player) {
  const P = S.player;
  const buttons = { "p-first": ["first", P.first, () => player.first()], "p-back": ["back", P.back, () => player.step(-1)],
    "p-play": ["play", P.play, () => player.toggle()], "p-fwd": ["fwd", P.fwd, () => player.step(1)],
    "p-last": ["last", P.last, () => player.last()] };
  for (const [id, [name, label, fn]] of Object.entries(buttons)) {
    const b = $(id);
    b.replaceChildren(icon(name));
    if (id === "p-play") b.append(el("span", { class: "lbl", text: label }));
    b.setAttribute("aria-label", label);
    b.addEventListener("click", () => { if (!isDisabled(b)) fn(); });
  }
  $("p-speed").addEventListener("change", (e) => player.setSpeed(parseFloat(e.target.value)));
  player.setSpeed(parseFloat($("p-speed").value));
}

export function renderPlayer(state) {
  const n = state.timeline.length, i = state.i;
  $("p-pos").textContent = n ? t(S.hop.positionShort, { n: i + 1, total: n }) : S.hop.none;
  const play = $("p-play");
  const playing = state.playing;
  if (play.dataset.mode !== String(playing)) {
    play.dataset.mode = String(playing);
    play.replaceChildren(icon(playing ? "pause" : "play"),
      el("span", { class: "lbl", text: playing ? S.player.pause : S.player.play }));
    play.setAttribute("aria-label", playing ? S.player.pause : S.player.play);
  }
  for (const id of ["p-first", "p-back"]) setDisabled($(id), i <= 0);
  for (const id of ["p-fwd", "p-last"]) setDisabled($(id), i >= n - 1);
  setDisabled(play, n === 0);
}

// the visible caption: verdict badge, where, rule, packet (not a live region: see announce)
export function renderCaption(ev, journey, fallback) {
  const cap = $("hop-caption");
  if (!ev) { cap.textContent = fallback; return; }
  const v = verdictInfo(ev);
  cap.replaceChildren(el("span", { class: `vbadge v-${v.cls}`, text: `${v.icon} ${v.label}` }),
    ` ${chainLabel(ev)} — ${ruleLabel(ev) || S.hop.noRule}` + (ev.ct_state ? ` · ct ${ev.ct_state}` : "") +
    (ev.probe ? ` · ${S.hop.probeTag}` : "") +
    (journey ? ` · ${t(S.hop.packet, { id: journey.id, direction: S.direction[journey.direction] || "" })}` : ""));
}

// The live region: a hop when the learner steps or seeks, a summary when play starts or stops.
export class Announcer {
  constructor(node) { this.node = node; this.last = ""; }

  say(text) {
    if (!text || text === this.last) return;
    this.last = text;
    this.node.textContent = text;
  }

  // via: how the player got here (store.via); changed: the store keys that changed
  onPlayer(state, changed) {
    const n = state.timeline.length, i = state.i, ev = state.timeline[i];
    const A = S.announce;
    const hop = ev ? hopText(ev) : "";
    if (changed.has("playing")) {
      if (state.playing) return state.via === "auto" ? undefined : this.say(t(A.playing, { n: i + 1, total: n }));
      if (state.via === "end") return this.say(t(A.ended, { n: i + 1, total: n, hop }));
      if (ev) return this.say(t(A.paused, { n: i + 1, total: n, hop }));
      return;
    }
    if (changed.has("i") && ev && !state.playing && (state.via === "step" || state.via === "seek")) {
      this.say(t(A.hop, { n: i + 1, total: n, hop }));
    }
  }
}

export function renderHiddenToggle(btn, counts, shown) {
  if (!counts.n) { btn.hidden = true; return; }
  btn.hidden = false;
  const H = S.hidden;
  const what = counts.probe && counts.arp ? H.both : counts.arp ? H.arp : H.probes;
  btn.textContent = shown ? t(H.hide, { n: counts.n }) : t(H.show, { n: counts.n, what });
  btn.title = t(H.title, { what });
  btn.setAttribute("aria-pressed", String(!!shown));
}

// the NFLOG lines folded into their hops (n of them): show them apart, or fold them again
export function renderLogsToggle(btn, n, apart) {
  if (!btn) return;
  if (!n) { btn.hidden = true; return; }
  btn.hidden = false;
  btn.textContent = t(apart ? S.hidden.logsFold : S.hidden.logsApart, { n });
  btn.title = S.hidden.logsTitle;
  btn.setAttribute("aria-pressed", String(!!apart));
}

export function setStatus(status, detail) {
  const order = ["building", "ready", "running", "done"];
  const k = order.indexOf(status);
  for (const li of $("progress").children) {
    const m = order.indexOf(li.dataset.status);
    li.className = m < k ? "past" : m === k ? "now" : "";
  }
  $("progress").dataset.status = status || "";
  $("status-detail").textContent = detail || status || "";
}

// "copy": the event log's text to the clipboard, or selected for the learner to copy
export function wireCopyLog(btn, log, textOf) {
  btn.addEventListener("click", async () => {
    try { await navigator.clipboard.writeText(textOf()); btn.textContent = S.copy.copied; } catch {
      const r = document.createRange(); r.selectNodeContents(log); getSelection().removeAllRanges(); getSelection().addRange(r);
    }
    setTimeout(() => { btn.textContent = S.copy.copy; }, 1500);
  });
}

// the player's keys, anywhere on the page but in a control
const INTERACTIVE = "input, textarea, select, button, a, summary, [role=tab], [role=listbox], [role=button], [contenteditable]";
export function wireKeys(player) {
  document.addEventListener("keydown", (e) => {
    if (e.target.closest(INTERACTIVE) || e.ctrlKey || e.metaKey || e.altKey) return;
    const keys = { " ": () => player.toggle(), ArrowLeft: () => player.step(-1), ArrowRight: () => player.step(1),
      Home: () => player.first(), End: () => player.last() };
    if (keys[e.key]) { e.preventDefault(); keys[e.key](); }
  });
}
