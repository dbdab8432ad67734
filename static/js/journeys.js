// The journeys pane (one button per packet, every packet kept, no inner scroll) and the
// event log (a listbox: arrow keys move the hop, the current hop is its active option).
import { el, keepFocus, scrollWithin, tokens } from "./dom.js";
import { eventText, packetSummary, verdictInfo } from "./fmt.js";
import { say } from "./phrases.js";
import { S, t } from "./strings.js";

const OUTCOME_ICON = { delivered: "✓", dropped: "✕", local: "⌂", sent: "→", lost: "✕", stopped: "·", unknown: "?" };

export function journeysFromEvents(events) {
  const m = new Map();
  for (const ev of events) {
    if (ev.journey == null || m.has(ev.journey)) continue;
    m.set(ev.journey, { id: ev.journey, direction: ev.ct_direction === "reply" ? "reply" : "request",
      proto: ev.proto, summary: packetSummary(ev), outcome: null, provisional: true, first_seq: ev.seq });
  }
  return [...m.values()];
}

// a journey's story (core/story.py), each sentence in the page's language
export function storyLines(j) {
  const story = (j && j.story) || [];
  return story.map((line, i) => say((j.story_msgs || [])[i], line));
}

export function outcomeText(j) {
  if (!j.outcome) return `… ${S.outcome.pending}`;
  const icon = OUTCOME_ICON[j.outcome] || "?";
  if (j.outcome === "dropped" && j.drop_at) return `${icon} ${t(S.outcome.droppedIn, { where: j.drop_at })}`;
  return `${icon} ${S.outcome[j.outcome] || j.outcome}`;
}

// journeys: [JOURNEY]; counts: {id: n events}; first: the id of the step's first request
export function renderJourneys(ul, { journeys, total, counts, selected, first, onSelect, storyOf = null }) {
  keepFocus(ul, "data-jkey", () => {
    ul.replaceChildren();
    if (!journeys.length) { ul.append(el("li", { class: "empty", text: S.journeys.empty })); return; }
    ul.append(el("li", {}, el("button", {
      type: "button", class: "jbtn jall" + (selected == null ? " sel" : ""), "data-jkey": "all",
      "aria-pressed": String(selected == null), onclick: () => onSelect(null),
    }, el("span", { class: "jid", text: S.journeys.all }),
    el("span", { class: "jsum", text: t(S.journeys.every, { n: total }) }))));
    for (const j of journeys) {
      const out = j.outcome || "pending";
      ul.append(el("li", {}, el("button", {
        type: "button", class: `jbtn out-${out}` + (selected === j.id ? " sel" : "") + (j.id === first ? " first" : ""),
        "aria-pressed": String(selected === j.id), "data-journey": j.id, "data-jkey": j.id,
        onclick: () => onSelect(j.id),
      },
      el("span", { class: "jid", text: `#${j.id}` }),
      el("span", { class: `jdir ${j.direction}`, text: S.direction[j.direction] || j.direction || "" }),
      el("span", { class: "jmeta", text: t(S.journeys.meta, { seq: j.first_seq ?? "?", n: counts[j.id] || 0 }) }),
      el("span", { class: `jout out-${out}`, title: say(j.outcome_msg, j.outcome_detail || ""), text: outcomeText(j) }),
      el("span", { class: "jsum", text: j.summary || "" }))));
      if (j.id === storyOf && storyLines(j).length) {
        ul.append(el("li", { class: "story", "data-story": j.id },
          el("span", { class: "story-h", text: t(S.inspector.story, { id: j.id }) }),
          el("ol", {}, ...storyLines(j).map((line) => el("li", { text: line })))));
      }
    }
  });
}

export function logLine(ev, i) {
  const v = verdictInfo(ev);
  return el("li", { class: `ev v-${v.cls}` + (ev.probe ? " probe" : ""), "data-i": i, "data-seq": ev.seq,
    role: "option", id: `hop-${i}`, "aria-selected": "false" },
  el("span", { class: "hopn", text: String(i + 1) }),
  el("span", { class: "vi", text: v.icon }),
  el("span", { class: "sr-only", text: v.label }),
  el("span", { class: "txt" }, ...tokens(eventText(ev))),
  ev.probe ? el("span", { class: "probe-tag", text: S.hop.probeTag }) : null,
  ev.ct_state ? el("span", { class: "ctag", text: ev.ct_state }) : null);
}

export class EventLog {
  constructor(ol, onSeek) {
    this.ol = ol;
    this.onSeek = onSeek;
    this.n = 0;
    ol.addEventListener("click", (e) => {
      const li = e.target.closest("li[data-i]");
      if (li) onSeek(+li.dataset.i);
    });
    ol.addEventListener("keydown", (e) => {
      const cur = +(ol.getAttribute("aria-activedescendant") || "hop--1").slice(4);
      const to = { ArrowDown: cur + 1, ArrowUp: cur - 1, Home: 0, End: this.n - 1,
        PageDown: cur + 10, PageUp: cur - 10 }[e.key];
      if (to == null) return;
      e.preventDefault();
      e.stopPropagation();
      if (this.n) onSeek(Math.max(0, Math.min(to, this.n - 1)));
    });
  }

  // the timeline changed: append when it only grew (a live run), else draw it again
  sync(timeline) {
    const had = this.shown || [];
    if (had.length && timeline.length > had.length && timeline[had.length - 1] === had[had.length - 1]) {
      for (let i = had.length; i < timeline.length; i++) this.append(timeline[i], i);
    } else if (timeline !== had) {
      this.render(timeline);
    }
    this.shown = timeline;
  }

  render(timeline) {
    this.n = timeline.length;
    this.ol.replaceChildren(...timeline.map((ev, i) => logLine(ev, i)));
    this.ol.removeAttribute("aria-activedescendant");
  }

  append(ev, i) {
    this.n = i + 1;
    this.ol.append(logLine(ev, i));
  }

  mark(i) {
    for (const li of this.ol.querySelectorAll(".current")) {
      li.classList.remove("current");
      li.setAttribute("aria-selected", "false");
    }
    const li = this.ol.querySelector(`li[data-i="${i}"]`);
    if (!li) { this.ol.removeAttribute("aria-activedescendant"); return; }
    li.classList.add("current");
    li.setAttribute("aria-selected", "true");
    this.ol.setAttribute("aria-activedescendant", li.id);
    scrollWithin(this.ol, li);
  }
}
